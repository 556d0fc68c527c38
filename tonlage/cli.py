"""The `tonlage` command line: thin typer wrappers around importable functions."""

from typing import Annotated

import typer

from tonlage.bench_cmd import bench_cli
from tonlage.classify_cmd import classify_cli
from tonlage.data_cmd import data_app
from tonlage.evaluate_cmd import compare_cli, evaluate_cli
from tonlage.logs import setup_logging
from tonlage.score_cmd import score_cli
from tonlage.serve.command import serve_cli
from tonlage.train_cmd import TRAIN_CONTEXT, info_cli, train_cli

app = typer.Typer(
    name="tonlage",
    help="Tone classifier for German diplomatic statements (warning, insult, sarcasm, gratitude).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug messages on stderr.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show only warnings and errors on stderr.")] = False,
) -> None:
    """Tone classifier for German diplomatic statements (warning, insult, sarcasm, gratitude)."""
    setup_logging(verbose=verbose, quiet=quiet)


app.command("classify")(classify_cli)
app.command("score")(score_cli)
app.command("train", context_settings=TRAIN_CONTEXT)(train_cli)
app.command("info")(info_cli)
app.command("evaluate")(evaluate_cli)
app.command("compare")(compare_cli)
app.command("bench")(bench_cli)
app.command("serve")(serve_cli)
app.add_typer(data_app, name="data")


def main() -> None:  # pragma: no cover - console entry point
    app()
