"""The labelled data of an evaluation: read with the corpus reader of :mod:`training.corpus`, checked by eval's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tonlage.training.corpus import CorpusError, Problem, scan_jsonl
from tonlage.training.metrics import multi_hot


@dataclass
class EvalData:
    """A labelled evaluation file.

    Attributes:
        ids: Row ids (the record's ``id``, else ``line N``).
        texts: Statements.
        y: Gold 0/1 matrix ``(n, labels)``.
        records: The parsed JSON objects (for breakdown fields such as ``form``).
    """

    ids: list[str]
    texts: list[str]
    y: np.ndarray
    records: list[dict]


def eval_record_problems(rec: object, labels: Sequence[str]) -> list[str]:
    """What keeps one parsed line from being an evaluation row: it needs a ``text`` and known ``labels``.

    Looser than the corpus schema on purpose: article gold files have no ``id``, ``actor`` or ``form``.

    Args:
        rec: A parsed JSON value.
        labels: Known label names.

    Returns:
        At most one message (the first problem found); empty when the row is usable.
    """
    if not isinstance(rec, dict):
        return ["record must be a JSON object"]
    text, row_labels = rec.get("text"), rec.get("labels")
    if not isinstance(text, str) or not text.strip():
        return ["field 'text' is missing, not a string or empty"]
    if not isinstance(row_labels, list) or not all(isinstance(x, str) for x in row_labels):
        return ["field 'labels' must be a list of label names"]
    unknown = [x for x in row_labels if x not in labels]
    if unknown:
        return [f"unknown label(s) {unknown} (known: {', '.join(labels)})"]
    return []


def load_eval_data(path: str | Path, labels: Sequence[str]) -> EvalData:
    """Read a labelled JSONL file: one object per line with ``text`` and ``labels`` (other fields optional).

    Corpus files (``training/data/*.jsonl``) and article gold files both qualify; fields such as ``form``,
    ``actor_type`` and ``actor`` are used for breakdowns when present.

    Args:
        path: The JSONL file.
        labels: Known label names.

    Raises:
        CorpusError: Missing file, malformed lines, empty text, unknown labels (every problem, as file:line).
    """
    lines, problems = scan_jsonl(path, validate=lambda rec: eval_record_problems(rec, labels))
    if problems:
        raise CorpusError(problems)
    if not lines:
        raise CorpusError([Problem(str(path), None, "no records")])
    records = [line.record for line in lines]
    return EvalData(
        ids=[str(line.record.get("id") or f"line {line.line}") for line in lines],
        texts=[rec["text"] for rec in records],
        y=multi_hot([rec["labels"] for rec in records], labels),
        records=records,
    )


def load_texts(path: Path) -> set[str]:
    """The whitespace-folded texts of a JSONL file's readable rows (unreadable lines are skipped, not errors)."""
    lines, _ = scan_jsonl(path, validate=lambda rec: [] if isinstance(rec, dict) else ["not an object"])
    return {" ".join(str(line.record.get("text", "")).split()) for line in lines}


__all__ = ["EvalData", "eval_record_problems", "load_eval_data", "load_texts"]
