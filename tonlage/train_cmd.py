"""`tonlage train` and `tonlage info`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, clean_errors
from tonlage.model.artifact import read_metrics
from tonlage.model.labels import LABELS

TRAIN_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


def train_cli(
    ctx: typer.Context,
    config: Annotated[Path, typer.Option("--config", "-c", help="TOML training config.")] = Path("training/configs/default.toml"),
    output: Annotated[str | None, typer.Option("--output", "-o", help="Run folder (checkpoints; the model goes to OUTPUT/model).", show_default=False)] = None,
    base_dir: Annotated[Path | None, typer.Option("--base-dir", help="Converted base model folder (default: the cache).", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fine-tune the tone model (LoRA) with a TOML config. Re-running resumes.

    Override any setting of the config with --section.key VALUE: --train.epochs 2, --model.num_layers 6,
    --data.train x.jsonl; --key VALUE works for a key found in one section only (--epochs 2).
    """
    from tonlage.training.trainer import train as run_training
    from tonlage.training.training_args import TrainingArgs, parse_overrides

    with clean_errors(code=2):
        overrides = {**parse_overrides(list(ctx.args)), "train.output": output}
        args = TrainingArgs.from_toml(config, overrides=overrides)
        path = run_training(args, base_dir=base_dir, progress=not quiet)
        metrics = read_metrics(path, list(LABELS))
    summary = ", ".join(f"{split} macro-F1 {m['macro_f1']:.3f}" for split, m in metrics.items())
    typer.echo(f"Model written to {path} ({summary})")


def info_cli(model: ModelOption = None, json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a model artifact: base model, layers, thresholds, temperatures and metrics (after checking it)."""
    from tonlage.model.artifact import DEFAULT_ARTIFACT, artifact_hash, read_config

    folder = model or DEFAULT_ARTIFACT
    with clean_errors(code=2):
        config = read_config(folder)
        metrics = read_metrics(folder, config.labels)
    if json_out:
        info = {"path": str(folder), "hash": artifact_hash(folder), **dataclasses.asdict(config), "metrics": metrics}
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Model[/] {folder}  (hash {artifact_hash(folder)})")
    base = config.base_model
    console.print(f"Base: {base.get('name')} from {base.get('package')} (GGUF sha256 {str(base.get('gguf_sha256'))[:16]}…), "
                  f"{config.num_layers} layers, max {config.max_length} tokens, pooling {config.pooling}, LoRA r={config.lora['r']}")
    data = config.data
    if data:
        console.print(f"Data: {data.get('files')} corpus sha256 {str(data.get('corpus_sha256'))[:16]}…, auxiliary {data.get('auxiliary')}")
    table = Table(title="Per-label calibration and metrics")
    for column in ("label", "threshold", "temperature", *(f"{s} F1" for s in metrics)):
        table.add_column(column, justify="right" if column != "label" else "left")
    for label in config.labels:
        row = [label, f"{config.thresholds[label]:.2f}", f"{config.temperatures[label]:.2f}"]
        row += [f"{m['per_label'][label]['f1']:.3f}" for m in metrics.values()]
        table.add_row(*row)
    if metrics:
        table.add_row("macro", "", "", *(f"{m['macro_f1']:.3f}" for m in metrics.values()), style="bold")
    console.print(table)
