"""Post-hoc calibration on dev: per-label temperatures and decision thresholds."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from tonlage.model.probability import sigmoid
from tonlage.training.metrics import threshold_sweep

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def fit_temperature(y_true: np.ndarray, logits: np.ndarray) -> float:
    """The temperature T in [0.25, 10] minimising binary log loss of ``sigmoid(logits / T)``."""
    y = np.asarray(y_true, dtype=float)
    z = np.asarray(logits, dtype=float)
    if y.min() == y.max():  # one class only: nothing to calibrate against
        return 1.0

    def nll(log_t: float) -> float:
        p = np.clip(sigmoid(z / np.exp(log_t)), 1e-7, 1 - 1e-7)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    result = minimize_scalar(nll, bounds=(np.log(0.25), np.log(10.0)), method="bounded")
    return float(np.exp(result.x))


def tune_threshold(y_true: np.ndarray, proba: np.ndarray, tolerance: float = 0.01) -> float:
    """The threshold nearest 0.5 among those whose F1 is within ``tolerance`` of the best on the grid.

    On a small dev set the F1 curve is a noisy plateau, and its arg-max often sits at an extreme
    (0.05 or 0.9) by chance; preferring the calibrated midpoint within that plateau generalises better
    to new text. ``tolerance=0`` gives the plain arg-max (ties to the one nearest 0.5). A label without
    positives keeps 0.5.
    """
    y = np.asarray(y_true).astype(int)
    if y.sum() == 0:
        return 0.5
    scores = np.asarray(threshold_sweep(y, proba, THRESHOLD_GRID))
    good = np.flatnonzero(scores >= scores.max() - tolerance - 1e-9)
    return float(THRESHOLD_GRID[good[np.argmin(np.abs(THRESHOLD_GRID[good] - 0.5))]])


def calibrate(y_true: np.ndarray, logits: np.ndarray, labels: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Per-label temperatures, then thresholds on the calibrated probabilities.

    Returns:
        ``(temperatures, thresholds)``, each a dict keyed by label.
    """
    temperatures, thresholds = {}, {}
    for i, label in enumerate(labels):
        t = fit_temperature(y_true[:, i], logits[:, i])
        temperatures[label] = round(t, 4)
        thresholds[label] = tune_threshold(y_true[:, i], sigmoid(logits[:, i] / t))
    return temperatures, thresholds
