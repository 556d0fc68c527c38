"""Input side of batch scoring: format detection and streaming row readers for JSONL, CSV and TSV (Parquet: ``parquet.py``).

Readers never raise on a bad row: it becomes an :class:`InputRow` with ``error`` naming its line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tonlage.model.errors import TonlageError

FORMATS = ("jsonl", "csv", "tsv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet"}
DELIMITERS = {"csv": ",", "tsv": "\t"}
BOM = b"\xef\xbb\xbf"
# csv's own limit is 131,072 characters per field; long texts are capped by --max-chars instead.
CSV_FIELD_LIMIT = 2**31 - 1


class ScoreError(TonlageError, RuntimeError):
    """A fatal problem with a scoring run (unreadable input, bad options); nothing is scored."""


@dataclass
class InputRow:
    """One input row: its ordinal ``number``, the 1-based ``line`` it starts on, its fields, and text or error."""

    number: int
    fields: dict
    text: str | None = None
    error: str | None = None
    line: int = 0


def format_from_extension(path: str | Path) -> str | None:
    """``jsonl``, ``csv``, ``tsv`` or ``parquet`` from the file extension, or ``None`` when it is not one of them."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def detect_format(path: str | Path, explicit: str | None = None) -> str:
    """``jsonl``, ``csv``, ``tsv`` or ``parquet`` from ``explicit`` or the file extension."""
    if explicit:
        if explicit not in FORMATS:
            raise ScoreError(f"--format must be one of {', '.join(FORMATS)}, got {explicit!r}")
        return explicit
    fmt = format_from_extension(path)
    if fmt is None:
        raise ScoreError(f"Cannot tell the format of {path} from its extension; pass --format jsonl, csv or tsv (or parquet)")
    return fmt


def checked_text(fields: dict, text_field: str, max_chars: int | None) -> tuple[str | None, str | None]:
    """The usable text of a row, or why there is none."""
    if text_field not in fields:
        return None, f"missing field '{text_field}'"
    text = fields[text_field]
    if not isinstance(text, str):
        return None, f"field '{text_field}' is {type(text).__name__}, not a string"
    if not text.strip():
        return None, f"field '{text_field}' is empty"
    if max_chars and len(text) > max_chars:
        return None, f"field '{text_field}' has {len(text):,} characters, over the --max-chars limit of {max_chars:,}"
    return text, None


def jsonl_lines(handle) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) per line of a binary stream, without the BOM; ``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line.

    A raw CR cannot occur inside a JSON value, so splitting on it is safe and reads old-Mac files.
    """
    number = 0
    for raw in handle:
        if number == 0 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        body = raw[:-1] if raw.endswith(b"\n") else raw
        if body.endswith(b"\r"):
            body = body[:-1]
        for piece in body.split(b"\r") if b"\r" in body else (body,):
            number += 1
            yield number, piece


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON (write null instead)")


def parse_json_object(line: bytes) -> tuple[dict | None, str | None]:
    """A JSONL line as a dict that can be written back as valid UTF-8 JSON, or why it cannot."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"undecodable bytes (not UTF-8): {exc.reason}"
    if not text.strip():
        return None, "empty line"
    try:
        fields = json.loads(text, parse_constant=_reject_constant)
        if isinstance(fields, dict):
            json.dumps(fields, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return None, "a string holds a lone surrogate escape (e.g. \\ud800), which is not valid UTF-8"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if not isinstance(fields, dict):
        return None, f"expected a JSON object, got {type(fields).__name__}"
    return fields, None


def read_jsonl_rows(handle, text_field: str, max_chars: int | None = None) -> Iterator[InputRow]:
    """Rows of a JSONL byte stream; malformed lines become rows with an error."""
    for number, (line, raw) in enumerate(jsonl_lines(handle), 1):
        fields, error = parse_json_object(raw)
        if fields is None:
            yield InputRow(number, {}, error=f"line {line}: {error}", line=line)
            continue
        text, error = checked_text(fields, text_field, max_chars)
        yield InputRow(number, fields, text=text, error=f"line {line}: {error}" if error else None, line=line)


def jsonl_keys(path: Path) -> list[str]:
    """Every top-level key of the JSONL file's objects, in first-seen order (for clash checks and CSV columns)."""
    keys: dict[str, None] = {}
    with open(path, "rb") as handle:
        for _, raw in jsonl_lines(handle):
            fields, _ = parse_json_object(raw)
            if fields:
                keys.update(dict.fromkeys(fields))
    return list(keys)


def read_header(handle, fmt: str) -> list[str]:
    """The header row of a CSV/TSV byte stream (BOM stripped), checked for emptiness, bad bytes and duplicates."""
    header, _ = read_csv_rows(handle, None, fmt=fmt)
    return header


def read_csv_rows(
    handle, text_field: str | None, *, fmt: str = "csv", max_chars: int | None = None
) -> tuple[list[str], Iterator[InputRow]]:
    """Header and rows of a CSV or TSV byte stream; bad rows become rows with an error naming their line."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    stream = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(stream, delimiter=DELIMITERS[fmt])
    name = fmt.upper()
    try:
        header = next(reader)
    except StopIteration:
        raise ScoreError(f"The {name} input is empty (no header row)") from None
    except csv.Error as exc:
        raise ScoreError(f"The {name} header cannot be read: {exc}") from None
    if any(has_surrogates(column) for column in header):
        raise ScoreError(f"The {name} header is not UTF-8 text (save the file as UTF-8)")
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        raise ScoreError(f"The {name} header names the column {duplicates[0]!r} more than once; every column needs its own name")
    if text_field is not None and text_field not in header:
        raise ScoreError(f"The {name} header has no column '{text_field}' (columns: {', '.join(header)}); use --text-field")

    def rows() -> Iterator[InputRow]:
        try:
            yield from _csv_records(reader, header, name, str(text_field), max_chars)
        finally:
            if not handle.closed:
                stream.detach()  # leave the caller's byte stream open (its position still tells the progress)

    return header, rows()


def _csv_records(reader, header: list[str], name: str, text_field: str, max_chars: int | None) -> Iterator[InputRow]:
    number = 0
    while True:
        number += 1
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputRow(number, {}, error=f"line {line}: malformed {name}: {exc}", line=line)
            continue
        fields = dict(zip(header, values))
        if any(has_surrogates(v) for v in values):
            clean = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in fields.items()}
            yield InputRow(number, clean, error=f"line {line}: undecodable bytes (not UTF-8)", line=line)
        elif not values:
            yield InputRow(number, {}, error=f"line {line}: empty line", line=line)
        elif len(values) != len(header):
            error = f"line {line}: {len(values)} fields, header has {len(header)}"
            yield InputRow(number, fields, error=error, line=line)
        else:
            text, problem = checked_text(fields, text_field, max_chars)
            yield InputRow(number, fields, text=text, error=f"line {line}: {problem}" if problem else None, line=line)


def has_surrogates(value: str) -> bool:
    """Whether ``value`` holds bytes that were not UTF-8 (decoded with ``surrogateescape``)."""
    return any("\udc80" <= ch <= "\udcff" for ch in value)
