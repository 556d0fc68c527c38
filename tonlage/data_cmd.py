"""`tonlage data ...`: thin command-line wrappers around training.validate and training.data_card.

The statistics are laid out once (`training.data_card.stats_sections`); this module only draws them as rich
tables, as the data card draws them as Markdown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tonlage.common import clean_errors
from tonlage.training.data_card import StatsTable, check_card_path, stats_sections, write_data_card
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


def _rich_table(title: str | None, table: StatsTable) -> Table:
    out = Table(title=title, title_justify="left")
    label_column = all(isinstance(row[0], str) for row in table.rows)  # names on the left, figures on the right
    for n, name in enumerate(table.header):
        out.add_column(name, justify="left" if n == 0 and label_column else "right")
    for row in table.rows:
        out.add_row(*("–" if v is None else str(v) for v in row))
    return out


def print_stats(stats: dict, console: Console) -> None:
    """Show corpus statistics as rich tables: the same sections (`stats_sections`) as the data card."""
    for section in stats_sections(stats):
        for n, table in enumerate(section.tables):
            console.print(_rich_table(section.title if n == 0 else None, table))
        if section.note:
            console.print("".join(section.note), highlight=False, soft_wrap=True, style="dim")
        for line in section.details:
            console.print(line, highlight=False, soft_wrap=True)


@data_app.command("check")
def check_cli(
    paths: PathsArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Check corpus files; print every problem as path:line: message (exit 1) or the statistics (exit 0)."""
    report = check_files(paths)
    _print_warnings(report)
    if not report.ok or report.stats is None:
        _print_problems(report)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(report.stats, ensure_ascii=False, indent=2))
        return
    console = Console()
    total = report.stats["splits"]["total"]["records"]
    console.print(f"OK: {total} records in {len(report.files)} file(s), no problems.", highlight=False, soft_wrap=True)
    print_stats(report.stats, console)


@data_app.command("card")
def card_cli(
    paths: PathsArg,
    out: Annotated[
        Path, typer.Option("--out", help="Data card to update between <!-- stats:start --> and <!-- stats:end -->.")
    ] = Path("training/data/README.md"),
) -> None:
    """Check corpus files and rewrite the statistics block of the data card."""
    with clean_errors(code=2):
        check_card_path(out)  # before the corpus is read
    report = check_files(paths)
    _print_warnings(report)
    if not report.ok:
        _print_problems(report)
        raise typer.Exit(1)
    with clean_errors(code=2):
        written = write_data_card(report, out)
    typer.echo(f"Wrote the statistics block of {written}")
