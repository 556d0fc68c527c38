"""Step 3: label a statement ``quote``, ``reported`` or ``narrative``."""

from __future__ import annotations

import re

from tonlage.model.segmentation.cues import saying_verb_positions, so_attribution, speech_act_performer
from tonlage.model.segmentation.lexicon import CLOSERS, IMPERSONAL_SAYING, KONJUNKTIV_FORMS, TERMINALS, is_saying_word
from tonlage.model.segmentation.morph import is_konjunktiv_i
from tonlage.model.segmentation.tokens import Token, tokens_outside_quotes


def classify_kind(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> str:
    """Classify the statement ``text[start:end]`` as quote, reported or narrative.

    Args:
        text: The article text.
        start: Statement start offset.
        end: Statement end offset.
        quotes: Quote spans of the whole article (``find_quotes``).

    Returns:
        ``"quote"`` if it holds a full-clause direct quote, ``"reported"`` for indirect
        speech (Konjunktiv I, a verb of saying, "so X"), else ``"narrative"``.
    """
    inner = [q for q in quotes if q[0] >= start and q[1] <= end]
    if any(_is_substantial_quote(text, start, end, q) for q in inner):
        return "quote"
    tokens = tokens_outside_quotes(text, start, end, quotes)
    if (
        saying_verb_positions(tokens)
        or _has_konjunktiv(tokens)
        or so_attribution(tokens) is not None
        or speech_act_performer(tokens) is not None
    ):
        return "reported"
    return "narrative"


def _is_substantial_quote(text: str, start: int, end: int, quote: tuple[int, int]) -> bool:
    """A full-clause quote, as opposed to a scare quote like "rüpelhaft"."""
    qs, qe = quote
    content = text[qs + 1 : qe - 1 if text[qe - 1] in CLOSERS else qe].strip()
    words = re.findall(r"\w+", content)
    if not words:
        return False
    before = text[start:qs].rstrip()
    after = text[qe:end].strip()
    first_letter = content.lstrip("….- ")[:1]
    ends_terminal = content[-1:] in TERMINALS
    if before == "" and (ends_terminal or after.strip(".!?…") == ""):
        return True  # the quote is the sentence ("»Niemals.«", "»Nein!«, rief er.")
    if len(words) < 2:
        return False
    if ends_terminal and (first_letter.isupper() or before.endswith(",")):
        return True
    if before.endswith(":"):
        return True
    if before == "":
        follow = re.match(r",\s*(\w+)", after)
        attributed = follow is not None and (is_saying_word(follow.group(1)) or follow.group(1) in IMPERSONAL_SAYING)
        return attributed or len(words) >= 4 and first_letter.isupper()
    return False


def _has_konjunktiv(tokens: list[Token]) -> bool:
    for i, token in enumerate(tokens):
        konjunktiv = token.text in KONJUNKTIV_FORMS or is_konjunktiv_i(token.text, token.lemma, token.tag)
        if konjunktiv and not (i > 0 and tokens[i - 1].low in {"ich", "wir"}):
            return True
    return False
