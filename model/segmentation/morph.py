"""German part-of-speech tags, lemmas and verb mood from HanTa (the Hanover Tagger).

The tagger is loaded lazily, once per process, on the first statement that needs it. Tags are
STTS as HanTa writes them at tag level 1 ("NE", "NN", "ADJ(D)", "ADV", "VV(FIN)", "VA(FIN)",
"VM(FIN)", "VV(PP)" …).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

# What a whole direct quote is tagged as: a dash keeps the words around it apart.
QUOTE_PLACEHOLDER = "–"
FINITE_TAGS: frozenset[str] = frozenset({"VV(FIN)", "VA(FIN)", "VM(FIN)"})
ADVERB_TAGS: frozenset[str] = frozenset({"ADJ(D)", "ADV"})
# Konjunktiv II forms that report speech where Konjunktiv I looks like the indicative.
_KONJUNKTIV_II: frozenset[str] = frozenset(
    "wäre wären hätte hätten würde würden könnte könnten müsste müssten dürfte dürften sollte sollten".split()
)
_UMLAUTS = str.maketrans("äöü", "aou")


@lru_cache(maxsize=1)
def _tagger() -> Any:
    from HanTa import HanoverTagger as ht  # imported here: loading the model takes about a second

    logger.debug("loading the HanTa German model")
    return ht.HanoverTagger("morphmodel_ger.pgz")


@lru_cache(maxsize=4096)
def tag_words(words: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``(lemma, tag)`` for each word of one sentence, in order."""
    if not words:
        return ()
    return tuple((lemma, tag) for _word, lemma, tag in _tagger().tag_sent(list(words), taglevel=1))


def is_konjunktiv_i(word: str, lemma: str, tag: str) -> bool:
    """A third-person Konjunktiv I form: "sei", "seien", or the stem plus -e ("behalte", "handele").

    The preterite ("dankte" of "danken") is stem plus -te, so a form counts only when it is the
    lemma's own stem plus -e.
    """
    if tag not in FINITE_TAGS:
        return False
    low = word.lower()
    if lemma == "sein":
        return low in {"sei", "seien", "seiest"}
    stem = lemma.lower()[:-2] if lemma.endswith("en") else lemma.lower()[:-1] if lemma.endswith("n") else ""
    if len(stem) < 2:
        return False
    forms = {stem + "e"}
    if stem.endswith(("el", "er")):
        forms.add(stem[:-2] + stem[-1] + "e")  # "handle" beside "handele"
    return low in forms


def is_konjunktiv_ii(word: str, lemma: str, tag: str) -> bool:
    """Konjunktiv II: the usual modal and auxiliary forms and strong forms with an umlaut ("stünden")."""
    if tag not in FINITE_TAGS:
        return False
    low = word.lower()
    if low in _KONJUNKTIV_II:
        return True
    umlaut = any(c in low for c in "äöü") and not any(c in lemma.lower() for c in "äöü")
    return umlaut and low.endswith(("e", "en")) and low.translate(_UMLAUTS) != lemma.lower()
