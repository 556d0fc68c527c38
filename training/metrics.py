"""Multi-label metrics for model selection and calibration; evaluation reports build on them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

SWEEP_GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


def multi_hot(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """``(n, len(labels))`` 0/1 matrix from lists of label names (unknown names raise ValueError)."""
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(label_lists), len(labels)), dtype=np.int64)
    for row, names in enumerate(label_lists):
        for name in names:
            if name not in index:
                raise ValueError(f"Unknown label {name!r} in row {row}")
            out[row, index[name]] = 1
    return out


def label_scores(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    """Per-label precision/recall/F1/support plus micro and macro F1, exact match and Hamming loss.

    A label with no gold and no predicted positives gets F1 0 (scikit-learn's ``zero_division=0``).

    Raises:
        ValueError: Fewer than two label columns (scikit-learn reads one column as a binary vector of
            class ids, which would score class 0); score one label with a binary metric instead.
    """
    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    if y_true.ndim != 2 or y_true.shape[1] < 2 or len(labels) < 2:
        raise ValueError("label_scores needs at least two label columns; score a single label with a binary metric")
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0, labels=range(len(labels)))
    per_label = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labels)
    }
    return {
        "per_label": per_label,
        "macro_f1": float(np.mean(f)),
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "exact_match": float(np.mean(np.all(y_true == y_pred, axis=1))) if len(y_true) else 0.0,
        "hamming_loss": float(np.mean(y_true != y_pred)) if len(y_true) else 0.0,
        "n": int(len(y_true)),
    }


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean of per-label F1."""
    return float(f1_score(np.asarray(y_true), np.asarray(y_pred), average="macro", zero_division=0))


def threshold_sweep(y_true: np.ndarray, proba: np.ndarray, grid: np.ndarray = SWEEP_GRID) -> list[float]:
    """F1 of one label at each threshold of ``grid`` (``proba >= t`` is positive; F1 0 when undefined)."""
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(proba, dtype=float)
    hits = p[None, :] >= np.asarray(grid)[:, None]
    tp = (hits & y).sum(axis=1)
    fp = (hits & ~y).sum(axis=1)
    fn = (~hits & y).sum(axis=1)
    denom = 2 * tp + fp + fn
    return [float(2 * a / d) if d else 0.0 for a, d in zip(tp, denom)]
