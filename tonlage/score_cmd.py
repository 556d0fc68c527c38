"""`tonlage score`: score a JSONL/CSV/TSV/Parquet corpus into a scored file (or, with --engine ray, a folder of shards)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, PrecisionOption, ThresholdOption, clean_errors, fail, load_classifier, parse_thresholds

SUMMARY_NAME = "_SUMMARY.json"


def score_cli(
    input: Annotated[Path, typer.Argument(help="JSONL, CSV, TSV or Parquet file with one statement (or, with --segment, one article) per row.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scored file; its extension (.jsonl, .csv, .tsv, .parquet) sets its format, else the input's.", show_default=False)],
    text_field: Annotated[str, typer.Option("--text-field", help="Field/column holding the text.")] = "text",
    id_field: Annotated[str, typer.Option("--id-field", help="Field/column with the row id (kept in the output; used by --segment).")] = "id",
    fmt: Annotated[str | None, typer.Option("--format", help="Input format: jsonl, csv, tsv or parquet (default: from the extension).", show_default=False)] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows (with --segment: statements) per model batch.")] = 64,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from OUTPUT.partial (refused if it was made from another input or other options, and for a Parquet OUTPUT).")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any row failed.")] = False,
    segment: Annotated[bool, typer.Option("--segment", help="Treat each row as an article: one output row per statement.")] = False,
    prefix: Annotated[str, typer.Option("--prefix", help="Put this before the added fields (labels, scores, error), e.g. pred_ when the input already has them.")] = "",
    max_chars: Annotated[int, typer.Option("--max-chars", help="Longest text scored; a longer one gets an error row (0: no cap).")] = 100_000,
    threshold: ThresholdOption = None,
    model: ModelOption = None,
    precision: PrecisionOption = "bf16",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    engine: Annotated[str, typer.Option("--engine", help="local (one process, one output file) or ray (Ray Data: INPUT may be a folder, OUTPUT is a folder of shards).")] = "local",
    workers: Annotated[int, typer.Option("--workers", help="[ray] Actors, each holding one model.")] = 2,
    cpus_per_worker: Annotated[float, typer.Option("--cpus-per-worker", help="[ray] CPUs per actor (its torch threads).")] = 1.0,
    address: Annotated[str | None, typer.Option("--address", help="[ray] Cluster to join: ray://HOST:10001 or auto (default: start Ray on this machine).", show_default=False)] = None,
    num_cpus: Annotated[int | None, typer.Option("--num-cpus", help="[ray] CPUs of the local Ray instance (default: all).", show_default=False)] = None,
    shard_format: Annotated[str | None, typer.Option("--shard-format", help="[ray] parquet or jsonl (default: jsonl for JSONL input, else parquet).", show_default=False)] = None,
    preserve_order: Annotated[bool, typer.Option("--preserve-order", help="[ray] Shards in name order hold the input order (slower).")] = False,
) -> None:
    """Score every row of a corpus; malformed rows get an `error` field instead of a traceback.

    The output holds the input fields plus `labels` and `scores` (CSV/TSV: `labels` and one `score_<label>`
    column each), or `error`. An input that already has one of these fields is refused: pass --prefix pred_
    to write `pred_labels`, `pred_scores`, `pred_error` instead. A second run writing the same OUTPUT is
    refused while the first holds OUTPUT.lock. Exit code 0 when the run finished, 1 with --strict if any row
    failed, 2 on a fatal error (checked before the model loads where possible).
    """
    from rich.console import Console

    from tonlage.model.artifact import DEFAULT_ARTIFACT, read_config
    from tonlage.model.scoring import ScoreJob, ScoreOptions

    console = Console(stderr=True)
    if engine not in ("local", "ray"):
        fail(f"--engine must be local or ray, got {engine!r}")
    if engine == "ray":
        if resume:
            fail("--resume is not supported with --engine ray: a run writes a new folder (an unfinished one is refused, never mixed)")
        with clean_errors(code=2):
            summary = _score_with_ray(
                input, output, model=model, precision=precision, fmt=fmt, threshold=threshold, address=address, num_cpus=num_cpus,
                shard_format=shard_format, preserve_order=preserve_order, text_field=text_field, id_field=id_field,
                prefix=prefix, max_chars=max_chars, segment=segment, batch_size=batch_size, workers=workers,
                cpus_per_worker=cpus_per_worker,
            )
        console.print(
            f"{summary['rows']} rows -> {output}/ ({len(summary['shards'])} shards, {SUMMARY_NAME}): {summary['scored']} scored, "
            f"{summary['failed']} failed; {summary['seconds']:.1f} s, {summary['rows'] / max(summary['seconds'], 1e-9):.1f} rows/s",
            markup=False, highlight=False,
        )
        if strict and summary["failed"]:
            raise typer.Exit(1)
        return
    with clean_errors(code=2):
        labels = list(read_config(model if model is not None else DEFAULT_ARTIFACT).labels)
        options = ScoreOptions(
            text_field=text_field, id_field=id_field, fmt=fmt, batch_size=batch_size, resume=resume,
            thresholds=parse_thresholds(threshold, labels), prefix=prefix, max_chars=max_chars, segment=segment,
        )
        with ScoreJob(input, output, labels, options) as job:
            classifier = load_classifier(model, precision)
            summary = _run_with_progress(job, classifier, console, quiet)
    message = (
        f"{summary.rows} rows -> {summary.output}: {summary.scored} scored, {summary.failed} failed"
        f"{f' (resumed after {summary.resumed_from})' if summary.resumed_from else ''}; "
        f"{summary.seconds:.1f} s, {summary.rows_per_s:.1f} rows/s"
    )
    console.print(message, markup=False, highlight=False)
    for example in summary.error_examples:
        console.print(f"  {example}", style="yellow", markup=False, highlight=False)
    if strict and summary.failed:
        raise typer.Exit(1)


def _score_with_ray(input: Path, output: Path, *, model, precision, fmt, threshold, address, num_cpus, **options) -> dict:
    """The Ray engine: check what can be checked, start or join Ray, score into the shard folder."""
    from tonlage import ray_backend
    from tonlage.model.artifact import DEFAULT_ARTIFACT, read_config

    ray_backend.require_ray()
    ray_backend.check_output_folder(output)
    labels = list(read_config(model if model is not None else DEFAULT_ARTIFACT).labels)
    ray_backend.init_ray(address, num_cpus)
    return ray_backend.score_corpus(
        [input], output, fmt=fmt, model=model, labels=labels, precision=precision,
        thresholds=parse_thresholds(threshold, labels), **options,
    )


def _run_with_progress(job, classifier, console, quiet: bool):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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

        return job.run(classifier, on_progress)
