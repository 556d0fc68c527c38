"""Real text from other domains: does the model's notion of insult and gratitude travel?

Two real, labelled German sets from ``../shared/datasets`` (read in place, never copied) are scored
with the artifact's own thresholds:

* GermEval 2018 test (3,532 German tweets): INSULT against the rest, and offensive (INSULT, ABUSE,
  PROFANITY) against OTHER. Published anchor: best INSULT F1 0.437 for systems *trained on it*.
* GoEmotions, machine-translated to German (test): gratitude against the rest.

Neither is diplomatic text, so low figures are expected; what they guard against is shortcut
learning: a model that tags half of all tweets as insult has learnt cue words, not insults. Errors
are listed by row id and score only, so no dataset text is copied into a committed report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tonlage.training.auxiliary import load_germeval2018, load_goemotions_de

log = logging.getLogger(__name__)

TOP_ERRORS = 5
OFFENSIVE = frozenset({"INSULT", "ABUSE", "PROFANITY"})


class _Scorer(Protocol):
    labels: list[str]
    thresholds: dict[str, float]

    def predict_proba(self, texts: Sequence[str], batch_size: int = ...) -> np.ndarray: ...


@dataclass(frozen=True)
class CrossDomainSet:
    """One real out-of-domain set: where it lives, how to load it, which label it speaks for."""

    name: str
    folder: str
    split: str
    label: str
    title: str
    anchor: str
    load: Callable[[Path, str], list[dict]]


CROSS_DOMAIN_SETS: tuple[CrossDomainSet, ...] = (
    CrossDomainSet(
        "germeval2018", "germeval2018", "test", "insult", "GermEval 2018 test: German tweets, INSULT vs the rest",
        "published best INSULT F1 0.437 (systems trained on GermEval)", load_germeval2018,
    ),
    CrossDomainSet(
        "goemotions_de", "goemotions_de", "test", "gratitude", "GoEmotions (German translation) test: gratitude vs the rest",
        "GoEmotions BERT baseline macro-F1 0.46 over all 28 emotions (English)", load_goemotions_de,
    ),
)


def default_datasets_dir(repo_root: Path) -> Path:
    """``../shared/datasets`` next to the repository root."""
    return repo_root.parent / "shared" / "datasets"


def _f1(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Binary precision, recall, F1 of the positive class (0 when undefined) and its gold support."""
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(y_true.sum())}


def _errors(ids: Sequence[str], y_true: np.ndarray, proba: np.ndarray, hits: np.ndarray) -> dict[str, list[dict]]:
    false_alarms = np.flatnonzero(hits & (y_true == 0))
    misses = np.flatnonzero(~hits & (y_true == 1))
    false_alarms = false_alarms[np.argsort(-proba[false_alarms], kind="stable")][:TOP_ERRORS]
    misses = misses[np.argsort(proba[misses], kind="stable")][:TOP_ERRORS]
    return {
        "false_alarms": [{"id": ids[int(i)], "score": round(float(proba[i]), 4)} for i in false_alarms],
        "misses": [{"id": ids[int(i)], "score": round(float(proba[i]), 4)} for i in misses],
    }


def score_set(classifier: _Scorer, spec: CrossDomainSet, folder: Path, batch_size: int = 16) -> dict[str, Any]:
    """F1 of ``spec.label`` on one set at the classifier's threshold, the tag rate and the worst errors."""
    records = spec.load(folder, spec.split)
    texts = [r["text"] for r in records]
    ids = [r["id"] for r in records]
    column = classifier.labels.index(spec.label)
    log.info("cross-domain: scoring %d texts of %s", len(texts), spec.name)
    proba = classifier.predict_proba(texts, batch_size=batch_size)[:, column]
    hits = proba >= classifier.thresholds[spec.label]
    y_true = np.array([spec.label in r["labels"] for r in records], dtype=int)
    result: dict[str, Any] = {
        "title": spec.title,
        "anchor": spec.anchor,
        "label": spec.label,
        "threshold": classifier.thresholds[spec.label],
        "n": len(texts),
        "tagged_share": round(float(hits.mean()), 4) if len(hits) else 0.0,
        "gold_share": round(float(y_true.mean()), 4) if len(y_true) else 0.0,
        **_f1(y_true, hits.astype(int)),
        "errors": _errors(ids, y_true, proba, hits),
    }
    if spec.name == "germeval2018":
        offensive = np.array([r.get("orig_label") in OFFENSIVE for r in records], dtype=int)
        result["offensive_vs_other"] = _f1(offensive, hits.astype(int))
    return result


def cross_domain_scores(classifier: _Scorer, datasets_dir: Path, batch_size: int = 16) -> dict[str, Any]:
    """Score every set of :data:`CROSS_DOMAIN_SETS` found under ``datasets_dir``.

    Returns:
        ``{"status": "ok", "sets": {name: result}}``, or ``{"status": "skipped", "reason": ...}`` when
        no set is present; a missing single set is listed under ``"missing"``.
    """
    datasets_dir = Path(datasets_dir)
    results, missing = {}, []
    for spec in CROSS_DOMAIN_SETS:
        folder = datasets_dir / spec.folder
        if not folder.is_dir():
            missing.append(spec.name)
            continue
        results[spec.name] = score_set(classifier, spec, folder, batch_size)
    if not results:
        return {"status": "skipped", "reason": f"no cross-domain set found under {datasets_dir}", "missing": missing}
    return {"status": "ok", "sets": results, "missing": missing}
