"""The `tonlage` command line: thin typer wrappers around importable functions."""

import typer

app = typer.Typer(
    name="tonlage",
    help="Tone classifier for German diplomatic statements (warning, insult, sarcasm, gratitude).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:  # pragma: no cover - console entry point
    app()
