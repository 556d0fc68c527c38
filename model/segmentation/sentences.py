"""Step 2: cut an article into statement spans at sentence ends, line breaks and header lines."""

from __future__ import annotations

import re

from tonlage.model.segmentation.lexicon import (
    ABBREVIATIONS,
    CLOSERS,
    DETERMINERS,
    MONTHS,
    NUMBER_ABBREVIATIONS,
    ORDINAL_CONTEXT,
    ORDINAL_NOUNS,
    PLATFORM_CONTEXT,
    QUOTE_PAIRS,
    TERMINALS,
    is_saying_word,
)
from tonlage.model.segmentation.quotes import enclosing_quote, find_quotes


def split_statements(text: str, quotes: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Split an article into statement spans.

    Args:
        text: The article text.
        quotes: Quote spans from ``find_quotes`` (computed when omitted).

    Returns:
        ``(start, end)`` spans without surrounding whitespace, in text order.
    """
    if quotes is None:
        quotes = find_quotes(text)
    cuts = sorted(set(_line_cuts(text, quotes)) | set(_punctuation_cuts(text, quotes)))
    spans = _spans_between(text, [0, *cuts, len(text)])
    return _merge_detached_attributions(text, spans, quotes)


def _spans_between(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    spans = []
    for left, right in zip(cuts, cuts[1:]):
        chunk = text[left:right]
        if chunk.strip():
            start = left + len(chunk) - len(chunk.lstrip())
            end = left + len(chunk.rstrip())
            spans.append((start, end))
    return spans


def _line_cuts(text: str, quotes: list[tuple[int, int]]) -> list[int]:
    """Cut at blank lines always, and at single line breaks unless the line is wrapped."""
    cuts = []
    for match in re.finditer(r"\n\s*", text):
        before = text[: match.start()].rstrip()
        if not before or match.end() >= len(text):
            continue
        if match.group().count("\n") >= 2:
            cuts.append(match.end())
            continue
        if enclosing_quote(quotes, match.start()):
            continue
        wrapped = before[-1] not in TERMINALS | CLOSERS and text[match.end()].islower()
        if before[-1] != ":" and not wrapped:
            cuts.append(match.end())
    return cuts


def _punctuation_cuts(text: str, quotes: list[tuple[int, int]]) -> list[int]:
    cuts = []
    for match in re.finditer(r"\.\.\.|[.!?…]", text):
        p, j = match.start(), match.end()
        while j < len(text) and (text[j] in TERMINALS or text[j] in CLOSERS):
            j += 1
        if j >= len(text) or not text[j].isspace():
            continue
        k = j
        while k < len(text) and text[k].isspace():
            k += 1
        if k >= len(text) or not _can_start_sentence(text[k]):
            continue
        quote = enclosing_quote(quotes, p)
        if quote and j < quote[1]:
            continue  # sentence end inside a quote that goes on
        if not _is_sentence_end(text, p, match.group(), k):
            continue
        cuts.append(j)
    return cuts


def _can_start_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in QUOTE_PAIRS or ch in "‚(["


def _is_sentence_end(text: str, p: int, mark: str, next_start: int) -> bool:
    if mark in ("...", "…"):
        return p > 0 and not text[p - 1].isspace() and text[p - 1] != "["
    if mark != ".":
        return True
    if p > 0 and text[p - 1] == ".":
        return True
    word = _word_before(text, p)
    following = _word_at(text, next_start)
    if word == "X" and _previous_word(text, p - 1) in PLATFORM_CONTEXT:
        return True  # "schrieb er auf der Plattform X." is not an initial
    return not _is_abbreviation(word, following) and not _is_ordinal(text, p, word, following)


def _previous_word(text: str, pos: int) -> str:
    """The lower-cased word before the one starting at or before ``pos``."""
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return _word_before(text, pos).lower()


def _word_before(text: str, p: int) -> str:
    start = p
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:p].lstrip("([„\"»«“‚'")


def _word_at(text: str, k: int) -> str:
    match = re.compile(r"[\w.\-]+").match(text, k)
    return match.group().rstrip(".") if match else ""


def _is_abbreviation(word: str, following: str) -> bool:
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # initial ("A. Blinken") or part of "u. a.", "z. B."
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word):
        return True  # "z.B", "U.S"
    return word in NUMBER_ABBREVIATIONS and following[:1].isdigit()


def _is_ordinal(text: str, p: int, word: str, following: str) -> bool:
    if not word.isdigit():
        return False
    head = following.split("-")[-1]
    first = following.split("-")[0]
    if following in MONTHS or following[:3] in {m[:3] for m in MONTHS} and len(following) <= 4:
        return True
    if head in ORDINAL_NOUNS or first in ORDINAL_NOUNS or following[:1].isdigit():
        return True
    return _previous_word(text, p - len(word)) in ORDINAL_CONTEXT


def _merge_detached_attributions(
    text: str, spans: list[tuple[int, int]], quotes: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Join a quote-only sentence with a following "So X." / "Das sagte X …" sentence."""
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and _is_quote_only(text, merged[-1], quotes) and _is_attribution_sentence(text[span[0] : span[1]]):
            if "\n" not in text[merged[-1][1] : span[0]]:
                merged[-1] = (merged[-1][0], span[1])
                continue
        merged.append(span)
    return merged


def _is_quote_only(text: str, span: tuple[int, int], quotes: list[tuple[int, int]]) -> bool:
    return any(qs == span[0] and text[qe : span[1]].strip(".!?… ") == "" for qs, qe in quotes)


def _is_attribution_sentence(sentence: str) -> bool:
    words = re.findall(r"[\w\-]+", sentence)
    if len(words) < 2 or len(words) > 12:
        return False
    if words[0] == "So" and not is_saying_word(words[1]):
        return words[1].lower() in DETERMINERS or words[1][0].isupper()
    return words[0] in {"Das", "Dies", "So"} and is_saying_word(words[1])
