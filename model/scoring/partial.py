"""The files of a scoring run beside OUTPUT: the partial output, its sidecar record, and the lock.

``OUTPUT.partial`` is written while the run is going and renamed to ``OUTPUT`` when it is complete.
``OUTPUT.partial.json`` records what the partial was made from, so ``--resume`` never splices the output
of another input or other options. ``OUTPUT.lock`` is held (``flock``) by the one run writing OUTPUT.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tonlage.model.scoring.readers import DELIMITERS, ScoreError
from tonlage.model.scoring.writers import LINE_ENDINGS

PARTIAL_SUFFIX = ".partial"
SIDECAR_SUFFIX = ".partial.json"
LOCK_SUFFIX = ".lock"
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class RunFiles:
    """OUTPUT and the files written beside it."""

    output: Path

    @property
    def partial(self) -> Path:
        return self.output.with_name(self.output.name + PARTIAL_SUFFIX)

    @property
    def sidecar(self) -> Path:
        return self.output.with_name(self.output.name + SIDECAR_SUFFIX)

    @property
    def lock(self) -> Path:
        return self.output.with_name(self.output.name + LOCK_SUFFIX)

    def all(self) -> list[Path]:
        return [self.output, self.partial, self.sidecar, self.lock]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_paths(input_path: Path, files: RunFiles) -> None:
    """Refuse a run that cannot read its input or write its output, or would overwrite its own input."""
    if not input_path.exists():
        raise ScoreError(f"Input file not found: {input_path}")
    if not input_path.is_file():
        raise ScoreError(f"The input {input_path} is not a file")
    for path in files.all():
        if _same(input_path, path):
            what = "the output" if path == files.output else f"the file {path.name}, which the run writes"
            raise ScoreError(f"The input {input_path} is {what}; choose another -o/--output")
    output = files.output
    if output.is_dir():
        raise ScoreError(f"The output {output} is a directory; give a file name, e.g. {output / 'scored.jsonl'}")
    folder = output.parent
    if not folder.exists():
        raise ScoreError(f"The output folder {folder} does not exist")
    if not folder.is_dir():
        raise ScoreError(f"The output's folder {folder} is not a directory")
    for path in (files.partial, files.sidecar):
        if path.is_dir():
            raise ScoreError(f"{path} is a directory; the run needs that name for a file")


class RunLock:
    """An exclusive, non-blocking ``flock`` on ``OUTPUT.lock``: one run writes OUTPUT at a time."""

    def __init__(self, files: RunFiles):
        self.files = files
        self.fd: int | None = None

    def acquire(self) -> None:
        path = self.files.lock
        for _ in range(20):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise ScoreError(f"Cannot write in {path.parent}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise ScoreError(f"another tonlage score is writing {self.files.output} (it holds {path.name})") from None
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                self.fd = fd
                return
            os.close(fd)  # a finished run removed the file between our open and flock: lock the new one
        raise ScoreError(f"Cannot take the lock {path}")

    def release(self) -> None:
        if self.fd is None:
            return
        # Removed while still held: a run that opened it meanwhile finds its inode gone and locks a new file.
        self.files.lock.unlink(missing_ok=True)
        os.close(self.fd)
        self.fd = None


def input_fingerprint(path: Path) -> dict:
    """What identifies an input file cheaply: resolved path, size and SHA-256 of its first 64 KiB."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    return {"input": str(path.resolve()), "input_size": path.stat().st_size, "input_head_sha256": hashlib.sha256(head).hexdigest()}


def read_sidecar(files: RunFiles) -> dict:
    """The record of a partial file; a missing or unreadable record refuses the resume."""
    try:
        data = json.loads(files.sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScoreError(
            f"{files.partial} has no {files.sidecar.name} saying what it was made from (an older tonlage?); "
            "delete it to start over"
        ) from None
    except (OSError, ValueError) as exc:
        raise ScoreError(f"{files.sidecar} cannot be read ({exc}); delete it and {files.partial.name} to start over") from None
    if not isinstance(data, dict):
        raise ScoreError(f"{files.sidecar} is not a record of a tonlage run; delete it and {files.partial.name} to start over")
    return data


def check_sidecar(files: RunFiles, recorded: dict, expected: dict) -> None:
    """Refuse to resume when the partial was made from another input or with other options, naming what differs."""
    differ = [key for key in expected if recorded.get(key) != expected[key]]
    if differ:
        details = "; ".join(f"{key}: {recorded.get(key)!r} then, {expected[key]!r} now" for key in differ)
        raise ScoreError(
            f"Cannot resume: {files.partial.name} was made from a different run ({details}); "
            "run without --resume to start over"
        )


def write_sidecar(files: RunFiles, record: dict) -> None:
    """Write the record atomically (temporary file, then rename)."""
    temporary = files.sidecar.with_name(files.sidecar.name + ".tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, files.sidecar)


def _records(data: bytes, fmt: str, columns: list[str] | None, path: Path) -> Iterator[tuple[int, dict]]:
    """``(end offset, record)`` per complete record; for CSV/TSV the header first, as ``{}``.

    A record is complete when its last line ends with the writer's line ending; one cut off by a kill
    (a torn last line, or a quoted field left open) is not. Damage before the end, or CSV/TSV columns
    other than ``columns``, mean this is not the run's partial file.
    """
    if fmt == "jsonl":
        offset = 0
        raw_lines = io.BytesIO(data).readlines()
        for number, line in enumerate(raw_lines, 1):
            try:
                record = json.loads(line) if line.endswith(b"\n") else None
            except ValueError:
                record = None
            if not isinstance(record, dict):
                if number == len(raw_lines):
                    return  # the torn last line
                raise ScoreError(f"{path} is not a JSONL output of this run (line {number} is damaged); delete it to start over")
            offset += len(line)
            yield offset, record
        return
    lines = _Lines(data.decode("utf-8", "surrogateescape"), LINE_ENDINGS[fmt])
    reader = csv.reader(lines, delimiter=DELIMITERS[fmt])
    for number, cells in enumerate(reader):
        if lines.exhausted or not lines.complete:
            return
        if number == 0:
            if cells != columns:
                raise ScoreError(
                    f"{path} is not a {fmt.upper()} output of this run: its columns are {', '.join(cells)[:200]}, "
                    f"this run writes {', '.join(columns or [])[:200]}; delete it to start over"
                )
            yield lines.offset, {}
        else:
            yield lines.offset, dict(zip(columns or [], cells))


class _Lines:
    """Lines of a text split as the csv module expects, with the byte offset after the last one handed out."""

    def __init__(self, text: str, ending: str):
        self.lines = io.StringIO(text, newline="")
        self.ending = ending
        self.offset = 0
        self.exhausted = False
        self.complete = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.lines.readline()
        if not line:
            self.exhausted = True
            raise StopIteration
        self.offset += len(line.encode("utf-8", "surrogateescape"))
        self.complete = line.endswith(self.ending)
        return line


def scan_partial(path: Path, fmt: str, columns: list[str] | None, error_key: str, segment: bool) -> tuple[int, int, int]:
    """Where to cut a partial output, and the rows (documents with ``segment``) and failed ones before the cut.

    Returns:
        ``(offset, done, failed)``: keep the first ``offset`` bytes; ``offset`` 0 means start over. In segment
        mode the last document seen may be incomplete, so it is cut off and scored again.
    """
    records = _records(path.read_bytes(), fmt, columns, path)
    offset = done = failed = 0
    if fmt != "jsonl":
        first = next(records, None)
        if first is None:
            return 0, 0, 0
        offset = first[0]
    if not segment:
        for offset, record in records:  # noqa: B007 - the offset after the last complete record is kept
            done += 1
            failed += bool(record.get(error_key))
        return offset, done, failed
    start = before = failed_before = documents = 0
    start = previous = offset
    for end, record in records:
        error = bool(record.get(error_key))
        if error or str(record.get("statement")) == "0":
            start, before, failed_before = previous, documents, failed
            documents += 1
        failed += error
        previous = end
    return start, before, failed_before
