"""Parquet on both sides of batch scoring: a row reader streamed by row group, and a row-group writer.

The reader hands out rows one Parquet batch (at most one row group) at a time, so memory stays flat
however large the file. The writer keeps the input's columns (with their Arrow types when the input is
Parquet; strings for CSV/TSV; a type inferred from every row for JSONL) and adds ``labels`` as
``list<string>``, one ``float64`` column ``score_<label>`` per label and ``error`` (``string``).

A Parquet file is readable only once its footer is written, so a partial Parquet output cannot be
resumed: ``--resume`` with a Parquet OUTPUT is refused (JSONL/CSV/TSV outputs resume).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from tonlage.model.scoring.readers import InputRow, ScoreError, checked_text, jsonl_lines, parse_json_object
from tonlage.model.scoring.writers import STATEMENT_COLUMNS, OutputNames

READ_BATCH_ROWS = 1024
ROW_GROUP_ROWS = 8192
_INT64 = (-(2**63), 2**63 - 1)


def parquet_schema(path: Path):
    """The Arrow schema of a Parquet file, or a ScoreError saying it is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ScoreError(f"{path} is not a readable Parquet file: {exc}") from None


def check_text_column(schema, text_field: str, path: Path) -> None:
    """Refuse a Parquet input without a string column ``text_field`` (every row would fail)."""
    import pyarrow as pa

    if text_field not in schema.names:
        raise ScoreError(f"The Parquet file {path} has no column '{text_field}' (columns: {', '.join(schema.names)}); use --text-field")
    kind = schema.field(text_field).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise ScoreError(f"The Parquet column '{text_field}' of {path} holds {kind}, not strings; use --text-field")


def read_parquet_rows(source, text_field: str, max_chars: int | None = None) -> Iterator[InputRow]:
    """Rows of a Parquet file (path or binary stream), read one batch at a time; ``line`` is the 1-based row number."""
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(source).iter_batches(batch_size=READ_BATCH_ROWS):
        for fields in batch.to_pylist():
            number += 1
            text, problem = checked_text(fields, text_field, max_chars)
            yield InputRow(number, fields, text=text, error=f"row {number}: {problem}" if problem else None, line=number)


def jsonl_arrow_types(path: Path) -> dict:
    """An Arrow type per top-level key of a JSONL file, in first-seen order, that holds every row's value.

    Strings, booleans, integers (within int64) and numbers keep their type; a key whose values mix types
    or hold lists/objects becomes a string column (non-string values JSON-encoded, as in CSV output).
    """
    import pyarrow as pa

    seen: dict[str, set[str]] = {}
    with open(path, "rb") as handle:
        for _, raw in jsonl_lines(handle):
            fields, _ = parse_json_object(raw)
            for key, value in (fields or {}).items():
                seen.setdefault(key, set()).add(_kind(value))
    types = {}
    for key, kinds in seen.items():
        kinds.discard("null")
        if kinds == {"int"}:
            types[key] = pa.int64()
        elif kinds and kinds <= {"int", "float"}:
            types[key] = pa.float64()
        elif kinds == {"bool"}:
            types[key] = pa.bool_()
        else:
            types[key] = pa.string()
    return types


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if _INT64[0] <= value <= _INT64[1] else "other"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else "other"


def output_schema(input_types: dict, names: OutputNames, labels: list[str], segment: bool = False, id_field: str = "id"):
    """The output schema: input columns (or, with ``segment``, the statement columns), then the added ones."""
    import pyarrow as pa

    if segment:
        kinds = {"statement": pa.int64(), "start": pa.int64(), "end": pa.int64()}
        input_types = {id_field: pa.string(), **{c: kinds.get(c, pa.string()) for c in STATEMENT_COLUMNS}}
    fields = [pa.field(name, kind) for name, kind in input_types.items()]
    fields.append(pa.field(names.labels, pa.list_(pa.string())))
    fields += [pa.field(names.score_column(label), pa.float64()) for label in labels]
    fields.append(pa.field(names.error, pa.string()))
    return pa.schema(fields)


def to_text(value) -> str | None:
    """A value for a string column: strings as they are, anything else JSON-encoded (as CSV output does)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class ParquetRowWriter:
    """Writes output rows (dicts with nested ``labels``/``scores``) to a Parquet file, one row group per ``rows_per_group``.

    Args:
        path: The file to write (the run's partial file).
        schema: From :func:`output_schema`; fields not in it are dropped, as the CSV writer drops them.
        names: The names of the added fields.
        rows_per_group: Rows buffered before a row group is written.
    """

    def __init__(self, path: Path, schema, names: OutputNames, rows_per_group: int = ROW_GROUP_ROWS):
        import pyarrow.parquet as pq

        self.schema = schema
        self.names = names
        self.rows_per_group = rows_per_group
        self.buffer: list[dict] = []
        self.writer = pq.ParquetWriter(path, schema)
        self.convert = converters(schema)

    def write(self, row: dict) -> None:
        self.buffer.append(flat_row(row, self.names, self.convert))
        if len(self.buffer) >= self.rows_per_group:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one row group."""
        import pyarrow as pa

        if self.buffer:
            self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.buffer = []

    def close(self) -> None:
        """Write the last row group and the footer."""
        self.flush()
        self.writer.close()


def converters(schema) -> dict[str, Callable]:
    """A converter per string column of ``schema`` (:func:`to_text`); other columns take values as they are."""
    import pyarrow as pa

    return {f.name: to_text for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}


def flat_row(row: dict, names: OutputNames, convert: dict[str, Callable]) -> dict:
    """An output row with nested ``scores`` as one ``score_<label>`` value each, string columns converted."""
    flat = {key: convert.get(key, _same)(value) for key, value in row.items() if key != names.scores}
    for label, value in (row.get(names.scores) or {}).items():
        flat[names.score_column(label)] = float(value)
    return flat


def _same(value):
    return value
