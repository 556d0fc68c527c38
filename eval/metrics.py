"""Evaluation-report metrics: ranking, calibration, co-occurrence, bootstrap intervals and paired tests.

The label metrics that training needs too (F1 per label, threshold sweeps) live one layer down in
:mod:`tonlage.training.metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tonlage.model.errors import TonlageError
from tonlage.training.metrics import label_scores

# -- evaluation-report metrics --------------------------------------------------------------------

NONE_LABEL = "none"
ECE_BINS = 10


class EvaluationError(TonlageError, ValueError):
    """An evaluation or comparison cannot be made (mismatched data, bad option); the message says why."""


def ranking_scores(y_true: np.ndarray, proba: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Per-label PR-AUC (average precision) and ROC-AUC from scores.

    Args:
        y_true: Gold 0/1 matrix ``(n, labels)``.
        proba: Scores of the same shape (any monotone score works).
        labels: Label names in column order.

    Returns:
        ``{label: {"pr_auc": float | None, "roc_auc": float | None}}``. PR-AUC is ``None`` when the label has
        no gold positive (precision is undefined); ROC-AUC is ``None`` when the gold column has one class only.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true = np.asarray(y_true).astype(int)
    proba = np.asarray(proba, dtype=float)
    out: dict[str, dict[str, float | None]] = {}
    for i, label in enumerate(labels):
        column = y_true[:, i]
        positives = int(column.sum())
        two_classes = 0 < positives < len(column)
        out[label] = {
            "pr_auc": float(average_precision_score(column, proba[:, i])) if positives else None,
            "roc_auc": float(roc_auc_score(column, proba[:, i])) if two_classes else None,
        }
    return out


def reliability_bins(y_true: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Equal-width reliability bins for one label.

    Args:
        y_true: Gold 0/1 vector.
        proba: Predicted probabilities in [0, 1].
        bins: Number of equal-width bins over [0, 1]; a probability of exactly 1 falls in the last bin.

    Returns:
        One dict per bin: ``lower``, ``upper``, ``count``, ``mean_proba`` and ``frac_positive`` (both ``None``
        for an empty bin).
    """
    y = np.asarray(y_true, dtype=float)
    p = np.clip(np.asarray(proba, dtype=float), 0.0, 1.0)
    index = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        hit = index == b
        count = int(hit.sum())
        out.append(
            {
                "lower": round(b / bins, 6),
                "upper": round((b + 1) / bins, 6),
                "count": count,
                "mean_proba": float(p[hit].mean()) if count else None,
                "frac_positive": float(y[hit].mean()) if count else None,
            }
        )
    return out


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS) -> float | None:
    """Expected calibration error with ``bins`` equal-width bins.

    ``ECE = sum_b (n_b / n) * |mean(y)_b - mean(p)_b|``; ``None`` for an empty input.
    """
    table = reliability_bins(y_true, proba, bins)
    n = sum(b["count"] for b in table)
    if n == 0:
        return None
    return float(sum(b["count"] / n * abs(b["frac_positive"] - b["mean_proba"]) for b in table if b["count"]))


def cooccurrence(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    """Gold-vs-predicted label co-occurrence counts, with ``none`` for rows without any label.

    Every row adds one count for each pair (gold label or ``none``, predicted label or ``none``), so the
    diagonal holds true positives, the ``none`` column misses and the ``none`` row false alarms.

    Returns:
        ``{"rows": [...], "columns": [...], "matrix": [[int, ...], ...]}`` with rows for gold and columns for
        predictions, both ``labels + ["none"]``.
    """
    names = [*labels, NONE_LABEL]
    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    matrix = np.zeros((len(names), len(names)), dtype=int)
    none = len(labels)
    for gold_row, pred_row in zip(y_true, y_pred):
        gold = np.flatnonzero(gold_row).tolist() or [none]
        pred = np.flatnonzero(pred_row).tolist() or [none]
        for g in gold:
            for p in pred:
                matrix[g, p] += 1
    return {"rows": names, "columns": names, "matrix": matrix.tolist()}


def bootstrap_f1(
    y_true: np.ndarray, predictions: Sequence[np.ndarray], n_boot: int = 1000, seed: int = 0, chunk: int = 200
) -> np.ndarray:
    """Per-label F1 of several prediction matrices on the same bootstrap resamples of the rows.

    Each resample draws ``n`` rows with replacement (as multinomial row counts, which is the same thing);
    every prediction matrix is scored on the same resamples, so differences are paired. F1 follows
    :func:`label_scores`: 0 when a label has no gold and no predicted positive in a resample.

    Args:
        y_true: Gold 0/1 matrix ``(n, labels)``.
        predictions: 0/1 matrices of the same shape (e.g. the model and each baseline).
        n_boot: Number of resamples.
        seed: Seed of the resampling; the same seed gives the same resamples.
        chunk: Resamples computed at once (memory ``chunk * n`` floats).

    Returns:
        Array ``(n_boot, len(predictions), labels)`` of F1 values; the macro-F1 is its mean over the last axis.

    Raises:
        EvaluationError: No rows, or a prediction matrix of the wrong shape.
    """
    y = np.asarray(y_true, dtype=float)
    if y.ndim != 2 or len(y) == 0:
        raise EvaluationError("bootstrap needs at least one row of gold labels")
    preds = [np.asarray(p, dtype=float) for p in predictions]
    for p in preds:
        if p.shape != y.shape:
            raise EvaluationError(f"prediction shape {p.shape} does not match gold shape {y.shape}")
    n, n_labels = y.shape
    out = np.empty((n_boot, len(preds), n_labels))
    rng = np.random.default_rng(seed)
    uniform = np.full(n, 1.0 / n)
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        weights = rng.multinomial(n, uniform, size=size).astype(float)  # (size, n) row counts
        for k, p in enumerate(preds):
            tp = weights @ (y * p)
            fp = weights @ ((1 - y) * p)
            fn = weights @ (y * (1 - p))
            denom = 2 * tp + fp + fn
            out[start : start + size, k] = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return out


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap samples."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(np.asarray(samples, dtype=float), [tail, 100 - tail])
    return float(low), float(high)


def paired_difference(samples_a: np.ndarray, samples_b: np.ndarray, observed: float, level: float = 0.95) -> dict:
    """Interval and two-sided p-value for the difference A − B from paired bootstrap samples.

    Args:
        samples_a: Bootstrap values of A (e.g. macro-F1 of the model per resample).
        samples_b: Bootstrap values of B on the same resamples.
        observed: A − B on the full data.
        level: Interval coverage.

    Returns:
        ``{"delta", "low", "high", "p_value", "level", "n_boot"}``. The p-value is twice the share of
        resamples on the far side of zero (``(count + 1) / (n_boot + 1)``, capped at 1): a percentile-
        bootstrap approximation of a two-sided test of "no difference".
    """
    diff = np.asarray(samples_a, dtype=float) - np.asarray(samples_b, dtype=float)
    low, high = percentile_interval(diff, level)
    n_boot = len(diff)
    below = (np.sum(diff <= 0) + 1) / (n_boot + 1)
    above = (np.sum(diff >= 0) + 1) / (n_boot + 1)
    return {
        "delta": float(observed),
        "low": low,
        "high": high,
        "p_value": float(min(1.0, 2 * min(below, above))),
        "level": level,
        "n_boot": int(n_boot),
    }


def paired_bootstrap(
    y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> dict:
    """Paired bootstrap of the macro-F1 difference A − B on the same resampled rows.

    Returns:
        See :func:`paired_difference`; ``delta`` is the macro-F1 of A minus that of B on the full data.
    """
    samples = bootstrap_f1(y_true, [pred_a, pred_b], n_boot, seed).mean(axis=2)
    names = [str(i) for i in range(np.shape(y_true)[1])]
    observed = label_scores(y_true, pred_a, names)["macro_f1"] - label_scores(y_true, pred_b, names)["macro_f1"]
    return paired_difference(samples[:, 0], samples[:, 1], observed, level)


def json_safe(value):
    """A copy of ``value`` that ``json.dumps(..., allow_nan=False)`` accepts: NaN/inf become ``None``,
    numpy scalars and arrays become Python numbers and lists, tuples become lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value
