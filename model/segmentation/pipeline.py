"""The entry point: header detection and ``segment``, which runs the steps in order."""

from __future__ import annotations

import re

from tonlage.model.segmentation.entities import Registry, register_governments, register_people
from tonlage.model.segmentation.kinds import classify_kind
from tonlage.model.segmentation.lexicon import BLANK_LINE_RE, CLOSERS, DATELINE_RE, DETERMINERS, TERMINALS
from tonlage.model.segmentation.morph import is_konjunktiv_ii
from tonlage.model.segmentation.quotes import find_quotes
from tonlage.model.segmentation.sentences import split_statements
from tonlage.model.segmentation.speakers import Attribution, attribute_speaker, sentence_topic
from tonlage.model.segmentation.statement import Statement
from tonlage.model.segmentation.tokens import Token, tokens_outside_quotes


def _header_end(text: str) -> int:
    """End offset of the header block (title/teaser), or 0 when there is none.

    The first paragraph is a header when the article has further paragraphs and the
    paragraph opens with a title line (no closing punctuation) or a metadata field
    such as ``date 2022-01``.
    """
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    match = BLANK_LINE_RE.search(text, offset)
    if not match or not text[match.end() :].strip():
        return 0
    first_line = stripped.split("\n", 1)[0].rstrip()
    is_title = bool(first_line) and first_line[-1] not in TERMINALS | CLOSERS
    is_metadata = re.match(r"[a-zäöü]+:?\s+\d{4}(-\d{2}){0,2}\b", first_line) is not None
    return match.start() if is_title or is_metadata else 0


def _is_title_line(statement: str) -> bool:
    """A headline: no closing sentence mark. Teaser sentences under it are ordinary statements."""
    stripped = statement.rstrip()
    return not stripped or stripped[-1] not in TERMINALS | CLOSERS


def _body_start(text: str, start: int, end: int) -> int:
    """Offset after an agency dateline ("WARSCHAU (dpa-AFX) - "), or ``start`` when there is none."""
    match = DATELINE_RE.match(text, start, end)
    if not match or text[start:end].split(" ", 1)[0].lower() in DETERMINERS:
        return start  # "Der Minister (CDU) - …" is no place
    return match.end()


def _has_konjunktiv_ii(tokens: list[Token]) -> bool:
    return any(is_konjunktiv_ii(t.text, t.lemma, t.tag) for t in tokens)


def segment(text: str) -> list[Statement]:
    """Segment a German news article into statements with kind and speaker.

    Args:
        text: The article text.

    Returns:
        Statements in text order; ``text[s.start:s.end] == s.text`` for each. ``speaker`` is the
        fullest name the article gives the speaker, ``speaker_mention`` the statement's own words for it.
    """
    quotes = find_quotes(text)
    header_end = _header_end(text)
    registry = Registry()
    spans = split_statements(text, quotes)
    bodies = [_body_start(text, start, end) for start, end in spans]
    all_tokens = [tokens_outside_quotes(text, body, end, quotes) for body, (_, end) in zip(bodies, spans)]
    for tokens in all_tokens:  # everyone the article names, so a teaser can point forward and names are full
        register_people(tokens, registry)
        register_governments(tokens, text, registry)
    attributions: list[tuple[str, Attribution | None]] = []
    previous: Attribution | None = None
    topic = None
    for (start, end), body, tokens in zip(spans, bodies, all_tokens):
        kind = classify_kind(text, body, end, quotes)
        if kind == "narrative" and previous is not None and _has_konjunktiv_ii(tokens):
            kind = "reported"  # "… würden „den Preis zahlen“" continues the reported speech before it
        if kind == "narrative" and start < header_end and _is_title_line(text[start:end]):
            attribution = None
        else:
            attribution = attribute_speaker(tokens, text, kind, previous, registry, topic)
        attributions.append((kind, attribution))
        previous = attribution if kind != "narrative" else None
        topic = attribution.entity if attribution else sentence_topic(tokens, registry) or topic
    return [
        Statement(text[start:end], start, end, kind, a.entity.name if a else None, a.mention if a else None)
        for (start, end), (kind, a) in zip(spans, attributions)
    ]
