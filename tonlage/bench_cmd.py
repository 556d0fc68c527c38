"""`tonlage bench`: speed, memory and quality of the score path against naive transformers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, PrecisionOption, clean_errors


def bench_cli(
    model: ModelOption = None,
    data: Annotated[Path, typer.Option("--data", help="Corpus JSONL; texts repeated to --n.")] = Path("training/data/test.jsonl"),
    n: Annotated[int, typer.Option("--n", help="Statements per throughput run.")] = 1000,
    naive_n: Annotated[int | None, typer.Option("--naive-n", help="Statements for the slow naive run (default: --n).", show_default=False)] = None,
    precision: PrecisionOption = "bf16",
    batch_size: Annotated[int, typer.Option("--batch-size")] = 64,
    no_cold_start: Annotated[bool, typer.Option("--no-cold-start", help="Skip timing a fresh `tonlage classify` process.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Benchmark Tonlage's score path against plain transformers, side by side in one run."""
    from tonlage.eval.bench import bench, markdown_table

    with clean_errors():
        result = bench(model, data, n=n, naive_n=naive_n, precision=precision, batch_size=batch_size, cold_start=not no_cold_start)
    typer.echo(json.dumps(result) if json_out else markdown_table(result))
