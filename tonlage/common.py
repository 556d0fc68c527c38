"""Helpers shared by the CLI commands: option types, model loading, clean errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", "-m", help="Model artifact folder (default: the model shipped with Tonlage).", show_default=False),
]
PrecisionOption = Annotated[
    str, typer.Option("--precision", help="Inference precision: bf16 (default; within 0.01 of fp32), int8 (faster, less exact) or fp32.")
]
ThresholdOption = Annotated[
    list[str] | None,
    typer.Option("--threshold", "-t", help="Override a threshold, e.g. --threshold sarcasm=0.4 (repeatable).", show_default=False),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def clean_errors(code: int = 2) -> Iterator[None]:
    """Turn the project's expected errors into a one-line message and an exit code, never a traceback."""
    from tonlage.model.errors import TonlageError

    try:
        yield
    except TonlageError as exc:
        fail(str(exc), code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except MemoryError:
        fail("out of memory; try a smaller --batch-size", code)


def parse_thresholds(values: list[str] | None, labels: list[str]) -> dict[str, float]:
    """``["sarcasm=0.4"]`` → ``{"sarcasm": 0.4}``, with a clear error naming the bad value."""
    out: dict[str, float] = {}
    for value in values or []:
        label, sep, number = value.partition("=")
        if not sep or label not in labels:
            fail(f"--threshold {value!r}: expected LABEL=VALUE with LABEL one of {', '.join(labels)}")
        try:
            out[label] = float(number)
        except ValueError:
            fail(f"--threshold {value!r}: {number!r} is not a number")
        if not 0.0 <= out[label] <= 1.0:
            fail(f"--threshold {value!r}: the value must be between 0 and 1")
    return out


def load_classifier(model: Path | None, precision: str):
    """Load a classifier, printing progress on stderr only when the base model must be prepared."""
    from tonlage.model.classifier import Classifier

    return Classifier.from_dir(model, precision=precision)
