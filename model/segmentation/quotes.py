"""Step 1: find direct quotes in any of the usual German quote styles."""

from __future__ import annotations

import bisect

from tonlage.model.segmentation.lexicon import BLANK_LINE_RE, OPEN_AFTER, QUOTE_PAIRS


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Find direct quotes, each as a ``(start, end)`` span including its quote marks.

    Inner quotes (‚…‘ inside „…“) are part of the outer span. A quote whose closing mark
    is missing runs to the end of its paragraph.

    Args:
        text: The article text.

    Returns:
        Non-overlapping spans in text order.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] in QUOTE_PAIRS and _is_opening_mark(text, i):
            end = _closing_mark_end(text, i, QUOTE_PAIRS[text[i]])
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _is_opening_mark(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev.isspace() or prev in OPEN_AFTER) and not nxt.isspace()


def _closing_mark_end(text: str, i: int, closers: str) -> int:
    limit = _paragraph_end(text, i)
    for k in range(i + 2, limit):
        if text[k] in closers and not text[k - 1].isspace():
            after = text[k + 1] if k + 1 < len(text) else " "
            if text[k] == '"' and after.isalnum():
                continue  # a straight quote glued to a following word opens, not closes
            return k + 1
    return len(text[:limit].rstrip())


def _paragraph_end(text: str, i: int) -> int:
    match = BLANK_LINE_RE.search(text, i)
    return match.start() if match else len(text)


def enclosing_quote(quotes: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The quote span strictly containing ``pos``, if any (``quotes`` is sorted)."""
    index = bisect.bisect_right(quotes, (pos, float("inf"))) - 1
    if index >= 0 and quotes[index][0] < pos < quotes[index][1]:
        return quotes[index]
    return None
