"""`tonlage score`: score a JSONL/CSV corpus into a file of the same format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, PrecisionOption, ThresholdOption, clean_errors, load_classifier, parse_thresholds


def score_cli(
    input: Annotated[Path, typer.Argument(help="JSONL or CSV file with one statement per row.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scored file (same format as the input).", show_default=False)],
    text_field: Annotated[str, typer.Option("--text-field", help="Field/column holding the text.")] = "text",
    id_field: Annotated[str, typer.Option("--id-field", help="Field/column with the row id (kept in the output; used by --segment).")] = "id",
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: from the extension).", show_default=False)] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per model batch.")] = 64,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from OUTPUT.partial.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any row failed.")] = False,
    segment: Annotated[bool, typer.Option("--segment", help="Treat each row as an article: one output row per statement.")] = False,
    threshold: ThresholdOption = None,
    model: ModelOption = None,
    precision: PrecisionOption = "bf16",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Score every row of a corpus; malformed rows get an `error` field instead of a traceback.

    Exit code 0 when the run finished, 1 with --strict if any row failed, 2 on a fatal error.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from tonlage.model.scoring import score_file, segment_file

    console = Console(stderr=True)
    with clean_errors(code=2):
        classifier = load_classifier(model, precision)
        overrides = parse_thresholds(threshold, classifier.labels)
        columns = (
            TextColumn("scoring"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[rows]} rows, {task.fields[rate]:.1f} rows/s"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=quiet) as progress:
            task = progress.add_task("score", total=None, rows=0, rate=0.0)
            start_rows: list[int] = []

            def on_progress(read: int, total: int, rows: int) -> None:
                start_rows.append(rows)
                elapsed = progress.tasks[task].elapsed or 1e-9
                progress.update(task, completed=read, total=total, rows=rows, rate=(rows - start_rows[0]) / elapsed)

            run = segment_file if segment else score_file
            extra = {"id_field": id_field} if segment else {}
            summary = run(
                classifier, input, output, text_field=text_field, fmt=fmt, batch_size=batch_size,
                resume=resume, thresholds=overrides, on_progress=on_progress, **extra,
            )
    message = (
        f"{summary.rows} rows -> {summary.output}: {summary.scored} scored, {summary.failed} failed"
        f"{f' (resumed after {summary.resumed_from})' if summary.resumed_from else ''}; "
        f"{summary.seconds:.1f} s, {summary.rows_per_s:.1f} rows/s"
    )
    console.print(message)
    for example in summary.error_examples:
        console.print(f"  {example}", style="yellow")
    if strict and summary.failed:
        raise typer.Exit(1)
