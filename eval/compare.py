"""Compare two evaluation reports made on the same data: every metric side by side, plus a paired bootstrap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tonlage.eval.format import num, signed
from tonlage.eval.metrics import EvaluationError, bootstrap_f1, json_safe, paired_difference
from tonlage.eval.render import Document
from tonlage.training.metrics import multi_hot

# (key, title, higher is better)
OVERALL = (
    ("macro_f1", "macro-F1", True),
    ("micro_f1", "micro-F1", True),
    ("exact_match", "exact match", True),
    ("hamming_loss", "Hamming loss", False),
)
PER_LABEL = (
    ("precision", "precision", True),
    ("recall", "recall", True),
    ("f1", "F1", True),
    ("pr_auc", "PR-AUC", True),
    ("roc_auc", "ROC-AUC", True),
    ("threshold", "threshold", None),
)


def load_metrics(report_dir: str | Path) -> dict:
    """Read ``metrics.json`` of a report folder (or the file itself).

    Raises:
        EvaluationError: Missing, unreadable, or not a Tonlage evaluation with per-row results.
    """
    path = Path(report_dir)
    file = path / "metrics.json" if path.is_dir() else path
    if not file.is_file():
        raise EvaluationError(f"{file} not found: give a folder written by `tonlage evaluate`")
    try:
        metrics = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EvaluationError(f"{file} is not valid JSON: {exc}") from exc
    if not isinstance(metrics, dict) or not str(metrics.get("schema", "")).startswith("tonlage-eval/") or "rows" not in metrics:
        raise EvaluationError(f"{file} is not a Tonlage evaluation (no schema or no per-row results)")
    return metrics


def _check_same_data(a: dict, b: dict, name_a: str, name_b: str) -> None:
    sha_a, sha_b = a.get("provenance", {}).get("data_sha256"), b.get("provenance", {}).get("data_sha256")
    if not sha_a or not sha_b:
        raise EvaluationError("a report lacks the data sha256; re-run `tonlage evaluate`")
    if sha_a != sha_b:
        raise EvaluationError(
            f"the reports were made on different data: {name_a} on {a['provenance'].get('data')} (sha256 {sha_a[:16]}…), "
            f"{name_b} on {b['provenance'].get('data')} (sha256 {sha_b[:16]}…); a paired comparison needs the same rows"
        )
    if a["labels"] != b["labels"]:
        raise EvaluationError(f"the reports use different labels: {a['labels']} vs {b['labels']}")
    ids_a, ids_b = [r["id"] for r in a["rows"]], [r["id"] for r in b["rows"]]
    gold_a, gold_b = [r["gold"] for r in a["rows"]], [r["gold"] for r in b["rows"]]
    if ids_a != ids_b or gold_a != gold_b:
        raise EvaluationError("the reports' rows differ (ids or gold labels) although the data hash matches")


def compare_reports(report_a: str | Path, report_b: str | Path, n_boot: int = 1000, seed: int = 0) -> dict:
    """Side-by-side metrics of two reports and a paired bootstrap of the macro-F1 difference B − A.

    Args:
        report_a: First report folder (the reference).
        report_b: Second report folder.
        n_boot: Bootstrap resamples (rows resampled once, both reports scored on the same resamples).
        seed: Bootstrap seed.

    Returns:
        ``{"a": {...}, "b": {...}, "n", "labels", "overall": [rows], "per_label": {label: [rows]},
        "macro_f1_difference": {"delta", "low", "high", "p_value", ...}}``, where each row is
        ``{"metric", "a", "b", "delta", "better"}`` and ``better`` is ``"A"``, ``"B"``, ``"="`` or ``None``.

    Raises:
        EvaluationError: A report is unreadable, or the two were made on different data or labels.
    """
    a, b = load_metrics(report_a), load_metrics(report_b)
    _check_same_data(a, b, str(report_a), str(report_b))
    labels = a["labels"]
    y_true = multi_hot([r["gold"] for r in a["rows"]], labels)
    pred_a = multi_hot([r["pred"] for r in a["rows"]], labels)
    pred_b = multi_hot([r["pred"] for r in b["rows"]], labels)
    boot = bootstrap_f1(y_true, [pred_a, pred_b], n_boot, seed).mean(axis=2)
    difference = paired_difference(boot[:, 1], boot[:, 0], b["model"]["macro_f1"] - a["model"]["macro_f1"])

    def row(title: str, va, vb, higher: bool | None) -> dict:
        delta = None if va is None or vb is None else vb - va
        better = None
        if delta is not None and higher is not None:
            better = "=" if abs(delta) < 1e-12 else ("B" if (delta > 0) == higher else "A")
        return {"metric": title, "a": va, "b": vb, "delta": delta, "better": better}

    overall = [row(title, a["model"].get(key), b["model"].get(key), higher) for key, title, higher in OVERALL]
    overall.append(row("ECE after calibration (mean over labels)", _mean_ece(a), _mean_ece(b), False))
    per_label = {}
    for label in labels:
        pa, pb = a["model"]["per_label"][label], b["model"]["per_label"][label]
        rows = [row(title, pa.get(key), pb.get(key), higher) for key, title, higher in PER_LABEL]
        rows.append(row("ECE after", a["calibration"][label]["ece_after"], b["calibration"][label]["ece_after"], False))
        rows.append(row("support", pa["support"], pb["support"], None))
        per_label[label] = rows

    def describe(m: dict, where: str | Path) -> dict:
        p = m.get("provenance", {})
        return {"report": str(where), "artifact": p.get("artifact"), "artifact_hash": p.get("artifact_hash"),
                "precision": p.get("precision"), "date": p.get("date")}

    return json_safe({
        "a": describe(a, report_a),
        "b": describe(b, report_b),
        "data": a["provenance"].get("data"),
        "data_sha256": a["provenance"].get("data_sha256"),
        "n": a["n"],
        "labels": labels,
        "overall": overall,
        "per_label": per_label,
        "macro_f1_difference": difference,
    })


def _mean_ece(m: dict) -> float | None:
    values = [c.get("ece_after") for c in m.get("calibration", {}).values()]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _fmt(value, plus: bool = False) -> str:
    """A compared value: integers (supports) as they are, floats with 3 decimals, ``plus`` for a signed delta."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:+d}" if plus else str(value)
    return signed(value) if plus else num(value)


def verdict(comparison: dict) -> str:
    """One sentence on the macro-F1 difference B − A and whether its interval excludes 0."""
    d = comparison["macro_f1_difference"]
    interval = f"95% paired bootstrap CI {_fmt(d['low'], True)} to {_fmt(d['high'], True)}, p = {_fmt(d['p_value'])}"
    if d["low"] > 0:
        return f"B is better than A by {_fmt(d['delta'], True)} macro-F1 ({interval})."
    if d["high"] < 0:
        return f"B is worse than A by {_fmt(-d['delta'])} macro-F1 ({interval})."
    return f"No clear difference: B − A = {_fmt(d['delta'], True)} macro-F1 ({interval})."


def table_rows(comparison: dict) -> list[list[str]]:
    """``[metric, A, B, B − A, better]`` rows: overall metrics first, then each label's."""
    rows = [[r["metric"], _fmt(r["a"]), _fmt(r["b"]), _fmt(r["delta"], True), r["better"] or ""] for r in comparison["overall"]]
    for label, label_rows in comparison["per_label"].items():
        rows += [[f"{label} {r['metric']}", _fmt(r["a"]), _fmt(r["b"]), _fmt(r["delta"], True), r["better"] or ""] for r in label_rows]
    return rows


def comparison_markdown(comparison: dict) -> str:
    """The comparison as a Markdown document."""
    a, b = comparison["a"], comparison["b"]
    doc = Document()
    doc.heading(1, "Tonlage comparison")
    doc.bullets([
        f"**A**: `{a['report']}`: artifact `{a['artifact']}` (hash `{a['artifact_hash']}`, {a['precision']})",
        f"**B**: `{b['report']}`: artifact `{b['artifact']}` (hash `{b['artifact_hash']}`, {b['precision']})",
        f"Data: `{comparison['data']}` (sha256 `{str(comparison['data_sha256'])[:16]}…`), n = {comparison['n']}",
    ])
    doc.para(f"**{verdict(comparison)}**")
    doc.table(["metric", "A", "B", "B − A", "better"], table_rows(comparison), right=(1, 2, 3))
    d = comparison["macro_f1_difference"]
    doc.para(f"Paired bootstrap: {d['n_boot']} resamples of the rows, both reports scored on the same resamples; "
             "the p-value is twice the share of resamples on the far side of zero.")
    return doc.markdown()
