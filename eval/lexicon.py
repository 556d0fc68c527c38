"""A transparent keyword lexicon for the four tones: a baseline to beat, not a model.

Each label has a short list of German cue patterns (regular expressions, case-insensitive, matched on
word boundaries where it makes sense). A text's score for a label is ``m / (m + 1)`` for ``m`` cue
matches, so one match gives 0.5, two give 0.67, none gives 0. With the default threshold 0.5 a label
fires on any cue.

The lexicon is deliberately small and readable so a reviewer can see what "tone by keywords" gets
right and wrong. It knows nothing about who speaks, negation, quotation or irony, and it cannot tell
a warning from a report about a warning ("verurteilte die Drohungen"), or the preposition "dank"
from gratitude. Those are exactly the cases the fine-tuned model is meant to handle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# label -> cue patterns. Keep each list short and obvious; this is a reference point, not a model.
LEXICON: dict[str, list[str]] = {
    "warning": [
        r"\b(?:ge)?warn\w*",  # warnen, warnte, Warnung, gewarnt
        r"\bKonsequenzen\b",
        r"\brote[nr]? Linien?\b",
        r"\bPreis zahlen\b",
        r"\bteuer zu stehen\b",
        r"\bGegenmaßnahmen\b",
        r"\b(?:ge)?droh\w*",  # drohen, droht, Drohung, gedroht
        r"\bVergeltung\w*",
        r"\bUltimatum\b",
        r"\bentschlossen reagieren\b",
        r"\bbereuen\b",
        r"\bandernfalls\b",
    ],
    "insult": [
        r"\bClowns?\b",
        r"\bMarionetten?\b",
        r"\bverlogen\w*",
        r"\bRegimes?\b",
        r"\bLügner\w*",
        r"\bVersager\w*",
        r"\bHeuchler\w*",
        r"\bHandlanger\w*",
        r"\bSchurken?\w*",
        r"\bKriegstreiber\w*",
        r"\bsenil\w*",
        r"\bBande\b",
        r"\bIdioten?\b",
    ],
    "sarcasm": [
        r"\bangeblich\w*",
        r"\bsogenannt\w*",
        r"\bGlückwunsch zu\w*",
        r"\bMeisterstück\w*",
        r"\bDanke für nichts\b",
        r"\bwie originell\b",
        r"\bWelch ein\w*",
        r"\bBravo\b",
        r"„[\w-]+“",  # scare quotes around a single word: „Friedenstruppen“
    ],
    "gratitude": [
        r"\bdank\w*",  # danke, danken, dankbar, Dankbarkeit (also the preposition "dank": a known false cue)
        r"\bgedankt\b",
        r"\bbedank\w*",
        r"\bwürdigt\w*",
        r"\bWertschätzung\b",
        r"\bverdanken\b",
    ],
}

# label -> patterns that veto the label whatever else matched ("Danke für nichts" is not gratitude).
EXCLUDE: dict[str, list[str]] = {
    "gratitude": [r"\bDanke für nichts\b"],
}

_COMPILED = {label: [re.compile(p, re.IGNORECASE) for p in patterns] for label, patterns in LEXICON.items()}
_EXCLUDED = {label: [re.compile(p, re.IGNORECASE) for p in patterns] for label, patterns in EXCLUDE.items()}


def cue_matches(text: str, label: str) -> list[str]:
    """The cue strings found in ``text`` for ``label`` (empty for an unknown label or a vetoed text).

    Args:
        text: A statement.
        label: One of the lexicon's labels.

    Returns:
        The matched substrings, in pattern order.
    """
    if any(p.search(text) for p in _EXCLUDED.get(label, [])):
        return []
    return [m.group(0) for pattern in _COMPILED.get(label, []) for m in pattern.finditer(text)]


def lexicon_scores(texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Scores ``m / (m + 1)`` per text and label for ``m`` cue matches, shape ``(n, labels)``.

    Labels the lexicon does not know score 0.
    """
    out = np.zeros((len(texts), len(labels)))
    for i, text in enumerate(texts):
        for j, label in enumerate(labels):
            m = len(cue_matches(text, label))
            out[i, j] = m / (m + 1)
    return out
