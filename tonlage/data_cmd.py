"""`tonlage data ...`: thin command-line wrappers around training.validate and training.data_card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tonlage.training.data_card import DataCardError, write_data_card
from tonlage.training.schema import LABELS
from tonlage.training.validate import CheckReport, check_files

data_app = typer.Typer(
    help="Check corpus files (schema, duplicates, split leakage) and write the data card statistics.",
    no_args_is_help=True,
)

PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Corpus JSONL files, one split per file (e.g. train.jsonl dev.jsonl).", metavar="PATH", show_default=False
    ),
]


def _print_problems(report: CheckReport) -> None:
    for problem in report.problems:
        typer.echo(str(problem))
    typer.echo(f"{len(report.problems)} problem(s) in {len(report.files)} file(s)", err=True)


def _print_warnings(report: CheckReport) -> None:
    for warning in report.warnings:
        typer.echo(f"{warning.path}:{warning.line}: warning: {warning.message}", err=True)


def _table(title: str, header: list[str], rows: list[list[object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for n, name in enumerate(header):
        table.add_column(name, justify="left" if n == 0 else "right")
    for row in rows:
        table.add_row(*("–" if v is None else str(v) for v in row))
    return table


def _print_stats(stats: dict, console: Console) -> None:
    splits = stats["splits"]
    rows = ["records", *LABELS, "none", "hard_negative", "multi_label", "episodes"]
    lengths = stats["length_words"]
    near = stats["near_duplicates"]
    episodes = stats["episodes"]
    within = near["within_file_pairs_ge_0.5"]
    tables = [
        _table("Records per split", ["", *splits], [[r, *(splits[k][r] for k in splits)] for r in rows]),
        _table(
            "Label co-occurrence",
            ["", *LABELS],
            [[a, *(stats["cooccurrence"][a][b] for b in LABELS)] for a in LABELS],
        ),
        _table("Forms", ["form", "records"], [list(item) for item in stats["forms"].items()]),
        _table("Actor types", ["actor_type", "records"], [list(item) for item in stats["actor_types"].items()]),
        _table("Hard cases", ["hard_case", "records"], [list(item) for item in stats["hard_cases"].items()]),
        _table(
            "Length in words",
            ["min", "p10", "median", "p90", "max"],
            [[lengths[k] for k in ("min", "p10", "median", "p90", "max")]],
        ),
        _table("Length histogram", ["words", "records"], [list(item) for item in lengths["histogram"].items()]),
        _table(
            "Near-duplicates (character 5-gram Jaccard, all pairs)",
            ["", "value"],
            [
                ["max Jaccard", near["max_jaccard"]],
                ["pairs ≥ 0.5", near["pairs_ge_0.5"]],
                ["pairs ≥ 0.3", near["pairs_ge_0.3"]],
                *([f"pairs ≥ 0.5 within {k}", v] for k, v in within.items()),
            ],
        ),
        _table(
            "Actors, countries, episodes",
            ["", "value"],
            [
                ["distinct actors", stats["actors"]],
                ["distinct countries", stats["countries"]],
                ["distinct episodes", episodes["distinct"]],
                ["records without episode", episodes["records_without_episode"]],
                ["episodes in > 1 split", episodes["straddling"]],
            ],
        ),
    ]
    for table in tables:
        console.print(table)
    for pair in near["top_within_file"]:
        console.print(
            f"within-file near-duplicate: {pair['a']} ~ {pair['b']} (Jaccard {pair['jaccard']})",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"Corpus SHA-256: {stats['corpus_sha256']}", highlight=False, soft_wrap=True)


@data_app.command("check")
def check_cli(
    paths: PathsArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Check corpus files; print every problem as path:line: message (exit 1) or the statistics (exit 0)."""
    report = check_files(paths)
    _print_warnings(report)
    if not report.ok:
        _print_problems(report)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(report.stats, ensure_ascii=False, indent=2))
        return
    console = Console()
    total = report.stats["splits"]["total"]["records"]
    console.print(f"OK: {total} records in {len(report.files)} file(s), no problems.", highlight=False, soft_wrap=True)
    _print_stats(report.stats, console)


@data_app.command("card")
def card_cli(
    paths: PathsArg,
    out: Annotated[
        Path, typer.Option("--out", help="Data card to update between <!-- stats:start --> and <!-- stats:end -->.")
    ] = Path("training/data/README.md"),
) -> None:
    """Check corpus files and rewrite the statistics block of the data card."""
    report = check_files(paths)
    _print_warnings(report)
    if not report.ok:
        _print_problems(report)
        raise typer.Exit(1)
    try:
        written = write_data_card(report, out)
    except DataCardError as err:
        typer.echo(f"{out}: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote the statistics block of {written}")
