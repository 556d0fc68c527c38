"""Logging for the command line: library modules log under ``tonlage.*``; the CLI shows it on stderr."""

from __future__ import annotations

import logging
import sys


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (test runners swap it per invocation)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Show ``tonlage`` log records on stderr as ``tonlage: message`` (INFO; DEBUG with ``verbose``).

    Idempotent: repeated calls (one per CLI invocation in tests) only change the level.
    """
    logger = logging.getLogger("tonlage")
    if not any(isinstance(h, _CurrentStderrHandler) for h in logger.handlers):
        handler = _CurrentStderrHandler()
        handler.setFormatter(logging.Formatter("tonlage: %(message)s"))
        logger.addHandler(handler)  # records still propagate, so pytest's caplog and any root handler see them
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
