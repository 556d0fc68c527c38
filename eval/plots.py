"""PNG plots for the evaluation report (matplotlib, Agg canvas; no pyplot global state, no display needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tonlage.eval.format import system_titles
from tonlage.training.metrics import multi_hot

DPI = 110
MODEL_COLOUR = "#1f5fa8"
OTHER_COLOURS = ("#d9822b", "#6a9955", "#9b59b6", "#7f8c8d", "#c0392b")
PLOT_FILES = {
    "systems": "f1_by_system.png",
    "threshold_sweep": "threshold_sweep.png",
    "cooccurrence": "cooccurrence.png",
    "reliability": "reliability.png",
    "pr_curves": "pr_curves.png",
}


def _grid(n: int, width: float = 4.6, height: float = 3.4) -> tuple[Figure, list]:
    cols = 1 if n == 1 else 2
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(max(n, 1))]
    return fig, axes


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, format="png")
    return path


def plot_threshold_sweep(
    grid: Sequence[float], curves: dict[str, Sequence[float]], thresholds: dict[str, float], path: str | Path
) -> Path:
    """F1 against decision threshold per label, with the model's tuned threshold marked.

    Args:
        grid: Thresholds swept.
        curves: ``{label: F1 at each threshold}``.
        thresholds: The model's tuned threshold per label.
        path: PNG file to write.
    """
    fig, axes = _grid(len(curves))
    for ax, (label, f1) in zip(axes, curves.items()):
        ax.plot(grid, f1, color=MODEL_COLOUR, lw=1.8, label="F1 on this data")
        t = thresholds.get(label)
        if t is not None:
            at = float(np.interp(t, grid, f1))
            ax.axvline(t, color="#c0392b", ls="--", lw=1.2, label=f"tuned threshold {t:.2f} (F1 {at:.2f})")
        best = int(np.argmax(f1)) if len(f1) else 0
        if len(f1):
            ax.plot([grid[best]], [f1[best]], "o", color="#444444", ms=5, label=f"best here {grid[best]:.2f} (F1 {f1[best]:.2f})")
        ax.set(title=label, xlabel="threshold", ylabel="F1", xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle("Threshold sweep: F1 against decision threshold")
    return _save(fig, path)


def plot_cooccurrence(rows: Sequence[str], columns: Sequence[str], matrix: Sequence[Sequence[int]], path: str | Path) -> Path:
    """Heatmap of gold (rows) against predicted (columns) label counts, with the counts written in.

    Args:
        rows: Gold label names (incl. ``none``).
        columns: Predicted label names (incl. ``none``).
        matrix: Counts, ``len(rows) x len(columns)``.
        path: PNG file to write.
    """
    data = np.asarray(matrix, dtype=float)
    fig = Figure(figsize=(1.1 * len(columns) + 2.2, 0.9 * len(rows) + 1.6), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(np.log1p(data), cmap="Blues", aspect="auto")
    peak = np.log1p(data.max()) if data.size and data.max() > 0 else 1.0
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            dark = np.log1p(data[i, j]) > 0.6 * peak
            ax.text(j, i, f"{int(data[i, j])}", ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(len(columns)), labels=list(columns), rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), labels=list(rows))
    ax.set(xlabel="predicted", ylabel="gold", title="Gold vs predicted labels (counts; colour on log scale)")
    fig.colorbar(image, ax=ax, label="log(1 + count)", shrink=0.8)
    return _save(fig, path)


def _bin_points(bins: Sequence[dict]) -> tuple[list[float], list[float]]:
    filled = [b for b in bins if b["count"]]
    return [b["mean_proba"] for b in filled], [b["frac_positive"] for b in filled]


def plot_reliability(calibration: dict[str, dict], path: str | Path) -> Path:
    """Reliability diagram per label, before (T=1) and after temperature scaling.

    Args:
        calibration: ``{label: {"temperature", "ece_before", "ece_after", "bins_before", "bins_after"}}`` as
            computed by :func:`eval.report.compute_metrics`.
        path: PNG file to write.
    """
    fig, axes = _grid(len(calibration))
    for ax, (label, cal) in zip(axes, calibration.items()):
        ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls=":", label="perfect calibration")
        for key, colour, name in (("before", "#d9822b", "T = 1"), ("after", MODEL_COLOUR, f"T = {cal['temperature']:.2f}")):
            x, y = _bin_points(cal[f"bins_{key}"])
            ece = cal[f"ece_{key}"]
            ece_text = "n/a" if ece is None else f"{ece:.3f}"
            ax.plot(x, y, "o-", color=colour, ms=4, lw=1.4, label=f"{name} (ECE {ece_text})")
        counts = [b["count"] for b in cal["bins_after"]]
        if sum(counts):
            twin = ax.twinx()
            centres = [(b["lower"] + b["upper"]) / 2 for b in cal["bins_after"]]
            twin.bar(centres, counts, width=0.09, color=MODEL_COLOUR, alpha=0.12)
            twin.set_ylabel("rows per bin (after)", fontsize=7)
            twin.tick_params(labelsize=7)
        ax.set(title=label, xlabel="mean predicted probability", ylabel="fraction positive", xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Reliability diagrams (10 equal-width bins)")
    return _save(fig, path)


def plot_pr_curves(y_true: np.ndarray, proba: np.ndarray, labels: Sequence[str], path: str | Path) -> Path:
    """Precision-recall curve per label (labels without a gold positive are noted, not drawn).

    Args:
        y_true: Gold 0/1 matrix ``(n, labels)``.
        proba: Model probabilities of the same shape.
        labels: Label names in column order.
        path: PNG file to write.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, axes = _grid(len(labels))
    y_true = np.asarray(y_true).astype(int)
    for i, (ax, label) in enumerate(zip(axes, labels)):
        column = y_true[:, i] if len(y_true) else np.zeros(0, dtype=int)
        if column.sum() == 0:
            ax.text(0.5, 0.5, "no gold positive:\nPR curve undefined", ha="center", va="center", transform=ax.transAxes)
        else:
            precision, recall, _ = precision_recall_curve(column, proba[:, i])
            ap = average_precision_score(column, proba[:, i])
            ax.step(recall, precision, where="post", color=MODEL_COLOUR, label=f"AP {ap:.3f}")
            ax.axhline(column.mean(), color="#999999", ls=":", lw=1, label=f"prevalence {column.mean():.3f}")
            ax.legend(fontsize=7, loc="lower left")
        ax.set(title=label, xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    fig.suptitle("Precision-recall curves of the fine-tuned model")
    return _save(fig, path)


def plot_system_f1(systems: dict[str, dict[str, float]], labels: Sequence[str], path: str | Path) -> Path:
    """Grouped bars of per-label F1 and macro-F1 for the model and each baseline.

    Args:
        systems: ``{system name: {label: F1, ..., "macro": F1}}``; the first entry is drawn as the model.
        labels: Label names (a ``macro`` group is appended).
        path: PNG file to write.
    """
    groups = [*labels, "macro"]
    fig = Figure(figsize=(1.5 * len(groups) + 3, 3.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(len(systems), 1)
    x = np.arange(len(groups))
    for k, (name, scores) in enumerate(systems.items()):
        colour = MODEL_COLOUR if k == 0 else OTHER_COLOURS[(k - 1) % len(OTHER_COLOURS)]
        values = [scores.get(g) or 0.0 for g in groups]
        ax.bar(x + (k - (len(systems) - 1) / 2) * width, values, width, label=name, color=colour)
    ax.set_xticks(x, labels=groups)
    ax.set(ylabel="F1", ylim=(0, 1.05), title="F1 per label: fine-tuned model and baselines")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, path)


def write_plots(metrics: dict, out: Path) -> dict[str, str]:
    """Draw every PNG of the evaluation report into ``out`` from its metrics dict.

    Args:
        metrics: As computed by :func:`eval.report_metrics.compute_metrics` (or read from ``metrics.json``).
        out: An existing folder.

    Returns:
        ``{key: file name}`` of the plots drawn (the baseline plot only when baselines were run).
    """
    labels = metrics["labels"]
    model = metrics["model"]
    files = {}
    if metrics["baselines"].get("results"):
        titles = system_titles(metrics)
        systems = {"fine-tuned model": {**{lab: model["per_label"][lab]["f1"] for lab in labels}, "macro": model["macro_f1"]}}
        for name, result in metrics["baselines"]["results"].items():
            m = result["metrics"]
            systems[titles[name]] = {**{lab: m["per_label"][lab]["f1"] for lab in labels}, "macro": m["macro_f1"]}
        plot_system_f1(systems, labels, out / PLOT_FILES["systems"])
        files["systems"] = PLOT_FILES["systems"]
    sweep = metrics["threshold_sweep"]
    thresholds = {lab: model["per_label"][lab]["threshold"] for lab in labels}
    plot_threshold_sweep(sweep["grid"], sweep["f1"], thresholds, out / PLOT_FILES["threshold_sweep"])
    co = metrics["cooccurrence"]
    plot_cooccurrence(co["rows"], co["columns"], co["matrix"], out / PLOT_FILES["cooccurrence"])
    plot_reliability(metrics["calibration"], out / PLOT_FILES["reliability"])
    y_true = multi_hot([r["gold"] for r in metrics["rows"]], labels)
    proba = np.array([r["proba"] for r in metrics["rows"]], dtype=float).reshape(len(metrics["rows"]), len(labels))
    plot_pr_curves(y_true, proba, labels, out / PLOT_FILES["pr_curves"])
    files.update({k: PLOT_FILES[k] for k in ("threshold_sweep", "cooccurrence", "reliability", "pr_curves")})
    return files
