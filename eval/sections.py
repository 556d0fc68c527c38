"""The sections of the evaluation report, laid out as a :class:`eval.render.Document` from a metrics dict."""

from __future__ import annotations

from tonlage.eval.format import interval, margin_sentence, num, signed, system_titles
from tonlage.eval.metrics import NONE_LABEL
from tonlage.eval.render import Document
from tonlage.eval.report_metrics import TOP_ERRORS

PLOT_CAPTIONS = {
    "systems": "F1 per label for the model and each baseline",
    "threshold_sweep": "F1 against threshold per label; dashed: the model's tuned threshold",
    "cooccurrence": "Gold vs predicted label co-occurrence",
    "reliability": "Reliability diagrams before and after temperature scaling",
    "pr_curves": "Precision-recall curves",
}


def summary(doc: Document, metrics: dict) -> None:
    """Title line, headline figures, one margin sentence per baseline, notes."""
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
        f"**Macro-F1 {num(model['macro_f1'])}** (95% bootstrap CI {interval(ci)}, {ci['n_boot']} resamples of the rows); "
        f"micro-F1 {num(model['micro_f1'])}, exact match {num(model['exact_match'])}, Hamming loss {num(model['hamming_loss'])}.",
        "Per-label F1: " + ", ".join(f"{label} {num(model['per_label'][label]['f1'])}" for label in labels) + ".",
    ]
    base = metrics["baselines"]
    titles = system_titles(metrics)
    if base.get("results"):
        for name, result in base["results"].items():
            items.append("The model " + margin_sentence(titles[name], result["margin"]))
    else:
        items.append(f"Baselines: {base.get('status', 'disabled')}" + (f" ({base['reason']})" if base.get("reason") else "") + ".")
    doc.bullets(items)
    if metrics["notes"]:
        doc.para("**Notes**")
        doc.bullets(metrics["notes"])


def per_label(doc: Document, metrics: dict) -> None:
    """The model's per-label and overall metrics."""
    model, labels = metrics["model"], metrics["labels"]
    doc.heading(2, "Per-label metrics")
    doc.para("Thresholds are the model's tuned ones; F1 intervals are 95% bootstrap percentiles.")
    rows = []
    for label in labels:
        m = model["per_label"][label]
        rows.append([
            label, num(m["precision"]), num(m["recall"]), num(m["f1"]), f"{num(m['f1_low'])}–{num(m['f1_high'])}",
            m["support"], m["predicted"], num(m["pr_auc"]), num(m["roc_auc"]), num(m["threshold"], 2),
        ])
    doc.table(
        ["label", "precision", "recall", "F1", "F1 95% CI", "support", "predicted", "PR-AUC", "ROC-AUC", "threshold"],
        rows, right=range(1, 10),
    )
    doc.table(
        ["macro-F1", "95% CI", "micro-F1", "exact match", "Hamming loss", "n"],
        [[num(model["macro_f1"]), interval(model["macro_f1_ci"]), num(model["micro_f1"]), num(model["exact_match"]),
          num(model["hamming_loss"]), metrics["n"]]],
        right=range(6),
    )


def _losses(model: dict, m: dict, title: str, labels: list[str]) -> str | None:
    """The labels on which a baseline is at least as good as the model, as a sentence (None: there are none)."""
    lost = []
    for label in labels:
        mine, theirs = model["per_label"][label]["f1"], m["per_label"][label]["f1"]
        if theirs >= mine and (theirs > 0 or model["per_label"][label]["support"] > 0):
            lost.append(f"{label} ({num(theirs)} vs model {num(mine)})")
    return f"**{title}** is at least as good as the model on " + ", ".join(lost) + "." if lost else None


def baselines(doc: Document, metrics: dict) -> None:
    """The baselines beside the model, their margins, and where the model does not beat them."""
    model, labels, base = metrics["model"], metrics["labels"], metrics["baselines"]
    doc.heading(2, "Baselines")
    if not base.get("results"):
        doc.para(f"Baselines were not run: {base.get('reason') or base.get('status', 'disabled')}.")
        return
    titles = system_titles(metrics)
    doc.para(
        "Each baseline is fitted on the training split only, with per-label thresholds tuned on the dev split "
        "when present (else 0.5). Margins are the model's macro-F1 minus the baseline's, with a 95% paired "
        "bootstrap interval (the same resampled rows for both) and a two-sided bootstrap p-value."
    )
    header = ["system", "macro-F1", "95% CI", "micro-F1", *(f"{label} F1" for label in labels), "margin", "margin 95% CI", "p"]
    rows = [["**fine-tuned model**", num(model["macro_f1"]), interval(model["macro_f1_ci"]), num(model["micro_f1"]),
             *(num(model["per_label"][label]["f1"]) for label in labels), "", "", ""]]
    losses = []
    for name, result in base["results"].items():
        m, g = result["metrics"], result["margin"]
        rows.append([titles[name], num(m["macro_f1"]), interval(m["macro_f1_ci"]), num(m["micro_f1"]),
                     *(num(m["per_label"][label]["f1"]) for label in labels),
                     signed(g["delta"]), f"{signed(g['low'])} to {signed(g['high'])}", num(g["p_value"])])
        lost = _losses(model, m, titles[name], labels)
        if lost:
            losses.append(lost)
    doc.table(header, rows, right=range(1, len(header)))
    doc.bullets([f"**{titles[name]}**: {r['description']}; thresholds from {r['threshold_source']}."
                 + (" " + " ".join(r["notes"]) if r["notes"] else "") for name, r in base["results"].items()])
    if losses:
        doc.para("**Where the model does not beat a baseline** (per-label F1, baseline vs model):")
        doc.bullets(losses)
    else:
        doc.para("The model's F1 is above every baseline's on every label.")


def cooccurrence_and_calibration(doc: Document, metrics: dict) -> None:
    """Gold-vs-predicted label counts and the calibration errors."""
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
        [[label, num(c["temperature"], 2), num(c["ece_before"]), num(c["ece_after"])] for label, c in metrics["calibration"].items()],
        right=(1, 2, 3),
    )


def breakdowns(doc: Document, metrics: dict) -> None:
    """F1 by form, actor type and actor, and the hard negatives' false alarms."""
    labels = metrics["labels"]
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
                    cells.append("–" if pl["support"] == 0 and pl["predicted"] == 0 else f"{num(pl['f1'])} ({pl['support']})")
                rows.append([g["value"], g["n"], num(g["macro_f1"]), *cells])
            doc.table([field, "n", "macro-F1", *(f"{label} F1 (support)" for label in labels)], rows, right=range(1, 3 + len(labels)))
    if metrics["hard_negatives"]:
        doc.heading(3, "Hard negatives")
        doc.para("Statements written to look like a tone without carrying one: how often the model still tags them.")
        doc.table(
            ["hard case", "n", "false alarms", "rate", "labels fired"],
            [[h["hard_case"], h["n"], h["false_alarms"], num(h["false_alarm_rate"]),
              ", ".join(f"{k} {v}" for k, v in h["fired"].items()) or "–"] for h in metrics["hard_negatives"]],
            right=(1, 2, 3),
        )


def plots(doc: Document, files: dict[str, str]) -> None:
    """The PNG plots, in the order they were drawn."""
    doc.heading(2, "Plots")
    for key, file in files.items():
        doc.image(file, PLOT_CAPTIONS[key])


def errors(doc: Document, metrics: dict) -> None:
    """The most confident false positives and false negatives per label."""
    doc.heading(2, "Errors")
    doc.para(f"Up to {TOP_ERRORS} false positives (highest score first) and false negatives (lowest score first) per label.")
    for label, e in metrics["errors"].items():
        doc.heading(3, f"{label}: {e['n_false_positives']} false positive(s), {e['n_false_negatives']} false negative(s)")
        for kind, rows in (("False positives", e["false_positives"]), ("False negatives", e["false_negatives"])):
            if not rows:
                continue
            doc.para(f"**{kind}**")
            doc.table(["id", "score", "gold", "predicted", "text"],
                      [[r["id"], num(r["score"]), ", ".join(r["gold"]) or NONE_LABEL, ", ".join(r["pred"]) or NONE_LABEL, r["text"]]
                       for r in rows], right=(1,))


def provenance(doc: Document, metrics: dict) -> None:
    """Artifact, data, splits, bootstrap, command, date and library versions."""
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


def cross_domain(doc: Document, metrics: dict) -> None:
    """F1 on real labelled text of other domains (tweets, Reddit comments), the tag rates and the worst errors."""
    result = metrics.get("cross_domain")
    if not result:
        return
    doc.heading(2, "Real text, other domains")
    if result.get("status") != "ok":
        doc.para(f"Not scored: {result.get('reason') or result.get('status')}.")
        return
    doc.para(
        "Real, labelled German text that the model was never trained on, scored at the artifact's own thresholds. "
        "It is not diplomatic language, so low F1 is expected; what matters is whether the model's notion of a tone "
        "travels or rests on cue words: a tag rate far above the gold rate means it tags surface cues. Errors are "
        "listed by row id (the texts stay in the shared datasets)."
    )
    header = ["set", "label", "threshold", "n", "gold rate", "tag rate", "precision", "recall", "F1", "anchor"]
    rows = [[r["title"], r["label"], num(r["threshold"], 2), r["n"], num(r["gold_share"]), num(r["tagged_share"]),
             num(r["precision"]), num(r["recall"]), num(r["f1"]), r["anchor"]] for r in result["sets"].values()]
    doc.table(header, rows, right=range(2, 9))
    notes = []
    for r in result["sets"].values():
        if "offensive_vs_other" in r:
            o = r["offensive_vs_other"]
            notes.append(f"{r['title']}: insult tags against the coarse offensive class (INSULT, ABUSE, PROFANITY): "
                         f"precision {num(o['precision'])}, recall {num(o['recall'])}, F1 {num(o['f1'])}.")
        for kind, title in (("false_alarms", "most confident false alarms"), ("misses", "most confident misses")):
            items = r["errors"][kind]
            if items:
                notes.append(f"{r['label']}, {title}: " + ", ".join(f"`{e['id']}` ({num(e['score'])})" for e in items))
    if result.get("missing"):
        notes.append("Not found, so not scored: " + ", ".join(result["missing"]) + ".")
    doc.bullets(notes)


def build_document(metrics: dict, plot_files: dict[str, str]) -> Document:
    """Lay out the report: summary, tables, plots, errors, provenance."""
    doc = Document()
    summary(doc, metrics)
    per_label(doc, metrics)
    baselines(doc, metrics)
    cross_domain(doc, metrics)
    cooccurrence_and_calibration(doc, metrics)
    breakdowns(doc, metrics)
    plots(doc, plot_files)
    errors(doc, metrics)
    provenance(doc, metrics)
    return doc


__all__ = ["PLOT_CAPTIONS", "build_document"]
