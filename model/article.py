"""Classify statements and whole articles into JSON-ready result dicts."""

from __future__ import annotations

from collections.abc import Sequence

from tonlage.model.classifier import Classifier, InputError
from tonlage.model.segmentation import Statement, segment


def classify_texts(
    classifier: Classifier, texts: Sequence[str], thresholds: dict[str, float] | None = None
) -> list[dict]:
    """One result per text: ``{"text", "labels", "scores"}`` in input order."""
    proba = classifier.predict_proba(texts)
    tags = classifier.tags(proba, thresholds)
    return [
        {"text": text, "labels": labels, "scores": {k: round(float(v), 4) for k, v in zip(classifier.labels, row)}}
        for text, labels, row in zip(texts, tags, proba)
    ]


def statement_fields(statement: Statement) -> dict:
    """What an article result adds to a statement's tones: speaker, how it is written, kind and offsets."""
    return {
        "speaker": statement.speaker,
        "speaker_mention": statement.speaker_mention,
        "kind": statement.kind,
        "start": statement.start,
        "end": statement.end,
    }


def classify_article(classifier: Classifier, article: str, thresholds: dict[str, float] | None = None) -> list[dict]:
    """Segment a news article into statements and classify each.

    Returns:
        One dict per statement in article order with ``text``, ``speaker``, ``speaker_mention``, ``kind``
        (quote / reported / narrative), ``start``/``end`` character offsets, ``labels`` and ``scores``.
    """
    if not isinstance(article, str) or not article.strip():
        raise InputError("The article is empty")
    statements = segment(article)
    results = classify_texts(classifier, [s.text for s in statements], thresholds)
    for statement, result in zip(statements, results):
        result.update(statement_fields(statement))
    return results
