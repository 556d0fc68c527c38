"""Evaluation report: metrics, baselines, calibration, errors and breakdowns, as Markdown, HTML and JSON.

The entry point is :func:`evaluate`. It scores a labelled JSONL file with a model artifact, fits the
baselines of :mod:`eval.baselines`, computes everything with :func:`compute_metrics` and writes the
report with :func:`write_report`. ``metrics.json`` holds every number of the report plus per-row gold
labels, probabilities and predictions, so :mod:`eval.compare` can run a paired bootstrap between two
reports, and :func:`write_report` can redraw a report from ``metrics.json`` alone.
"""

from __future__ import annotations

import base64
import gc
import html
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from tonlage.eval.metrics import (
    NONE_LABEL,
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
from tonlage.training.metrics import SWEEP_GRID, label_scores, multi_hot, threshold_sweep

SCHEMA = "tonlage-eval/1"
DEFAULT_BOOTSTRAP = 1000
DEFAULT_SEED = 0
TOP_ERRORS = 10
TOP_ACTORS = 15
SMALL_DATA = 100
BREAKDOWN_FIELDS = ("form", "actor_type", "actor")
VERSION_PACKAGES = ("torch", "transformers", "peft", "scikit-learn", "numpy", "tonlage")
PLOT_FILES = {
    "systems": "f1_by_system.png",
    "threshold_sweep": "threshold_sweep.png",
    "cooccurrence": "cooccurrence.png",
    "reliability": "reliability.png",
    "pr_curves": "pr_curves.png",
}
OUTPUT_FILES = ("report.md", "report.html", "metrics.json")

Log = Callable[[str], None]


def _training_data_dir() -> Path:
    import tonlage.training

    return Path(tonlage.training.__file__).resolve().parent / "data"


def default_train_path() -> Path:
    """``training/data/train.jsonl`` of the installed project."""
    return _training_data_dir() / "train.jsonl"


def default_dev_path() -> Path:
    """``training/data/dev.jsonl`` of the installed project."""
    return _training_data_dir() / "dev.jsonl"


# -- data ----------------------------------------------------------------------------------------


@dataclass
class EvalData:
    """A labelled evaluation file.

    Attributes:
        ids: Row ids (the record's ``id``, else ``line N``).
        texts: Statements.
        y: Gold 0/1 matrix ``(n, labels)``.
        records: The parsed JSON objects (for breakdown fields such as ``form``).
    """

    ids: list[str]
    texts: list[str]
    y: np.ndarray
    records: list[dict]


def load_eval_data(path: str | Path, labels: Sequence[str]) -> EvalData:
    """Read a labelled JSONL file: one object per line with ``text`` and ``labels`` (other fields optional).

    Corpus files (``training/data/*.jsonl``) and article gold files both qualify; fields such as ``form``,
    ``actor_type`` and ``actor`` are used for breakdowns when present.

    Args:
        path: The JSONL file.
        labels: Known label names.

    Raises:
        CorpusError: Missing file, malformed lines, empty text, unknown labels (every problem, with line numbers).
    """
    from tonlage.training.corpus import CorpusError, Problem

    name = str(path)
    file = Path(path)
    if not file.is_file():
        raise CorpusError([Problem(name, None, "file not found")])
    problems: list[Problem] = []
    ids, texts, gold, records = [], [], [], []
    for number, line in enumerate(file.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, number, f"malformed JSON: {exc.msg}"))
            continue
        if not isinstance(rec, dict):
            problems.append(Problem(name, number, "record must be a JSON object"))
            continue
        text, row_labels = rec.get("text"), rec.get("labels")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(name, number, "field 'text' is missing, not a string or empty"))
            continue
        if not isinstance(row_labels, list) or not all(isinstance(x, str) for x in row_labels):
            problems.append(Problem(name, number, "field 'labels' must be a list of label names"))
            continue
        unknown = [x for x in row_labels if x not in labels]
        if unknown:
            problems.append(Problem(name, number, f"unknown label(s) {unknown} (known: {', '.join(labels)})"))
            continue
        ids.append(str(rec.get("id") or f"line {number}"))
        texts.append(text)
        gold.append(row_labels)
        records.append(rec)
    if problems:
        raise CorpusError(problems)
    if not texts:
        raise CorpusError([Problem(name, None, "no records")])
    return EvalData(ids, texts, multi_hot(gold, labels), records)


# -- metrics -------------------------------------------------------------------------------------


def _names(row: np.ndarray, labels: Sequence[str]) -> list[str]:
    return [label for label, hit in zip(labels, row) if hit]


def _breakdowns(records: Sequence[dict], y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    out = {}
    for field in BREAKDOWN_FIELDS:
        values = [r.get(field) for r in records]
        if all(v is None for v in values):
            continue
        values = ["(missing)" if v is None else str(v) for v in values]
        counts = Counter(values)
        keep = sorted(counts, key=lambda v: (-counts[v], v))
        if field == "actor":
            keep = keep[:TOP_ACTORS]
        groups = []
        for value in keep:
            rows = np.array([v == value for v in values])
            s = label_scores(y_true[rows], y_pred[rows], labels)
            groups.append(
                {
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
            )
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


def _errors(
    ids: Sequence[str], texts: Sequence[str], y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, labels: Sequence[str]
) -> dict:
    out = {}
    for i, label in enumerate(labels):
        fp = np.flatnonzero((y_pred[:, i] == 1) & (y_true[:, i] == 0))
        fn = np.flatnonzero((y_pred[:, i] == 0) & (y_true[:, i] == 1))
        fp = fp[np.argsort(-proba[fp, i], kind="stable")][:TOP_ERRORS]  # most confident false alarms first
        fn = fn[np.argsort(proba[fn, i], kind="stable")][:TOP_ERRORS]  # most confident misses first

        def rows(index: np.ndarray) -> list[dict]:
            return [
                {
                    "id": ids[r],
                    "text": texts[r],
                    "score": float(proba[r, i]),
                    "gold": _names(y_true[r], labels),
                    "pred": _names(y_pred[r], labels),
                }
                for r in index
            ]

        out[label] = {
            "false_positives": rows(fp),
            "false_negatives": rows(fn),
            "n_false_positives": int(((y_pred[:, i] == 1) & (y_true[:, i] == 0)).sum()),
            "n_false_negatives": int(((y_pred[:, i] == 0) & (y_true[:, i] == 1)).sum()),
        }
    return out


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
        provenance: Artifact, data, command, date and versions (see :func:`evaluate`).
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
    proba_t1 = calibrated_probabilities(logits, [1.0] * len(labels))
    cut = np.array([thresholds[label] for label in labels])
    y_pred = (proba >= cut).astype(int)

    model = label_scores(y_true, y_pred, labels)
    ranking = ranking_scores(y_true, proba, labels)
    predictions = [y_pred] + [b.predictions(labels) for b in baselines]
    boot = bootstrap_f1(y_true, predictions, n_boot, seed)
    macro = boot.mean(axis=2)
    low, high = percentile_interval(macro[:, 0])
    model["macro_f1_ci"] = {"low": low, "high": high, "level": 0.95, "n_boot": n_boot, "seed": seed}
    for i, label in enumerate(labels):
        lo, hi = percentile_interval(boot[:, 0, i])
        model["per_label"][label].update(
            ranking[label], f1_low=lo, f1_high=hi, threshold=float(thresholds[label]), predicted=int(y_pred[:, i].sum())
        )

    results = {}
    for k, b in enumerate(baselines, start=1):
        b_pred = predictions[k]
        scores = label_scores(y_true, b_pred, labels)
        b_rank = ranking_scores(y_true, b.proba, labels)
        for label in labels:
            scores["per_label"][label].update(b_rank[label], threshold=float(b.thresholds[label]))
        lo, hi = percentile_interval(macro[:, k])
        scores["macro_f1_ci"] = {"low": lo, "high": hi, "level": 0.95, "n_boot": n_boot, "seed": seed}
        results[b.name] = {
            "description": b.description,
            "threshold_source": b.threshold_source,
            "notes": list(b.notes),
            "metrics": scores,
            "margin": paired_difference(macro[:, 0], macro[:, k], model["macro_f1"] - scores["macro_f1"]),
            "proba": np.round(b.proba, 5),
        }

    calibration = {}
    for i, label in enumerate(labels):
        calibration[label] = {
            "temperature": temps[i],
            "ece_before": expected_calibration_error(y_true[:, i], proba_t1[:, i]),
            "ece_after": expected_calibration_error(y_true[:, i], proba[:, i]),
            "bins_before": reliability_bins(y_true[:, i], proba_t1[:, i]),
            "bins_after": reliability_bins(y_true[:, i], proba[:, i]),
        }

    notes = list(notes)
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

    metrics = {
        "schema": SCHEMA,
        "labels": labels,
        "n": int(len(y_true)),
        "model": model,
        "baselines": {**(baseline_status or {"status": "ok" if baselines else "disabled"}), "results": results},
        "calibration": calibration,
        "threshold_sweep": {
            "grid": SWEEP_GRID,
            "f1": {label: threshold_sweep(y_true[:, i], proba[:, i]) for i, label in enumerate(labels)},
        },
        "cooccurrence": cooccurrence(y_true, y_pred, labels),
        "errors": _errors(ids, texts, y_true, y_pred, proba, labels),
        "breakdowns": _breakdowns(records, y_true, y_pred, labels),
        "hard_negatives": _hard_negatives(records, y_pred, labels),
        "notes": notes,
        "provenance": provenance or {},
        "rows": [
            {"id": ids[r], "gold": _names(y_true[r], labels), "pred": _names(y_pred[r], labels), "proba": np.round(proba[r], 6)}
            for r in range(len(ids))
        ],
    }
    return json_safe(metrics)


# -- rendering -----------------------------------------------------------------------------------


def _num(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _signed(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def _ci(ci: dict | None) -> str:
    return "–" if not ci else f"{_num(ci['low'])}–{_num(ci['high'])}"


def _margin_sentence(title: str, margin: dict) -> str:
    """How the model fares against one baseline, in words: a clear win, not a clear win, or no win."""
    d, lo, hi, p = margin["delta"], margin["low"], margin["high"], margin["p_value"]
    interval = f"model − baseline, 95% paired CI {_signed(lo)} to {_signed(hi)}, p = {_num(p)}"
    if lo > 0:
        return f"beats **{title}**: margin {_signed(d)} macro-F1 ({interval})."
    if d > 0:
        return f"is ahead of **{title}** by {_signed(d)} macro-F1, but the interval includes 0 ({interval}): **not a clear win**."
    return f"**does not beat {title}**: margin {_signed(d)} macro-F1 ({interval})."


class _Doc:
    """A tiny document model rendered to both Markdown and self-contained HTML."""

    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(("ul", list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence], right: Sequence[int] = ()) -> None:
        self.blocks.append(("table", list(header), [[str(c) for c in row] for row in rows], set(right)))

    def image(self, file: str, alt: str) -> None:
        self.blocks.append(("img", file, alt))

    # Markdown
    def markdown(self) -> str:
        out = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                out.append("#" * block[1] + " " + block[2])
            elif kind == "p":
                out.append(block[1])
            elif kind == "ul":
                out.append("\n".join(f"- {item}" for item in block[1]))
            elif kind == "table":
                _, header, rows, right = block

                def cell(text: str) -> str:
                    return " ".join(str(text).split()).replace("|", "\\|")

                lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
                lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
                lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
                out.append("\n".join(lines))
            elif kind == "img":
                out.append(f"![{block[2]}]({block[1]})")
        return "\n\n".join(out) + "\n"

    # HTML
    @staticmethod
    def _inline(text: str) -> str:
        text = html.escape(str(text), quote=False)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)

    def html(self, folder: Path, title: str) -> str:
        body = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                body.append(f"<h{block[1]}>{self._inline(block[2])}</h{block[1]}>")
            elif kind == "p":
                body.append(f"<p>{self._inline(block[1])}</p>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{self._inline(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                _, header, rows, right = block

                def td(tag: str, i: int, text: str) -> str:
                    cls = ' class="num"' if i in right else ""
                    return f"<{tag}{cls}>{self._inline(text)}</{tag}>"

                head = "".join(td("th", i, h) for i, h in enumerate(header))
                lines = "".join("<tr>" + "".join(td("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
                body.append(f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></div>")
            elif kind == "img":
                data = base64.b64encode((folder / block[1]).read_bytes()).decode("ascii")
                alt = html.escape(block[2])
                body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>')
        return _HTML_TEMPLATE.format(title=html.escape(title), body="\n".join(body))


_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }}
h1 {{ border-bottom: 2px solid #1f5fa8; padding-bottom: .2em; }}
h2 {{ margin-top: 2em; border-bottom: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: .8em 0; font-size: .92em; }}
th, td {{ border: 1px solid #ddd; padding: .3em .6em; vertical-align: top; text-align: left; }}
th {{ background: #f3f5f8; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tbody tr:nth-child(even) {{ background: #fafbfc; }}
.scroll {{ overflow-x: auto; }}
code {{ background: #f3f5f8; padding: 0 .25em; border-radius: 3px; }}
figure {{ margin: 1.2em 0; }}
figure img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #666; font-size: .9em; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _system_titles(metrics: dict) -> dict[str, str]:
    from tonlage.eval.baselines import TITLES

    return {name: TITLES.get(name, name) for name in metrics["baselines"].get("results", {})}


def _summary(doc: _Doc, metrics: dict) -> None:
    model, prov, labels = metrics["model"], metrics["provenance"], metrics["labels"]
    doc.heading(1, "Tonlage evaluation report")
    artifact = prov.get("artifact", "?")
    hash_text = f", hash `{prov['artifact_hash']}`" if prov.get("artifact_hash") else ""
    data_sha = str(prov.get("data_sha256") or "")[:16]
    doc.para(
        f"Model `{artifact}`{hash_text} ({prov.get('precision', '?')}) on `{prov.get('data', '?')}` "
        f"(sha256 `{data_sha}…`), **n = {metrics['n']}** statements, {prov.get('date', '')}."
    )
    doc.heading(2, "Summary")
    ci = model["macro_f1_ci"]
    items = [
        f"**Macro-F1 {_num(model['macro_f1'])}** (95% bootstrap CI {_ci(ci)}, {ci['n_boot']} resamples of the rows); "
        f"micro-F1 {_num(model['micro_f1'])}, exact match {_num(model['exact_match'])}, Hamming loss {_num(model['hamming_loss'])}.",
        "Per-label F1: " + ", ".join(f"{label} {_num(model['per_label'][label]['f1'])}" for label in labels) + ".",
    ]
    base = metrics["baselines"]
    titles = _system_titles(metrics)
    if base.get("results"):
        for name, result in base["results"].items():
            items.append("The model " + _margin_sentence(titles[name], result["margin"]))
    else:
        items.append(f"Baselines: {base.get('status', 'disabled')}" + (f" ({base['reason']})" if base.get("reason") else "") + ".")
    doc.bullets(items)
    if metrics["notes"]:
        doc.para("**Notes**")
        doc.bullets(metrics["notes"])


def _tables(doc: _Doc, metrics: dict) -> None:
    model, labels = metrics["model"], metrics["labels"]
    doc.heading(2, "Per-label metrics")
    doc.para("Thresholds are the model's tuned ones; F1 intervals are 95% bootstrap percentiles.")
    rows = []
    for label in labels:
        m = model["per_label"][label]
        rows.append([
            label, _num(m["precision"]), _num(m["recall"]), _num(m["f1"]), f"{_num(m['f1_low'])}–{_num(m['f1_high'])}",
            m["support"], m["predicted"], _num(m["pr_auc"]), _num(m["roc_auc"]), _num(m["threshold"], 2),
        ])
    doc.table(
        ["label", "precision", "recall", "F1", "F1 95% CI", "support", "predicted", "PR-AUC", "ROC-AUC", "threshold"],
        rows, right=range(1, 10),
    )
    doc.table(
        ["macro-F1", "95% CI", "micro-F1", "exact match", "Hamming loss", "n"],
        [[_num(model["macro_f1"]), _ci(model["macro_f1_ci"]), _num(model["micro_f1"]), _num(model["exact_match"]),
          _num(model["hamming_loss"]), metrics["n"]]],
        right=range(6),
    )

    base = metrics["baselines"]
    doc.heading(2, "Baselines")
    if not base.get("results"):
        doc.para(f"Baselines were not run: {base.get('reason') or base.get('status', 'disabled')}.")
    else:
        titles = _system_titles(metrics)
        doc.para(
            "Each baseline is fitted on the training split only, with per-label thresholds tuned on the dev split "
            "when present (else 0.5). Margins are the model's macro-F1 minus the baseline's, with a 95% paired "
            "bootstrap interval (the same resampled rows for both) and a two-sided bootstrap p-value."
        )
        header = ["system", "macro-F1", "95% CI", "micro-F1", *(f"{label} F1" for label in labels), "margin", "margin 95% CI", "p"]
        rows = [["**fine-tuned model**", _num(model["macro_f1"]), _ci(model["macro_f1_ci"]), _num(model["micro_f1"]),
                 *(_num(model["per_label"][label]["f1"]) for label in labels), "", "", ""]]
        losses = []
        for name, result in base["results"].items():
            m, g = result["metrics"], result["margin"]
            rows.append([titles[name], _num(m["macro_f1"]), _ci(m["macro_f1_ci"]), _num(m["micro_f1"]),
                         *(_num(m["per_label"][label]["f1"]) for label in labels),
                         _signed(g["delta"]), f"{_signed(g['low'])} to {_signed(g['high'])}", _num(g["p_value"])])
            lost = []
            for label in labels:
                mine, theirs = model["per_label"][label]["f1"], m["per_label"][label]["f1"]
                if theirs >= mine and (theirs > 0 or model["per_label"][label]["support"] > 0):
                    lost.append(f"{label} ({_num(theirs)} vs model {_num(mine)})")
            if lost:
                losses.append(f"**{titles[name]}** is at least as good as the model on " + ", ".join(lost) + ".")
        doc.table(header, rows, right=range(1, len(header)))
        doc.bullets([f"**{titles[name]}**: {r['description']}; thresholds from {r['threshold_source']}."
                     + (" " + " ".join(r["notes"]) if r["notes"] else "") for name, r in base["results"].items()])
        if losses:
            doc.para("**Where the model does not beat a baseline** (per-label F1, baseline vs model):")
            doc.bullets(losses)
        else:
            doc.para("The model's F1 is above every baseline's on every label.")

    co = metrics["cooccurrence"]
    doc.heading(2, "Gold vs predicted labels")
    doc.para(
        "Rows: gold label (or none); columns: predicted label (or none). A statement adds one count for every "
        "(gold, predicted) pair, so the diagonal holds hits, the none column misses, and the none row false alarms."
    )
    doc.table(["gold \\ predicted", *co["columns"]], [[r, *row] for r, row in zip(co["rows"], co["matrix"])],
              right=range(1, len(co["columns"]) + 1))

    doc.heading(2, "Calibration")
    doc.para("Expected calibration error (10 equal-width bins) before (T = 1) and after the model's temperature scaling.")
    doc.table(
        ["label", "temperature", "ECE before", "ECE after"],
        [[label, _num(c["temperature"], 2), _num(c["ece_before"]), _num(c["ece_after"])] for label, c in metrics["calibration"].items()],
        right=(1, 2, 3),
    )

    if metrics["breakdowns"]:
        doc.heading(2, "Breakdowns")
        doc.para("F1 within each group; \"–\" marks a label with neither gold nor predicted positives in the group.")
        for field, info in metrics["breakdowns"].items():
            shown = f" (the {info['shown']} most frequent of {info['distinct']})" if info["shown"] < info["distinct"] else ""
            doc.heading(3, f"By {field}{shown}")
            rows = []
            for g in info["groups"]:
                cells = []
                for label in labels:
                    pl = g["per_label"][label]
                    cells.append("–" if pl["support"] == 0 and pl["predicted"] == 0 else f"{_num(pl['f1'])} ({pl['support']})")
                rows.append([g["value"], g["n"], _num(g["macro_f1"]), *cells])
            doc.table([field, "n", "macro-F1", *(f"{label} F1 (support)" for label in labels)], rows, right=range(1, 3 + len(labels)))
    if metrics["hard_negatives"]:
        doc.heading(3, "Hard negatives")
        doc.para("Statements written to look like a tone without carrying one: how often the model still tags them.")
        doc.table(
            ["hard case", "n", "false alarms", "rate", "labels fired"],
            [[h["hard_case"], h["n"], h["false_alarms"], _num(h["false_alarm_rate"]),
              ", ".join(f"{k} {v}" for k, v in h["fired"].items()) or "–"] for h in metrics["hard_negatives"]],
            right=(1, 2, 3),
        )


def _plots(doc: _Doc, files: dict[str, str]) -> None:
    doc.heading(2, "Plots")
    captions = {
        "systems": "F1 per label for the model and each baseline",
        "threshold_sweep": "F1 against threshold per label; dashed: the model's tuned threshold",
        "cooccurrence": "Gold vs predicted label co-occurrence",
        "reliability": "Reliability diagrams before and after temperature scaling",
        "pr_curves": "Precision-recall curves",
    }
    for key, file in files.items():
        doc.image(file, captions[key])


def _error_section(doc: _Doc, metrics: dict) -> None:
    doc.heading(2, "Errors")
    doc.para(f"Up to {TOP_ERRORS} false positives (highest score first) and false negatives (lowest score first) per label.")
    for label, e in metrics["errors"].items():
        doc.heading(3, f"{label}: {e['n_false_positives']} false positive(s), {e['n_false_negatives']} false negative(s)")
        for kind, rows in (("False positives", e["false_positives"]), ("False negatives", e["false_negatives"])):
            if not rows:
                continue
            doc.para(f"**{kind}**")
            doc.table(["id", "score", "gold", "predicted", "text"],
                      [[r["id"], _num(r["score"]), ", ".join(r["gold"]) or NONE_LABEL, ", ".join(r["pred"]) or NONE_LABEL, r["text"]]
                       for r in rows], right=(1,))


def _provenance(doc: _Doc, metrics: dict) -> None:
    prov = metrics["provenance"]
    doc.heading(2, "Provenance")
    rows = [
        ["artifact", f"`{prov.get('artifact')}`"],
        ["artifact hash", f"`{prov.get('artifact_hash')}`"],
        ["precision", prov.get("precision")],
        ["data", f"`{prov.get('data')}`"],
        ["data sha256", f"`{prov.get('data_sha256')}`"],
    ]
    for split in ("train", "dev"):
        if prov.get(split):
            rows.append([f"{split} split (baselines)", f"`{prov[split]['path']}` (sha256 `{str(prov[split]['sha256'])[:16]}…`)"])
    rows += [
        ["bootstrap", f"{metrics['model']['macro_f1_ci']['n_boot']} resamples, seed {metrics['model']['macro_f1_ci']['seed']}"],
        ["command", f"`{prov.get('command')}`"],
        ["date", prov.get("date")],
        ["python", prov.get("python")],
        *[[name, version or "not installed"] for name, version in (prov.get("versions") or {}).items()],
    ]
    doc.table(["", ""], rows)


def build_document(metrics: dict, plot_files: dict[str, str]) -> _Doc:
    """Lay out the report: summary, tables, plots, errors, provenance."""
    doc = _Doc()
    _summary(doc, metrics)
    _tables(doc, metrics)
    _plots(doc, plot_files)
    _error_section(doc, metrics)
    _provenance(doc, metrics)
    return doc


def write_plots(metrics: dict, out: Path) -> dict[str, str]:
    """Draw every PNG of the report into ``out`` from ``metrics``; returns ``{key: file name}``."""
    from tonlage.eval import plots

    labels = metrics["labels"]
    model = metrics["model"]
    files = {}
    titles = _system_titles(metrics)
    if metrics["baselines"].get("results"):
        systems = {"fine-tuned model": {**{l: model["per_label"][l]["f1"] for l in labels}, "macro": model["macro_f1"]}}
        for name, result in metrics["baselines"]["results"].items():
            m = result["metrics"]
            systems[titles[name]] = {**{l: m["per_label"][l]["f1"] for l in labels}, "macro": m["macro_f1"]}
        plots.plot_system_f1(systems, labels, out / PLOT_FILES["systems"])
        files["systems"] = PLOT_FILES["systems"]
    sweep = metrics["threshold_sweep"]
    thresholds = {l: model["per_label"][l]["threshold"] for l in labels}
    plots.plot_threshold_sweep(sweep["grid"], sweep["f1"], thresholds, out / PLOT_FILES["threshold_sweep"])
    co = metrics["cooccurrence"]
    plots.plot_cooccurrence(co["rows"], co["columns"], co["matrix"], out / PLOT_FILES["cooccurrence"])
    plots.plot_reliability(metrics["calibration"], out / PLOT_FILES["reliability"])
    y_true = multi_hot([r["gold"] for r in metrics["rows"]], labels)
    proba = np.array([r["proba"] for r in metrics["rows"]], dtype=float).reshape(len(metrics["rows"]), len(labels))
    plots.plot_pr_curves(y_true, proba, labels, out / PLOT_FILES["pr_curves"])
    files.update({k: PLOT_FILES[k] for k in ("threshold_sweep", "cooccurrence", "reliability", "pr_curves")})
    return files


def write_report(metrics: dict, out: str | Path) -> dict[str, Path]:
    """Write ``metrics.json``, the PNG plots, ``report.md`` and a self-contained ``report.html`` into ``out``.

    Args:
        metrics: As returned by :func:`compute_metrics` (with provenance filled in).
        out: Output folder (created if needed).

    Returns:
        ``{"markdown", "html", "metrics", <plot keys>}`` mapped to the written paths.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    metrics = json_safe(metrics)
    (folder / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )
    plot_files = write_plots(metrics, folder)
    doc = build_document(metrics, plot_files)
    (folder / "report.md").write_text(doc.markdown(), encoding="utf-8")
    (folder / "report.html").write_text(doc.html(folder, "Tonlage evaluation report"), encoding="utf-8")
    return {
        "markdown": folder / "report.md",
        "html": folder / "report.html",
        "metrics": folder / "metrics.json",
        **{key: folder / file for key, file in plot_files.items()},
    }


# -- the whole evaluation ------------------------------------------------------------------------


def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries that shape the numbers (``None`` when not installed)."""
    out = {}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _file_info(path: Path | None) -> dict | None:
    from tonlage.training.corpus import file_sha256

    return {"path": str(path), "sha256": file_sha256(path)} if path is not None and path.is_file() else None


def _leak_notes(data: EvalData, data_sha: str, train: Path | None, dev: Path | None) -> list[str]:
    from tonlage.training.corpus import file_sha256

    notes = []
    for name, path in (("training", train), ("dev", dev)):
        if path is None or not path.is_file():
            continue
        if file_sha256(path) == data_sha:
            notes.append(f"The evaluation data is the {name} split itself: these are not held-out numbers.")
            continue
        texts = set()
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            try:
                texts.add(" ".join(str(json.loads(line).get("text", "")).split()))
            except (ValueError, AttributeError):
                continue
        shared = sum(1 for t in data.texts if " ".join(t.split()) in texts)
        if shared:
            notes.append(f"{shared} evaluation statement(s) also occur verbatim in the {name} split ({path.name}).")
    return notes


def evaluate(
    data: str | Path,
    out: str | Path,
    *,
    model: str | Path | None = None,
    classifier=None,
    train: str | Path | None = None,
    dev: str | Path | None = None,
    baselines: bool = True,
    base_dir: str | Path | None = None,
    probe_layer: int | None = None,
    n_boot: int = DEFAULT_BOOTSTRAP,
    seed: int = DEFAULT_SEED,
    precision: str = "bf16",
    batch_size: int = 32,
    model_card: bool = False,
    command: str | None = None,
    log: Log | None = None,
) -> dict:
    """Evaluate a model artifact on a labelled JSONL file and write the report into ``out``.

    Writes ``report.md``, ``report.html`` (self-contained, plots embedded), ``metrics.json`` and the PNG plots.

    Args:
        data: Labelled JSONL file (``text`` and ``labels`` per line; ``form``, ``actor_type``, ``actor`` used when present).
        out: Output folder.
        model: Artifact folder; ``None`` for the shipped default model.
        classifier: An already loaded :class:`model.classifier.Classifier` to use instead of loading ``model``
            (``model`` is then only used for provenance and the model card).
        train: Training split for the baselines; ``None`` for ``training/data/train.jsonl``. When the default is
            missing the baselines are skipped with a note; a given path that is missing is an error.
        dev: Dev split for the baselines' thresholds; ``None`` for ``training/data/dev.jsonl`` if present.
        baselines: Fit and report the baselines.
        base_dir: Converted base model folder (for loading the model and for the probe); ``None`` uses the cache.
        probe_layer: Layer of the frozen-feature probe (default 9).
        n_boot: Bootstrap resamples for the intervals.
        seed: Bootstrap seed.
        precision: Inference precision when loading the model (``bf16``, the default, ``int8`` or ``fp32``).
        batch_size: Texts per model batch.
        model_card: Also write ``MODEL_CARD.md`` into the artifact folder.
        command: The command line to record; ``None`` records a Python call.
        log: Progress messages, e.g. ``print``.

    Returns:
        The metrics dict (as written to ``metrics.json``).

    Raises:
        CorpusError: The data (or a baseline split) is not readable.
        ArtifactError, BaseModelError: The model cannot be loaded.
        EvaluationError: An option is unusable (missing ``--train`` file, bad probe layer, no artifact for the card).
    """
    from tonlage.eval.baselines import DEFAULT_PROBE_LAYER, run_baselines
    from tonlage.model.artifact import DEFAULT_ARTIFACT, artifact_hash
    from tonlage.training.corpus import file_sha256

    say = log or (lambda message: None)
    layer = DEFAULT_PROBE_LAYER if probe_layer is None else probe_layer
    artifact_dir = Path(model) if model is not None else (DEFAULT_ARTIFACT if classifier is None else None)
    if model_card and artifact_dir is None:
        raise EvaluationError("a model card needs the artifact folder: pass model=... together with classifier=...")
    train_path = Path(train) if train is not None else default_train_path()
    dev_path = Path(dev) if dev is not None else default_dev_path()
    if train is not None and baselines and not train_path.is_file():
        raise EvaluationError(f"training split not found: {train_path}")
    if dev is not None and baselines and not dev_path.is_file():
        raise EvaluationError(f"dev split not found: {dev_path}")

    owned = classifier is None
    if owned:
        from tonlage.model.classifier import Classifier

        say(f"loading model {artifact_dir} ({precision})")
        classifier = Classifier.from_dir(artifact_dir, base_dir=base_dir, precision=precision)
        used_precision = precision
    else:
        used_precision = classifier.precision or "as loaded by the caller"
    labels = classifier.labels
    dataset = load_eval_data(data, labels)
    data_sha = file_sha256(data)
    say(f"scoring {len(dataset.texts)} statements")
    logits = classifier.logits(dataset.texts, batch_size=batch_size)
    config, source = classifier.config, classifier.source
    if owned:  # free the model before the probe loads its own copy of the base
        del classifier
        gc.collect()

    results, status = [], {"status": "disabled", "reason": "--no-baselines"}
    if baselines:
        if not train_path.is_file():
            status = {"status": "skipped", "reason": f"training split {train_path} not found"}
            say(f"baselines skipped: {status['reason']}")
        else:
            results = run_baselines(
                dataset.texts, labels, train_path, dev_path if dev_path.is_file() else None,
                base_dir=base_dir, probe_layer=layer, batch_size=batch_size, log=say,
            )
            status = {"status": "ok", "reason": None}

    provenance = {
        "artifact": str(artifact_dir) if artifact_dir is not None else source,
        "artifact_hash": artifact_hash(artifact_dir) if artifact_dir is not None else None,
        "classifier": source,
        "precision": used_precision,
        "base_model": dict(config.base_model),
        "data": str(data),
        "data_sha256": data_sha,
        "train": _file_info(train_path) if results else None,
        "dev": _file_info(dev_path) if results else None,
        "probe_layer": layer if results else None,
        "command": command or "eval.report.evaluate() called from Python",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "versions": library_versions(),
    }
    say(f"computing metrics ({n_boot} bootstrap resamples)")
    metrics = compute_metrics(
        ids=dataset.ids, texts=dataset.texts, y_true=dataset.y, logits=logits, labels=labels,
        thresholds=config.thresholds, temperatures=config.temperatures,
        records=dataset.records, baselines=results, baseline_status=status, n_boot=n_boot, seed=seed,
        provenance=provenance, notes=_leak_notes(dataset, data_sha, train_path, dev_path),
    )
    say(f"writing report to {out}")
    write_report(metrics, out)
    if model_card:
        from tonlage.eval.model_card import write_model_card

        path = write_model_card(artifact_dir, metrics)
        say(f"model card written to {path}")
    return metrics
