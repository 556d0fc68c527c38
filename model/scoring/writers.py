"""Output side of batch scoring: the names a run adds to each row, and the one row writer for every format."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

from tonlage.model.scoring.readers import DELIMITERS

STATEMENT_COLUMNS = ["statement", "text", "speaker", "kind", "start", "end"]
LINE_ENDINGS = {"csv": "\r\n", "tsv": "\n"}


@dataclass(frozen=True)
class OutputNames:
    """The fields a run adds: ``labels``, ``scores`` and ``error``, each behind ``prefix`` (``--prefix``)."""

    prefix: str = ""

    @property
    def labels(self) -> str:
        return self.prefix + "labels"

    @property
    def scores(self) -> str:
        return self.prefix + "scores"

    @property
    def error(self) -> str:
        return self.prefix + "error"

    def score_column(self, label: str) -> str:
        return f"{self.prefix}score_{label}"

    def added(self, fmt: str, labels: list[str]) -> list[str]:
        """Every name the run adds to a row in format ``fmt`` (CSV/TSV flatten scores into one column each)."""
        if fmt == "jsonl":
            return [self.labels, self.scores, self.error]
        # CSV, TSV and Parquet flatten the scores into one column per label.
        return [self.labels, *(self.score_column(label) for label in labels), self.error]


def score_columns(input_columns: list[str], names: OutputNames, labels: list[str]) -> list[str]:
    """CSV/TSV columns of a score run: the input's, then labels, one score column per label, error."""
    return [*input_columns, *names.added("csv", labels)]


def segment_columns(id_field: str, names: OutputNames, labels: list[str]) -> list[str]:
    """CSV/TSV columns of a segment run: the document id, the statement's fields, labels, scores, error."""
    return [id_field, *STATEMENT_COLUMNS, *names.added("csv", labels)]


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


class RowWriter:
    """Writes output rows (dicts with nested ``labels``/``scores``) as JSONL, CSV or TSV.

    Args:
        handle: Text stream opened with ``newline=""``.
        fmt: ``jsonl``, ``csv`` or ``tsv``.
        names: The names of the added fields.
        columns: CSV/TSV columns (ignored for JSONL); fields not among them are dropped.
        write_header: Whether to start with the header row (not when appending to a partial file).
    """

    def __init__(self, handle, fmt: str, names: OutputNames, columns: list[str] | None = None, write_header: bool = True):
        self.handle = handle
        self.fmt = fmt
        self.names = names
        self.columns = list(columns or [])
        if fmt != "jsonl":
            self.csv = csv.writer(handle, delimiter=DELIMITERS[fmt], lineterminator=LINE_ENDINGS[fmt])
            if write_header:
                self.csv.writerow(self.columns)

    def write(self, row: dict) -> None:
        if self.fmt == "jsonl":
            # default=str: Parquet values JSON has no type for (timestamps, decimals) are written as text.
            self.handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            return
        self.csv.writerow([_cell(value) for value in self.flatten(row)])

    def flatten(self, row: dict) -> list:
        """The row's values in column order: labels joined by ``|``, one ``score_<label>`` per score."""
        flat = dict(row)
        labels = flat.pop(self.names.labels, None)
        if labels is not None:
            flat[self.names.labels] = "|".join(labels)
        for label, value in (flat.pop(self.names.scores, None) or {}).items():
            flat[self.names.score_column(label)] = f"{value:.6f}"
        return [flat.get(column) for column in self.columns]
