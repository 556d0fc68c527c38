"""Word occlusion: which words of a statement drove each tone's score.

Each word is removed in turn and the statement scored again; a word's weight for a label is the drop
in that label's calibrated probability (positive: the word raised the score). All occluded variants
of all statements are scored together, so explaining ``n`` statements of ``w`` words is one batched
pass over ``n * w`` short texts, not ``n * w`` separate calls.

The work is split so a server can route the scoring through its own batcher:
:func:`occlusion_plan` builds the variants, :func:`explanations_from_scores` turns the scores back
into per-label word lists, and :func:`explain_texts` does both with a classifier directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# A word: letters/digits, with inner hyphens or apostrophes ("61-Jährige", "Lawrow's"). Punctuation is
# never occluded on its own: removing a comma rarely means anything to an analyst.
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
MAX_UNITS = 64  # longer statements are occluded in runs of adjacent words, so the cost stays bounded
DEFAULT_TOP_K = 3
_NO_SPACE_BEFORE = ",.;:!?…)]»«“”\"'"


@dataclass(frozen=True)
class Unit:
    """A span of a statement removed as one (a word, or a run of words in a long statement)."""

    start: int
    end: int
    word: str


@dataclass
class OcclusionPlan:
    """The variants to score for a list of statements.

    Attributes:
        units: Per statement, the spans that are removed one at a time.
        variants: All occluded texts, statement by statement, in unit order.
        offsets: ``offsets[i]:offsets[i + 1]`` are the rows of statement ``i`` in ``variants``.
    """

    units: list[list[Unit]]
    variants: list[str]
    offsets: list[int]


def word_units(text: str, max_units: int = MAX_UNITS) -> list[Unit]:
    """The words of ``text`` as spans; more than ``max_units`` words are grouped into adjacent runs."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    size = max(1, math.ceil(len(words) / max_units)) if words else 1
    units = []
    for i in range(0, len(words), size):
        start, end = words[i][0], words[min(i + size, len(words)) - 1][1]
        units.append(Unit(start, end, text[start:end]))
    return units


def remove_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without the given character spans; the gap becomes one space (none before punctuation)."""
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces.append(text[last:start].rstrip(" \t"))
        last = end
        while last < len(text) and text[last] in " \t":
            last += 1
    pieces.append(text[last:])
    out = pieces[0]
    for piece in pieces[1:]:
        if out and piece and piece[0] not in _NO_SPACE_BEFORE and out[-1] not in "„([":
            out += " "
        out += piece
    return out if out.strip() else "…"  # the classifier rejects empty texts; a lone word's removal leaves nothing


def occlusion_plan(texts: Sequence[str], max_units: int = MAX_UNITS) -> OcclusionPlan:
    """The occluded variants of every statement (one per word unit), ready to score in one batch."""
    units: list[list[Unit]] = []
    variants: list[str] = []
    offsets = [0]
    for text in texts:
        spans = word_units(text, max_units)
        units.append(spans)
        variants.extend(remove_spans(text, [(u.start, u.end)]) for u in spans)
        offsets.append(len(variants))
    return OcclusionPlan(units, variants, offsets)


def explanations_from_scores(
    plan: OcclusionPlan,
    full: np.ndarray,
    occluded: np.ndarray,
    labels: Sequence[str],
    top_k: int = DEFAULT_TOP_K,
) -> list[dict[str, list[dict]]]:
    """Per statement and label, the ``top_k`` words whose removal lowered that label's score most.

    Args:
        plan: The plan the variants came from.
        full: Probabilities of the statements themselves, ``(n, labels)``.
        occluded: Probabilities of ``plan.variants``, ``(len(variants), labels)``.
        labels: Label names in column order.
        top_k: Words kept per label; only words with a positive drop are listed.

    Returns:
        One dict per statement: label -> ``[{"word", "start", "end", "weight"}]``, strongest first;
        ``start``/``end`` are character offsets in the statement.
    """
    results = []
    for i, units in enumerate(plan.units):
        drops = full[i][None, :] - occluded[plan.offsets[i] : plan.offsets[i + 1]]
        per_label: dict[str, list[dict]] = {}
        for j, label in enumerate(labels):
            order: list[int] = np.argsort(-drops[:, j], kind="stable")[:top_k].tolist() if len(units) else []
            per_label[label] = [
                {"word": units[k].word, "start": units[k].start, "end": units[k].end, "weight": round(float(drops[k, j]), 4)}
                for k in order
                if drops[k, j] > 0
            ]
        results.append(per_label)
    return results


def explain_texts(
    score: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    labels: Sequence[str],
    full: np.ndarray | None = None,
    top_k: int = DEFAULT_TOP_K,
) -> list[dict[str, list[dict]]]:
    """Word-occlusion explanations for ``texts``.

    Args:
        score: Maps a list of texts to calibrated probabilities ``(n, labels)``, e.g.
            ``lambda t: classifier.predict_proba(t, batch_size=64)``.
        texts: The statements.
        labels: Label names in column order of ``score``'s output.
        full: The statements' own probabilities if already computed (saves one pass).
        top_k: Words kept per label.
    """
    texts = list(texts)
    plan = occlusion_plan(texts)
    if full is None:
        full = score(texts)
    occluded = score(plan.variants) if plan.variants else np.zeros((0, len(labels)), dtype=np.float32)
    return explanations_from_scores(plan, full, occluded, labels, top_k)
