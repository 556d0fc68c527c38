"""Evaluation report: metrics, baselines, calibration, errors and breakdowns, as Markdown, HTML and JSON.

The entry point is :func:`evaluate`. It scores a labelled JSONL file (:mod:`eval.report_data`) with a model
artifact, fits the baselines of :mod:`eval.baselines`, computes every number with
:func:`eval.report_metrics.compute_metrics` and writes the report with :func:`write_report` (sections in
:mod:`eval.sections`, rendered by :mod:`eval.render`). ``metrics.json`` holds every number of the report plus
per-row gold labels, probabilities and predictions, so :mod:`eval.compare` can run a paired bootstrap between
two reports, and :func:`write_report` can redraw a report from ``metrics.json`` alone.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tonlage.eval.metrics import EvaluationError, json_safe
from tonlage.eval.plots import PLOT_FILES, write_plots
from tonlage.eval.provenance import display_path, display_source, file_info, leak_notes, library_versions
from tonlage.eval.report_data import EvalData, load_eval_data
from tonlage.eval.report_metrics import DEFAULT_BOOTSTRAP, DEFAULT_SEED, SCHEMA, compute_metrics
from tonlage.eval.sections import build_document

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


@dataclass
class _Plan:
    """What :func:`evaluate` will read, checked before any model is loaded."""

    artifact_dir: Path | None
    train: Path
    dev: Path


def _check_options(
    out: str | Path, model: str | Path | None, classifier, train: str | Path | None, dev: str | Path | None,
    baselines: bool, base_dir: str | Path | None, model_card: bool,
) -> _Plan:
    """Refuse unusable options before any work, each with the path at fault."""
    from tonlage.model.artifact import DEFAULT_ARTIFACT

    artifact_dir = Path(model) if model is not None else (DEFAULT_ARTIFACT if classifier is None else None)
    if model_card and artifact_dir is None:
        raise EvaluationError("a model card needs the artifact folder: pass model=... together with classifier=...")
    if Path(out).exists() and not Path(out).is_dir():
        raise EvaluationError(f"report folder {out} is an existing file, not a folder")
    if base_dir is not None:
        base = Path(base_dir)
        if not base.is_dir():
            raise EvaluationError(f"base model folder {base} does not exist or is not a folder")
        if not any(base.iterdir()):
            raise EvaluationError(f"base model folder {base} is empty")
        if not (base / "config.json").is_file():
            raise EvaluationError(f"base model folder {base} has no config.json: not a converted base model")
    train_path = Path(train) if train is not None else default_train_path()
    dev_path = Path(dev) if dev is not None else default_dev_path()
    if train is not None and baselines and not train_path.is_file():
        raise EvaluationError(f"training split not found: {train_path}")
    if dev is not None and baselines and not dev_path.is_file():
        raise EvaluationError(f"dev split not found: {dev_path}")
    return _Plan(artifact_dir, train_path, dev_path)


def _run_baselines(
    enabled: bool, dataset: EvalData, labels: list[str], plan: _Plan, base_dir: str | Path | None,
    layer: int, batch_size: int, say: Log,
) -> tuple[list, dict]:
    """The fitted baselines and their status (``ok``, ``skipped`` for a missing default split, ``disabled``)."""
    from tonlage.eval.baselines import run_baselines

    if not enabled:
        return [], {"status": "disabled", "reason": "--no-baselines"}
    if not plan.train.is_file():
        status = {"status": "skipped", "reason": f"training split {plan.train} not found"}
        say(f"baselines skipped: {status['reason']}")
        return [], status
    results = run_baselines(
        dataset.texts, labels, plan.train, plan.dev if plan.dev.is_file() else None,
        base_dir=base_dir, probe_layer=layer, batch_size=batch_size, log=say,
    )
    return results, {"status": "ok", "reason": None}


def _provenance(
    plan: _Plan, data: str | Path, data_sha: str, source: str, precision: str, config, fitted: bool, layer: int,
    command: str | None,
) -> dict:
    from tonlage.model.artifact import artifact_hash

    return {
        "artifact": display_path(plan.artifact_dir) if plan.artifact_dir is not None else display_source(source),
        "artifact_hash": artifact_hash(plan.artifact_dir) if plan.artifact_dir is not None else None,
        "classifier": display_source(source),
        "precision": precision,
        "base_model": dict(config.base_model),
        "data": display_path(data),
        "data_sha256": data_sha,
        "train": file_info(plan.train) if fitted else None,
        "dev": file_info(plan.dev) if fitted else None,
        "probe_layer": layer if fitted else None,
        "command": command or "eval.report.evaluate() called from Python",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "versions": library_versions(),
    }


def _cross_domain(classifier, folder: str | Path | None | bool, batch_size: int, say: Log) -> dict:
    """Scores on real text of other domains, or why they were not computed."""
    from tonlage.eval.cross_domain import cross_domain_scores, default_datasets_dir

    if folder is False:
        return {"status": "disabled", "reason": "--no-cross-domain"}
    path = default_datasets_dir(_training_data_dir().parents[1]) if folder is None or folder is True else Path(folder)
    say(f"scoring real text of other domains from {display_path(path)}")
    return cross_domain_scores(classifier, path, batch_size=batch_size)


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
    cross_domain: str | Path | None | bool = None,
    command: str | None = None,
    log: Log | None = None,
) -> dict:
    """Evaluate a model artifact on a labelled JSONL file and write the report into ``out``.

    Writes ``report.md``, ``report.html`` (self-contained, plots embedded), ``metrics.json`` and the PNG plots.

    Args:
        data: Labelled JSONL file (``text`` and ``labels`` per line; ``form``, ``actor_type``, ``actor`` used when present).
        out: Output folder (it may exist, but not as a file).
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
        cross_domain: Folder of the real out-of-domain sets (:mod:`eval.cross_domain`); ``None`` for
            ``../shared/datasets`` beside the repository when present, ``False`` to skip them.
        command: The command line to record; ``None`` records a Python call.
        log: Progress messages, e.g. ``print``.

    Returns:
        The metrics dict (as written to ``metrics.json``).

    Raises:
        CorpusError: The data (or a baseline split) is not readable.
        ArtifactError, BaseModelError: The model cannot be loaded.
        EvaluationError: An option is unusable (``out`` is a file, ``base_dir`` missing or empty, missing
            ``--train`` file, bad probe layer, no artifact for the card).
    """
    from tonlage.eval.baselines import DEFAULT_PROBE_LAYER
    from tonlage.training.corpus import file_sha256

    say = log or (lambda message: None)
    layer = DEFAULT_PROBE_LAYER if probe_layer is None else probe_layer
    plan = _check_options(out, model, classifier, train, dev, baselines, base_dir, model_card)
    owned = classifier is None
    if owned:
        from tonlage.model.classifier import Classifier

        say(f"loading model {plan.artifact_dir} ({precision})")
        classifier = Classifier.from_dir(plan.artifact_dir, base_dir=base_dir, precision=precision)
    used_precision = precision if owned else (classifier.precision or "as loaded by the caller")
    labels = classifier.labels
    dataset = load_eval_data(data, labels)
    data_sha = file_sha256(data)
    say(f"scoring {len(dataset.texts)} statements")
    logits = classifier.logits(dataset.texts, batch_size=batch_size)
    config, source = classifier.config, classifier.source
    other_domains = _cross_domain(classifier, cross_domain, batch_size, say)
    if owned:  # free the model before the probe loads its own copy of the base
        del classifier
        gc.collect()

    results, status = _run_baselines(baselines, dataset, labels, plan, base_dir, layer, batch_size, say)
    say(f"computing metrics ({n_boot} bootstrap resamples)")
    metrics = compute_metrics(
        ids=dataset.ids, texts=dataset.texts, y_true=dataset.y, logits=logits, labels=labels,
        thresholds=config.thresholds, temperatures=config.temperatures,
        records=dataset.records, baselines=results, baseline_status=status, n_boot=n_boot, seed=seed,
        provenance=_provenance(plan, data, data_sha, source, used_precision, config, bool(results), layer, command),
        notes=leak_notes(dataset, data_sha, plan.train, plan.dev),
    )
    metrics["cross_domain"] = other_domains
    say(f"writing report to {out}")
    write_report(metrics, out)
    if model_card and plan.artifact_dir is not None:
        from tonlage.eval.model_card import write_model_card

        say(f"model card written to {write_model_card(plan.artifact_dir, metrics)}")
    return metrics


__all__ = [
    "DEFAULT_BOOTSTRAP", "DEFAULT_SEED", "OUTPUT_FILES", "PLOT_FILES", "SCHEMA", "EvalData", "compute_metrics",
    "default_dev_path", "default_train_path", "evaluate", "load_eval_data", "write_report",
]
