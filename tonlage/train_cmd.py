"""`tonlage train` and `tonlage info`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, clean_errors


def train_cli(
    config: Annotated[Path, typer.Option("--config", "-c", help="TOML training config.")] = Path("training/configs/default.toml"),
    output: Annotated[str | None, typer.Option("--output", "-o", help="Run folder (checkpoints; the model goes to OUTPUT/model).", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.", show_default=False)] = None,
    epochs: Annotated[int | None, typer.Option(help="Maximum epochs.", show_default=False)] = None,
    num_layers: Annotated[int | None, typer.Option("--num-layers", help="Decoder layers to keep.", show_default=False)] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", show_default=False)] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="LoRA learning rate.", show_default=False)] = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps", help="Stop after N optimiser steps.", show_default=False)] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Torch threads.", show_default=False)] = None,
    train: Annotated[str | None, typer.Option("--train", help="Training JSONL.", show_default=False)] = None,
    dev: Annotated[str | None, typer.Option("--dev", help="Dev JSONL.", show_default=False)] = None,
    test: Annotated[str | None, typer.Option("--test", help="Test JSONL.", show_default=False)] = None,
    base_dir: Annotated[Path | None, typer.Option("--base-dir", help="Converted base model folder (default: the cache).", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fine-tune the tone model (LoRA) with a TOML config; flags override the config. Re-running resumes."""
    from tonlage.training.trainer import train as run_training
    from tonlage.training.training_args import TrainingArgs

    with clean_errors(code=2):
        args = TrainingArgs.from_toml(
            config, output=output, seed=seed, epochs=epochs, num_layers=num_layers, batch_size=batch_size,
            lr=lr, max_steps=max_steps, threads=threads, train=train, dev=dev, test=test,
        )
        path = run_training(args, base_dir=base_dir, progress=not quiet)
    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    summary = ", ".join(f"{split} macro-F1 {m['macro_f1']:.3f}" for split, m in metrics.items())
    typer.echo(f"Model written to {path} ({summary})")


def info_cli(model: ModelOption = None, json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a model artifact: base model, layers, thresholds, temperatures and metrics."""
    from tonlage.model.artifact import DEFAULT_ARTIFACT, artifact_hash, read_config

    folder = model or DEFAULT_ARTIFACT
    with clean_errors(code=2):
        config = read_config(folder)
    if json_out:
        typer.echo(json.dumps({"path": str(folder), "hash": artifact_hash(folder), **config.__dict__}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Model[/] {folder}  (hash {artifact_hash(folder)})")
    base = config.base_model
    console.print(f"Base: {base.get('name')} from {base.get('package')} (GGUF sha256 {str(base.get('gguf_sha256'))[:16]}…), "
                  f"{config.num_layers} layers, max {config.max_length} tokens, LoRA r={config.lora.get('r')}")
    data = config.data
    if data:
        console.print(f"Data: {data.get('files')} corpus sha256 {str(data.get('corpus_sha256'))[:16]}…, auxiliary {data.get('auxiliary')}")
    table = Table(title="Per-label calibration and metrics")
    for column in ("label", "threshold", "temperature", *(f"{s} F1" for s in config.metrics)):
        table.add_column(column, justify="right" if column != "label" else "left")
    for label in config.labels:
        row = [label, f"{config.thresholds[label]:.2f}", f"{config.temperatures[label]:.2f}"]
        row += [f"{m['per_label'][label]['f1']:.3f}" for m in config.metrics.values()]
        table.add_row(*row)
    if config.metrics:
        table.add_row("macro", "", "", *(f"{m['macro_f1']:.3f}" for m in config.metrics.values()), style="bold")
    console.print(table)
