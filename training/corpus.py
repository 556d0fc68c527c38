"""Read and validate corpus files (JSONL, one record per line) and hash them.

A corpus record is a JSON object whose fields are described in `training.schema`.
`validate_record` checks one record; `scan_jsonl` reads a file and collects every
problem with its line number; `read_jsonl` does the same but raises `CorpusError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from tonlage.model.errors import TonlageError
from tonlage.training.schema import (
    ACTOR_TYPES,
    DATE_PATTERN,
    FORMS,
    HARD_CASES,
    LABELS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    TEXT_WORDS,
)

StrPath = str | PathLike[str]

# Fields whose value must be one of a closed set (besides the label lists).
_CLOSED_VALUES: dict[str, tuple[str, ...]] = {
    "form": FORMS,
    "actor_type": ACTOR_TYPES,
    "hard_case": HARD_CASES,
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a corpus file.

    Attributes:
        path: The file, as the user named it.
        line: 1-based line number, or None for a problem of the whole file.
        message: What is wrong, in one sentence.
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        """Return the problem as a JSON-serialisable dict."""
        return {"path": self.path, "line": self.line, "message": self.message}


class CorpusError(TonlageError, ValueError):
    """A corpus file could not be read cleanly.

    Attributes:
        problems: Every problem found, each naming file and line.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"\n... and {more} more"
        super().__init__(f"{len(self.problems)} problem(s) in corpus:\n{shown}")


@dataclass(frozen=True)
class LineRecord:
    """A record together with where it was read from.

    Attributes:
        path: The file, as the user named it.
        line: 1-based line number.
        record: The parsed JSON object.
    """

    path: str
    line: int
    record: dict


def _type_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    names = {str: "string", list: "list", bool: "boolean", dict: "object", type(None): "null", int: "integer"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _json_type_name(value: object) -> str:
    names = {str: "string", list: "list", bool: "boolean", dict: "object", type(None): "null", int: "integer"}
    return names.get(type(value), type(value).__name__)


def _has_type(value: object, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    # bool is a subclass of int: never accept a boolean where an integer is meant, and vice versa.
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _check_labels(value: list) -> list[str]:
    errors = []
    for item in value:
        if not isinstance(item, str):
            errors.append(f"field 'labels' must hold strings, got {_json_type_name(item)} {item!r}")
        elif item not in LABELS:
            errors.append(f"unknown label {item!r} in 'labels' (known: {', '.join(LABELS)})")
    strings = [item for item in value if isinstance(item, str)]
    dupes = sorted({item for item in strings if strings.count(item) > 1})
    if dupes:
        errors.append(f"duplicate label(s) in 'labels': {', '.join(dupes)}")
    return errors


def validate_record(rec: object) -> list[str]:
    """Check one corpus record against the schema.

    Args:
        rec: A parsed JSON value, expected to be an object.

    Returns:
        Messages for every problem (empty when the record is valid): missing
        required fields, wrong field types, unknown or duplicate labels, empty or
        whitespace-only text, and values outside the closed sets (form,
        actor_type, hard_case). Fields not in the schema are not errors here
        (see `unknown_fields`).
    """
    if not isinstance(rec, dict):
        return [f"record must be a JSON object, got {_json_type_name(rec)}"]
    errors: list[str] = []
    for field in REQUIRED_FIELDS:
        if field not in rec:
            errors.append(f"missing required field '{field}'")
    schema = {**REQUIRED_FIELDS, **OPTIONAL_FIELDS}
    for field, expected in schema.items():
        if field in rec and not _has_type(rec[field], expected):
            errors.append(
                f"field '{field}' must be {_type_name(expected)}, got {_json_type_name(rec[field])} {rec[field]!r}"
            )

    def ok(field: str) -> bool:
        return field in rec and _has_type(rec[field], schema[field])

    if ok("id") and not rec["id"].strip():
        errors.append("field 'id' is empty")
    if ok("text") and not rec["text"].strip():
        errors.append("field 'text' is empty" if not rec["text"] else "field 'text' is only whitespace")
    if ok("labels"):
        errors.extend(_check_labels(rec["labels"]))
    for field, allowed in _CLOSED_VALUES.items():
        if ok(field) and rec[field] is not None and rec[field] not in allowed:
            errors.append(f"unknown {field} {rec[field]!r} (known: {', '.join(allowed)})")
    return errors


def unknown_fields(rec: dict) -> list[str]:
    """Return the fields of `rec` that the schema does not know, in record order."""
    known = {**REQUIRED_FIELDS, **OPTIONAL_FIELDS}
    return [field for field in rec if field not in known]


def missing_optional_fields(rec: dict) -> list[str]:
    """Return the optional schema fields `rec` lacks (the guideline expects every field)."""
    return [field for field in OPTIONAL_FIELDS if field not in rec]


def record_warnings(rec: dict) -> list[str]:
    """Check a valid record against the annotation guideline's softer rules.

    These do not make a record invalid: labels out of the order of LABELS, a
    text outside TEXT_WORDS words, a date not in DATE_PATTERN (YYYY-MM), and
    inconsistent hard-negative fields (hard_negative with labels or without
    hard_case; hard_case without hard_negative). Unknown and missing optional
    fields are reported by `unknown_fields` and `missing_optional_fields`.

    Args:
        rec: A record for which `validate_record` returned no errors.

    Returns:
        One message per rule broken.
    """
    warnings = []
    order = [label for label in LABELS if label in rec["labels"]]
    if rec["labels"] != order:
        warnings.append(f"labels {rec['labels']} are not in the order {order}")
    words = len(rec["text"].split())
    low, high = TEXT_WORDS
    if not low <= words <= high:
        warnings.append(f"text has {words} words (guideline: {low}-{high})")
    date = rec.get("date")
    if date is not None and not re.fullmatch(DATE_PATTERN, date):
        warnings.append(f"date {date!r} is not YYYY-MM")
    hard_negative, hard_case = rec.get("hard_negative"), rec.get("hard_case")
    if hard_negative is True and rec["labels"]:
        warnings.append(f"hard_negative is true but labels are {rec['labels']}")
    if hard_negative is True and hard_case is None:
        warnings.append("hard_negative is true but hard_case is missing or null")
    if hard_case is not None and hard_negative is not True:
        warnings.append(f"hard_case is {hard_case!r} but hard_negative is not true")
    return warnings


def scan_jsonl(
    path: StrPath, validate: Callable[[object], list[str]] = validate_record
) -> tuple[list[LineRecord], list[Problem]]:
    """Read a JSONL corpus file, collecting problems instead of raising.

    Blank lines are skipped. Lines that are not valid JSON, not an object, or
    fail `validate` become problems; only valid records are returned.

    Args:
        path: The file to read.
        validate: Checks one parsed line and returns its problems; the corpus
            schema (`validate_record`) by default. Other labelled files (e.g.
            evaluation gold files) pass their own rules.

    Returns:
        The valid records with their line numbers, and every problem found.
    """
    name = str(path)
    file = Path(path)
    if not file.exists():
        return [], [Problem(name, None, "file not found")]
    if not file.is_file():
        return [], [Problem(name, None, "not a file")]
    raw = file.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    records: list[LineRecord] = []
    problems: list[Problem] = []
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        try:
            line = line_bytes.decode("utf-8")
        except UnicodeDecodeError as err:
            problems.append(Problem(name, number, f"not UTF-8: byte 0x{line_bytes[err.start]:02x} at column {err.start + 1}"))
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(Problem(name, number, f"malformed JSON: {err.msg} (column {err.colno})"))
            continue
        errors = validate(value)
        if errors:
            problems.extend(Problem(name, number, message) for message in errors)
            continue
        records.append(LineRecord(name, number, value))
    if not records and not problems:
        problems.append(Problem(name, None, "no records (the file is empty)"))
    return records, problems


def read_jsonl(path: StrPath) -> list[dict]:
    """Read a JSONL corpus file and return its records.

    Args:
        path: The file to read.

    Returns:
        The records, in file order.

    Raises:
        CorpusError: If the file is missing, or any line is malformed JSON, not
            an object, or fails `validate_record`; lists every problem with
            file and line.
    """
    records, problems = scan_jsonl(path)
    if problems:
        raise CorpusError(problems)
    return [r.record for r in records]


def file_sha256(path: StrPath) -> str:
    """Return the SHA-256 hex digest of one file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sort_key(path: StrPath) -> tuple[str, str]:
    return (Path(path).name, str(Path(path).resolve()))


def corpus_hash(paths: Iterable[StrPath]) -> str:
    """Return one SHA-256 hex digest over several corpus files, for provenance.

    Files are taken in sorted order of their file names (so the digest does not
    depend on argument order or on relative vs absolute paths). Each file
    contributes its name, its byte length and its bytes, so moving a line from
    one file to the next (a change of split) changes the digest even though the
    concatenated bytes would be the same.

    Args:
        paths: The corpus files.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    for path in sorted(paths, key=_sort_key):
        data = Path(path).read_bytes()
        digest.update(f"{Path(path).name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


__all__ = [
    "CorpusError",
    "LineRecord",
    "Problem",
    "corpus_hash",
    "file_sha256",
    "missing_optional_fields",
    "read_jsonl",
    "record_warnings",
    "scan_jsonl",
    "unknown_fields",
    "validate_record",
]
