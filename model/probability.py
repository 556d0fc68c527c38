"""Logits to probabilities: the one sigmoid of the project, and the calibrated form inference uses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Elementwise logistic function in the input's dtype (overflow to 0 is fine and silenced)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def calibrated_probabilities(logits: np.ndarray, temperatures: Sequence[float] | np.ndarray) -> np.ndarray:
    """``sigmoid(logits / T)`` per label column, in float32, exactly as the classifier reports scores."""
    t = np.asarray(temperatures, dtype=np.float32)
    return sigmoid(np.asarray(logits, dtype=np.float32) / t)
