"""Every number of the evaluation report, computed once into one JSON-ready dict (:func:`compute_metrics`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from tonlage.eval.metrics import (
    EvaluationError,
    bootstrap_f1,
    cooccurrence,
    expected_calibration_error,
    json_safe,
    paired_difference,
    percentile_interval,
    ranking_scores,
    reliability_bins,
)
from tonlage.model.probability import calibrated_probabilities
from tonlage.training.metrics import SWEEP_GRID, label_scores, threshold_sweep

SCHEMA = "tonlage-eval/1"
DEFAULT_BOOTSTRAP = 1000
DEFAULT_SEED = 0
TOP_ERRORS = 10
TOP_ACTORS = 15
SMALL_DATA = 100
BREAKDOWN_FIELDS = ("form", "actor_type", "actor")


def _names(row: np.ndarray, labels: Sequence[str]) -> list[str]:
    return [label for label, hit in zip(labels, row) if hit]


def _group(rows: np.ndarray, value: str, y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    s = label_scores(y_true[rows], y_pred[rows], labels)
    return {
        "value": value,
        "n": int(rows.sum()),
        "macro_f1": s["macro_f1"],
        "per_label": {
            label: {
                "f1": s["per_label"][label]["f1"],
                "support": s["per_label"][label]["support"],
                "predicted": int(y_pred[rows, i].sum()),
            }
            for i, label in enumerate(labels)
        },
    }


def _breakdowns(records: Sequence[dict], y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    out = {}
    for field in BREAKDOWN_FIELDS:
        raw = [r.get(field) for r in records]
        if all(v is None for v in raw):
            continue
        values = ["(missing)" if v is None else str(v) for v in raw]
        counts = Counter(values)
        keep = sorted(counts, key=lambda v: (-counts[v], v))
        if field == "actor":
            keep = keep[:TOP_ACTORS]
        groups = [_group(np.array([v == value for v in values]), value, y_true, y_pred, labels) for value in keep]
        out[field] = {"groups": groups, "distinct": len(counts), "shown": len(keep)}
    return out


def _hard_negatives(records: Sequence[dict], y_pred: np.ndarray, labels: Sequence[str]) -> list[dict]:
    """False-alarm rate on hard negatives, per ``hard_case``."""
    cases: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.get("hard_negative") is True or r.get("hard_case"):
            cases.setdefault(str(r.get("hard_case") or "(unspecified)"), []).append(i)
    out = []
    for case in sorted(cases, key=lambda c: (-len(cases[c]), c)):
        rows = cases[case]
        fired = y_pred[rows]
        out.append(
            {
                "hard_case": case,
                "n": len(rows),
                "false_alarms": int(fired.any(axis=1).sum()),
                "false_alarm_rate": float(fired.any(axis=1).mean()),
                "fired": {label: int(fired[:, i].sum()) for i, label in enumerate(labels) if fired[:, i].sum()},
            }
        )
    return out


def _error_rows(
    index: np.ndarray, column: int, ids: Sequence[str], texts: Sequence[str],
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, labels: Sequence[str],
) -> list[dict]:
    return [
        {
            "id": ids[r],
            "text": texts[r],
            "score": float(proba[r, column]),
            "gold": _names(y_true[r], labels),
            "pred": _names(y_pred[r], labels),
        }
        for r in index
    ]


def _errors(
    ids: Sequence[str], texts: Sequence[str], y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, labels: Sequence[str]
) -> dict:
    out = {}
    for i, label in enumerate(labels):
        false_alarm = (y_pred[:, i] == 1) & (y_true[:, i] == 0)
        miss = (y_pred[:, i] == 0) & (y_true[:, i] == 1)
        fp, fn = np.flatnonzero(false_alarm), np.flatnonzero(miss)
        fp = fp[np.argsort(-proba[fp, i], kind="stable")][:TOP_ERRORS]  # most confident false alarms first
        fn = fn[np.argsort(proba[fn, i], kind="stable")][:TOP_ERRORS]  # most confident misses first
        out[label] = {
            "false_positives": _error_rows(fp, i, ids, texts, y_true, y_pred, proba, labels),
            "false_negatives": _error_rows(fn, i, ids, texts, y_true, y_pred, proba, labels),
            "n_false_positives": int(false_alarm.sum()),
            "n_false_negatives": int(miss.sum()),
        }
    return out


def _interval(samples: np.ndarray, n_boot: int, seed: int) -> dict:
    low, high = percentile_interval(samples)
    return {"low": low, "high": high, "level": 0.95, "n_boot": n_boot, "seed": seed}


def _model_scores(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, boot: np.ndarray, labels: Sequence[str],
    thresholds: dict[str, float], n_boot: int, seed: int,
) -> dict:
    """The model's label scores with ranking metrics, bootstrap intervals, thresholds and prediction counts."""
    model = label_scores(y_true, y_pred, labels)
    ranking = ranking_scores(y_true, proba, labels)
    model["macro_f1_ci"] = _interval(boot.mean(axis=2)[:, 0], n_boot, seed)
    for i, label in enumerate(labels):
        lo, hi = percentile_interval(boot[:, 0, i])
        model["per_label"][label].update(
            ranking[label], f1_low=lo, f1_high=hi, threshold=float(thresholds[label]), predicted=int(y_pred[:, i].sum())
        )
    return model


def _baseline_results(
    y_true: np.ndarray, predictions: list[np.ndarray], macro: np.ndarray, model: dict, baselines: Sequence,
    labels: Sequence[str], n_boot: int, seed: int,
) -> dict:
    """Each baseline's scores and its paired margin to the model (column ``k`` of ``macro`` is baseline ``k``)."""
    results = {}
    for k, b in enumerate(baselines, start=1):
        scores = label_scores(y_true, predictions[k], labels)
        b_rank = ranking_scores(y_true, b.proba, labels)
        for label in labels:
            scores["per_label"][label].update(b_rank[label], threshold=float(b.thresholds[label]))
        scores["macro_f1_ci"] = _interval(macro[:, k], n_boot, seed)
        results[b.name] = {
            "description": b.description,
            "threshold_source": b.threshold_source,
            "notes": list(b.notes),
            "metrics": scores,
            "margin": paired_difference(macro[:, 0], macro[:, k], model["macro_f1"] - scores["macro_f1"]),
            "proba": np.round(b.proba, 5),
        }
    return results


def _calibration(y_true: np.ndarray, proba: np.ndarray, proba_t1: np.ndarray, temps: list[float], labels: Sequence[str]) -> dict:
    return {
        label: {
            "temperature": temps[i],
            "ece_before": expected_calibration_error(y_true[:, i], proba_t1[:, i]),
            "ece_after": expected_calibration_error(y_true[:, i], proba[:, i]),
            "bins_before": reliability_bins(y_true[:, i], proba_t1[:, i]),
            "bins_after": reliability_bins(y_true[:, i], proba[:, i]),
        }
        for i, label in enumerate(labels)
    }


def _data_notes(y_true: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Warnings about the data itself: too few rows, a label never or always present."""
    notes = []
    if len(y_true) < SMALL_DATA:
        notes.append(f"Only {len(y_true)} statements: every interval is wide; read differences with care.")
    for i, label in enumerate(labels):
        if y_true[:, i].sum() == 0:
            notes.append(
                f"'{label}' never occurs in the gold labels of this data: its F1 counts as 0 in macro-F1 "
                "(the convention used in training), and PR-AUC and ROC-AUC are undefined (null)."
            )
        elif y_true[:, i].sum() == len(y_true):
            notes.append(f"Every statement carries '{label}': ROC-AUC is undefined (null).")
    return notes


def compute_metrics(
    *,
    ids: Sequence[str],
    texts: Sequence[str],
    y_true: np.ndarray,
    logits: np.ndarray,
    labels: Sequence[str],
    thresholds: dict[str, float],
    temperatures: dict[str, float],
    records: Sequence[dict] | None = None,
    baselines: Sequence = (),
    baseline_status: dict | None = None,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
    provenance: dict | None = None,
    notes: Sequence[str] = (),
) -> dict:
    """Every number of the report, as a JSON-ready dict (no NaN: undefined values are ``None``).

    Args:
        ids: Row ids.
        texts: Statements.
        y_true: Gold 0/1 matrix ``(n, labels)``.
        logits: Model logits of the same shape.
        labels: Label names in column order.
        thresholds: The model's decision thresholds (on calibrated probabilities).
        temperatures: The model's temperatures.
        records: The data's JSON records, for breakdowns by ``form``, ``actor_type``, ``actor`` and hard cases.
        baselines: :class:`eval.baselines.BaselineResult` objects scored on the same rows.
        baseline_status: ``{"status": "ok" | "skipped" | "disabled", "reason": ...}``.
        n_boot: Bootstrap resamples for the intervals (the same resamples for the model and every baseline).
        seed: Bootstrap seed.
        provenance: Artifact, data, command, date and versions (see :func:`eval.report.evaluate`).
        notes: Warnings to show in the summary.

    Returns:
        The metrics dict written as ``metrics.json``.
    """
    labels = list(labels)
    y_true = np.asarray(y_true).astype(int)
    logits = np.asarray(logits, dtype=np.float32)
    if y_true.shape != logits.shape or y_true.shape[1] != len(labels):
        raise EvaluationError(f"gold {y_true.shape} and logits {logits.shape} do not match {len(labels)} labels")
    if n_boot < 1:
        raise EvaluationError("the number of bootstrap resamples must be at least 1")
    records = list(records) if records is not None else [{} for _ in ids]
    temps = [float(temperatures[label]) for label in labels]
    proba = calibrated_probabilities(logits, temps)
    y_pred = (proba >= np.array([thresholds[label] for label in labels])).astype(int)

    predictions = [y_pred] + [b.predictions(labels) for b in baselines]
    boot = bootstrap_f1(y_true, predictions, n_boot, seed)
    model = _model_scores(y_true, y_pred, proba, boot, labels, thresholds, n_boot, seed)
    results = _baseline_results(y_true, predictions, boot.mean(axis=2), model, baselines, labels, n_boot, seed)
    proba_t1 = calibrated_probabilities(logits, [1.0] * len(labels))
    metrics = {
        "schema": SCHEMA,
        "labels": labels,
        "n": int(len(y_true)),
        "model": model,
        "baselines": {**(baseline_status or {"status": "ok" if baselines else "disabled"}), "results": results},
        "calibration": _calibration(y_true, proba, proba_t1, temps, labels),
        "threshold_sweep": {
            "grid": SWEEP_GRID,
            "f1": {label: threshold_sweep(y_true[:, i], proba[:, i]) for i, label in enumerate(labels)},
        },
        "cooccurrence": cooccurrence(y_true, y_pred, labels),
        "errors": _errors(ids, texts, y_true, y_pred, proba, labels),
        "breakdowns": _breakdowns(records, y_true, y_pred, labels),
        "hard_negatives": _hard_negatives(records, y_pred, labels),
        "notes": [*notes, *_data_notes(y_true, labels)],
        "provenance": provenance or {},
        "rows": [
            {"id": ids[r], "gold": _names(y_true[r], labels), "pred": _names(y_pred[r], labels), "proba": np.round(proba[r], 6)}
            for r in range(len(ids))
        ],
    }
    return json_safe(metrics)


__all__ = ["BREAKDOWN_FIELDS", "DEFAULT_BOOTSTRAP", "DEFAULT_SEED", "SCHEMA", "TOP_ERRORS", "compute_metrics"]
