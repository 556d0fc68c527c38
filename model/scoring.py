"""Batch scoring of JSONL/CSV corpora: streaming, one output row per input row, atomic and resumable.

Every input row yields exactly one output row, in input order: the input fields plus ``labels`` and
``scores`` (CSV: ``labels`` joined by ``|`` and one ``score_<label>`` column each), or the input fields
plus ``error`` when the row cannot be scored. Output goes to ``OUTPUT.partial`` and is renamed to
``OUTPUT`` when the run finishes; ``resume=True`` continues a ``.partial`` file left by a killed run.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tonlage.model.errors import TonlageError

FORMATS = ("jsonl", "csv")
PARTIAL_SUFFIX = ".partial"
_FLUSH_EVERY_S = 2.0


class ScoreError(TonlageError, RuntimeError):
    """A fatal problem with a scoring run (unreadable input, bad options); nothing is scored."""


@dataclass
class InputRow:
    """One input row: its 1-based line (JSONL) or record number (CSV), its fields, and text or error."""

    number: int
    fields: dict
    text: str | None = None
    error: str | None = None


@dataclass
class ScoreSummary:
    rows: int = 0
    scored: int = 0
    failed: int = 0
    resumed_from: int = 0
    seconds: float = 0.0
    output: str = ""
    error_examples: list[str] = field(default_factory=list)

    @property
    def rows_per_s(self) -> float:
        return (self.rows - self.resumed_from) / self.seconds if self.seconds else 0.0


def detect_format(path: str | Path, explicit: str | None = None) -> str:
    """``jsonl`` or ``csv`` from ``explicit`` or the file extension."""
    if explicit:
        if explicit not in FORMATS:
            raise ScoreError(f"--format must be one of {', '.join(FORMATS)}, got {explicit!r}")
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ScoreError(f"Cannot tell the format of {path} from its extension; pass --format jsonl or --format csv")


def _checked_text(fields: dict, text_field: str) -> tuple[str | None, str | None]:
    if text_field not in fields:
        return None, f"missing field '{text_field}'"
    text = fields[text_field]
    if not isinstance(text, str):
        return None, f"field '{text_field}' is {type(text).__name__}, not a string"
    if not text.strip():
        return None, f"field '{text_field}' is empty"
    return text, None


def read_jsonl_rows(handle, text_field: str) -> Iterator[InputRow]:
    """Rows of a JSONL byte stream; malformed lines become rows with an error."""
    for number, raw in enumerate(handle, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield InputRow(number, {}, error=f"line {number}: undecodable bytes (not UTF-8): {exc.reason}")
            continue
        if not line.strip():
            yield InputRow(number, {}, error=f"line {number}: empty line")
            continue
        try:
            fields = json.loads(line)
        except ValueError as exc:
            yield InputRow(number, {}, error=f"line {number}: invalid JSON: {exc}")
            continue
        if not isinstance(fields, dict):
            yield InputRow(number, {}, error=f"line {number}: expected a JSON object, got {type(fields).__name__}")
            continue
        text, error = _checked_text(fields, text_field)
        yield InputRow(number, fields, text=text, error=f"line {number}: {error}" if error else None)


def read_csv_rows(handle, text_field: str) -> tuple[list[str], Iterator[InputRow]]:
    """Header and rows of a CSV byte stream; bad rows become rows with an error."""
    text_stream = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.reader(text_stream)
    try:
        header = next(reader)
    except StopIteration:
        raise ScoreError("The CSV input is empty (no header row)") from None
    except csv.Error as exc:
        raise ScoreError(f"The CSV header cannot be read: {exc}") from None
    if text_field not in header:
        raise ScoreError(f"The CSV header has no column '{text_field}' (columns: {', '.join(header)}); use --text-field")

    def rows() -> Iterator[InputRow]:
        number = 0
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield InputRow(number, {}, error=f"record {number}: malformed CSV: {exc}")
                continue
            fields = dict(zip(header, values))
            if len(values) != len(header):
                yield InputRow(number, fields, error=f"record {number}: {len(values)} fields, header has {len(header)}")
                continue
            if any(_has_surrogates(v) for v in values):
                clean = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in fields.items()}
                yield InputRow(number, clean, error=f"record {number}: undecodable bytes (not UTF-8)")
                continue
            text, error = _checked_text(fields, text_field)
            yield InputRow(number, fields, text=text, error=f"record {number}: {error}" if error else None)

    return header, rows()


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


class _Writer:
    """Writes output rows in the input's format."""

    def __init__(self, handle, fmt: str, labels: list[str], header: list[str] | None, write_header: bool):
        self.handle = handle
        self.fmt = fmt
        self.labels = labels
        if fmt == "csv":
            self.columns = list(header or []) + ["labels"] + [f"score_{label}" for label in labels] + ["error"]
            self.csv = csv.DictWriter(handle, fieldnames=self.columns, extrasaction="ignore")
            if write_header:
                self.csv.writeheader()

    def write(self, row: InputRow, labels: list[str] | None, scores: dict[str, float] | None) -> None:
        if self.fmt == "jsonl":
            out = dict(row.fields) if row.fields else {"line": row.number}
            if row.error:
                out["error"] = row.error
            else:
                out["labels"] = labels
                out["scores"] = scores
            self.handle.write(json.dumps(out, ensure_ascii=False) + "\n")
        else:
            out = dict(row.fields)
            if row.error:
                out["error"] = row.error
            else:
                out["labels"] = "|".join(labels)
                out.update({f"score_{k}": f"{v:.6f}" for k, v in scores.items()})
            self.csv.writerow(out)


def _count_done(partial: Path, fmt: str) -> tuple[int, int]:
    """Complete rows and error rows already in a partial output; a torn last line is cut off."""
    data = partial.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with open(partial, "r+b") as handle:
            handle.truncate(end)
    done = failed = 0
    with open(partial, encoding="utf-8", newline="") as handle:
        if fmt == "jsonl":
            for line in handle:
                done += 1
                failed += "error" in json.loads(line)
        else:
            reader = csv.DictReader(handle)
            for record in reader:
                done += 1
                failed += bool(record.get("error"))
    return done, failed


def score_file(
    classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_field: str = "text",
    fmt: str | None = None,
    batch_size: int = 64,
    resume: bool = False,
    thresholds: dict[str, float] | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> ScoreSummary:
    """Score every row of ``input_path`` into ``output_path`` (same format).

    Args:
        classifier: A :class:`model.classifier.Classifier` (anything with ``labels``, ``predict_proba``, ``tags``).
        input_path: JSONL or CSV file.
        output_path: Where the scored file goes; written atomically.
        text_field: The field/column holding the text.
        fmt: ``jsonl`` or ``csv``; by extension when ``None``.
        batch_size: Rows per model batch.
        resume: Continue ``OUTPUT.partial`` from an interrupted run instead of starting over.
        thresholds: Per-label threshold overrides.
        on_progress: Called as ``(bytes_read, total_bytes, rows_done)`` after each batch.

    Returns:
        Counts of rows, scored rows and failed rows.

    Raises:
        ScoreError: The input cannot be read or the options are invalid.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    fmt = detect_format(input_path, fmt)
    if batch_size < 1:
        raise ScoreError("--batch-size must be at least 1")
    if not input_path.is_file():
        raise ScoreError(f"Input file not found: {input_path}")
    if input_path.resolve() == output_path.resolve():
        raise ScoreError("The output must not be the input file")
    partial = output_path.with_name(output_path.name + PARTIAL_SUFFIX)
    done, done_failed = _count_done(partial, fmt) if resume and partial.exists() else (0, 0)
    started = time.time()
    summary = ScoreSummary(
        rows=done, scored=done - done_failed, failed=done_failed, resumed_from=done, output=str(output_path)
    )
    total_bytes = input_path.stat().st_size
    try:
        source = open(input_path, "rb")
    except OSError as exc:
        raise ScoreError(f"Cannot read {input_path}: {exc}") from exc
    with source:
        header = None
        if fmt == "jsonl":
            rows = read_jsonl_rows(source, text_field)
        else:
            header, rows = read_csv_rows(source, text_field)
        with open(partial, "a" if done else "w", encoding="utf-8", newline="") as sink:
            writer = _Writer(sink, fmt, classifier.labels, header, write_header=not done)
            last_flush = time.time()
            if done and sum(1 for _ in itertools.islice(rows, done)) < done:
                raise ScoreError(f"{partial} has more rows ({done}) than the input; delete it to start over")
            batch: list[InputRow] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    _flush_batch(classifier, batch, writer, summary, thresholds)
                    batch = []
                    if on_progress:
                        on_progress(source.tell(), total_bytes, summary.rows)
                    if time.time() - last_flush > _FLUSH_EVERY_S:
                        sink.flush()
                        last_flush = time.time()
            if batch:
                _flush_batch(classifier, batch, writer, summary, thresholds)
            sink.flush()
            os.fsync(sink.fileno())
    os.replace(partial, output_path)
    summary.seconds = time.time() - started
    if on_progress:
        on_progress(total_bytes, total_bytes, summary.rows)
    return summary


def _flush_batch(classifier, batch: list[InputRow], writer: _Writer, summary: ScoreSummary, thresholds) -> None:
    valid = [row for row in batch if row.error is None]
    results: dict[int, tuple[list[str], dict[str, float]]] = {}
    if valid:
        proba = classifier.predict_proba([row.text for row in valid])
        tags = classifier.tags(proba, thresholds)
        for row, p, t in zip(valid, proba, tags):
            results[id(row)] = (t, {label: round(float(x), 6) for label, x in zip(classifier.labels, p)})
    for row in batch:
        summary.rows += 1
        if row.error is not None:
            summary.failed += 1
            if len(summary.error_examples) < 5:
                summary.error_examples.append(row.error)
            writer.write(row, None, None)
        else:
            summary.scored += 1
            writer.write(row, *results[id(row)])


def _complete_documents(partial: Path, fmt: str) -> tuple[int, int]:
    """Cut a segment-mode partial output back to its complete documents; return (documents, error documents).

    A document's rows are consecutive: one error row, or statements numbered from 0. The last document
    may have been cut off by the kill (and its last line torn), so it is removed and scored again.
    """
    data = partial.read_bytes()
    text = data[: data.rfind(b"\n") + 1].decode("utf-8", errors="replace")
    if fmt == "jsonl":
        records = []
        for line in text.splitlines(keepends=True):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break
            records.append((record.get("error"), record.get("statement"), line))
        header = ""
    else:
        buffer = io.StringIO()
        table = list(csv.reader(io.StringIO(text, newline="")))
        if not table:
            partial.write_bytes(b"")
            return 0, 0
        writer = csv.writer(buffer)
        writer.writerow(table[0])
        header = buffer.getvalue()
        error_at, statement_at = table[0].index("error"), table[0].index("statement")
        records = []
        for cells in table[1:]:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(cells)
            padded = cells + [""] * (len(table[0]) - len(cells))
            records.append((padded[error_at] or None, padded[statement_at], buffer.getvalue()))
    starts = [i for i, (error, statement, _) in enumerate(records) if error or str(statement) == "0"]
    keep = records[: starts[-1]] if starts else []
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(header + "".join(line for _, _, line in keep))
    documents = sum(1 for i in starts if i < len(keep))
    failed = sum(1 for error, _, _ in keep if error)
    return documents, failed


def segment_file(
    classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_field: str = "text",
    id_field: str = "id",
    fmt: str | None = None,
    batch_size: int = 64,
    resume: bool = False,
    thresholds: dict[str, float] | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> ScoreSummary:
    """Treat each input row as an article: one output row per statement, atomically written.

    Output rows carry the document id (``id_field``, else the row number), ``statement`` (0-based index),
    the statement's ``text``, ``speaker``, ``kind``, ``start``/``end``, ``labels`` and scores. A row that
    cannot be read, or holds no statement, yields one row with ``error``. ``rows``/``scored``/``failed``
    count documents. With ``resume=True`` the documents complete in ``OUTPUT.partial`` are kept and the
    last one (possibly cut off by the kill) is scored again.
    """
    from tonlage.model.article import classify_article

    input_path, output_path = Path(input_path), Path(output_path)
    fmt = detect_format(input_path, fmt)
    if not input_path.is_file():
        raise ScoreError(f"Input file not found: {input_path}")
    if input_path.resolve() == output_path.resolve():
        raise ScoreError("The output must not be the input file")
    partial = output_path.with_name(output_path.name + PARTIAL_SUFFIX)
    done, done_failed = _complete_documents(partial, fmt) if resume and partial.exists() else (0, 0)
    summary = ScoreSummary(
        rows=done, scored=done - done_failed, failed=done_failed, resumed_from=done, output=str(output_path)
    )
    started = time.time()
    labels = classifier.labels
    total_bytes = input_path.stat().st_size
    statement_columns = ["statement", "text", "speaker", "kind", "start", "end", "labels"]
    with open(input_path, "rb") as source, open(partial, "a" if done else "w", encoding="utf-8", newline="") as sink:
        if fmt == "jsonl":
            rows = read_jsonl_rows(source, text_field)
        else:
            _, rows = read_csv_rows(source, text_field)
            columns = [id_field] + statement_columns + [f"score_{label}" for label in labels] + ["error"]
            writer = csv.DictWriter(sink, fieldnames=columns, extrasaction="ignore")
            if not done:
                writer.writeheader()
        if done and sum(1 for _ in itertools.islice(rows, done)) < done:
            raise ScoreError(f"{partial} has more documents ({done}) than the input; delete it to start over")
        for row in rows:
            summary.rows += 1
            doc_id = row.fields.get(id_field, row.number) if row.fields else row.number
            outputs: list[dict] = []
            error = row.error
            if error is None:
                for i, result in enumerate(classify_article(classifier, row.text, thresholds)):
                    outputs.append({id_field: doc_id, "statement": i, **result})
                if not outputs:
                    error = f"line {row.number}: field {text_field!r} holds no statement"
            if error is None:
                summary.scored += 1
            else:
                summary.failed += 1
                if len(summary.error_examples) < 5:
                    summary.error_examples.append(error)
                outputs.append({id_field: doc_id, "error": error})
            for out in outputs:
                if fmt == "jsonl":
                    sink.write(json.dumps(out, ensure_ascii=False) + "\n")
                else:
                    flat = {k: v for k, v in out.items() if k != "scores"}
                    if "labels" in flat:
                        flat["labels"] = "|".join(flat["labels"])
                    flat.update({f"score_{k}": f"{v:.6f}" for k, v in out.get("scores", {}).items()})
                    writer.writerow(flat)
            if on_progress and summary.rows % batch_size == 0:
                on_progress(source.tell(), total_bytes, summary.rows)
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(partial, output_path)
    summary.seconds = time.time() - started
    return summary
