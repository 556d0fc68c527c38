"""Scoring runs: every check that can fail before the model is needed, then the one streaming loop."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tonlage.model.scoring.parquet import (
    ParquetRowWriter,
    check_text_column,
    jsonl_arrow_types,
    output_schema,
    parquet_schema,
    read_parquet_rows,
)
from tonlage.model.scoring.partial import (
    RunFiles,
    RunLock,
    check_paths,
    check_sidecar,
    input_fingerprint,
    read_sidecar,
    scan_partial,
    write_sidecar,
)
from tonlage.model.scoring.readers import (
    InputRow,
    ScoreError,
    detect_format,
    format_from_extension,
    jsonl_keys,
    read_csv_rows,
    read_header,
    read_jsonl_rows,
)
from tonlage.model.scoring.writers import OutputNames, RowWriter, score_columns, segment_columns

logger = logging.getLogger(__name__)

_FLUSH_EVERY_S = 2.0
_LOG_EVERY_S = 10.0
DEFAULT_MAX_CHARS = 100_000
Progress = Callable[[int, int, int], None]


@dataclass
class ScoreOptions:
    """What shapes a run. ``fmt`` is the input format (by extension when ``None``); the output's is by OUTPUT's
    extension (``.jsonl``/``.csv``/``.tsv``/``.parquet``), else the input's. ``max_chars`` 0 means no cap."""

    text_field: str = "text"
    id_field: str = "id"
    fmt: str | None = None
    batch_size: int = 64
    resume: bool = False
    thresholds: dict[str, float] | None = None
    prefix: str = ""
    max_chars: int = DEFAULT_MAX_CHARS
    segment: bool = False


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

    def count(self, error: str | None) -> None:
        self.rows += 1
        if error is None:
            self.scored += 1
            return
        self.failed += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(error)


class ScoreJob:
    """A checked and locked run writing ``output_path``; use as a context manager, then :meth:`run`.

    Entering checks the paths, options, input header/fields and any partial file to resume, and takes
    the lock, all before a model is needed; leaving releases the lock.

    Args:
        input_path: JSONL, CSV, TSV or Parquet file.
        output_path: Where the scored file goes; written atomically.
        labels: The model's labels (CSV/TSV score columns, clash checks).
        options: What shapes the run.

    Raises:
        ScoreError: On entering, naming what is wrong.
    """

    def __init__(self, input_path: str | Path, output_path: str | Path, labels: list[str], options: ScoreOptions):
        self.input = Path(input_path)
        self.files = RunFiles(Path(output_path))
        self.labels = list(labels)
        self.options = options
        self.names = OutputNames(options.prefix)
        self.lock = RunLock(self.files)
        self.columns: list[str] | None = None
        self.keep = self.done = self.done_failed = 0
        self.record: dict = {}

    def __enter__(self) -> ScoreJob:
        options = self.options
        check_paths(self.input, self.files)
        if options.batch_size < 1:
            raise ScoreError(f"--batch-size must be at least 1, got {options.batch_size}")
        if options.max_chars < 0:
            raise ScoreError(f"--max-chars must be 0 (no cap) or more, got {options.max_chars}")
        unknown = sorted(set(options.thresholds or {}) - set(self.labels))
        if unknown:
            raise ScoreError(f"Unknown label in thresholds: {', '.join(unknown)} (labels: {', '.join(self.labels)})")
        self.in_fmt = detect_format(self.input, options.fmt)
        self.out_fmt = format_from_extension(self.files.output) or self.in_fmt
        self._check_input()
        self.lock.acquire()
        try:
            self._plan_resume()
        except BaseException:
            self.lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()

    def _check_input(self) -> None:
        """Read the header (CSV/TSV) or every key (JSONL) and refuse names the run would overwrite."""
        options = self.options
        _check_encoding(self.input)
        if self.in_fmt == "jsonl":
            fields = [] if options.segment else jsonl_keys(self.input)
        elif self.in_fmt == "parquet":
            schema = parquet_schema(self.input)
            check_text_column(schema, options.text_field, self.input)
            fields = schema.names
        else:
            with open(self.input, "rb") as handle:
                fields = read_header(handle, self.in_fmt)
            if options.text_field not in fields:
                raise ScoreError(
                    f"The {self.in_fmt.upper()} header has no column '{options.text_field}' "
                    f"(columns: {', '.join(fields)}); use --text-field"
                )
        if options.segment:
            fields = [options.id_field]
            taken = ["statement", "text", "speaker", "kind", "start", "end", *self.names.added(self.out_fmt, self.labels)]
            if options.id_field in taken:
                raise ScoreError(f"--id-field {options.id_field!r} is also an output field of --segment; pick another name")
            self.columns = segment_columns(options.id_field, self.names, self.labels)
        else:
            clash = [name for name in self.names.added(self.out_fmt, self.labels) if name in fields]
            if clash:
                raise ScoreError(
                    f"The input already has a field {clash[0]!r}, which the output would overwrite; "
                    f"pass --prefix (e.g. --prefix pred_) to write {'pred_' + self.names.added(self.out_fmt, self.labels)[0]!r} etc."
                )
            self.columns = score_columns(fields, self.names, self.labels)
        self.record = {
            **input_fingerprint(self.input),
            "text_field": options.text_field,
            "id_field": options.id_field if options.segment else None,
            "segment": options.segment,
            "prefix": options.prefix,
            "input_format": self.in_fmt,
            "output_format": self.out_fmt,
            "thresholds": dict(sorted((options.thresholds or {}).items())),
            "max_chars": options.max_chars,
        }

    def _plan_resume(self) -> None:
        partial = self.files.partial
        if not (self.options.resume and partial.exists()):
            return
        if self.out_fmt == "parquet":
            raise ScoreError(
                f"Cannot resume {partial.name}: a Parquet file is unreadable until its footer is written, so a killed "
                "Parquet run starts over (run without --resume), or write .jsonl/.csv/.tsv, which resume"
            )
        recorded = read_sidecar(self.files)
        check_sidecar(self.files, recorded, self.record)
        columns = None if self.out_fmt == "jsonl" else self.columns
        self.keep, self.done, self.done_failed = scan_partial(partial, self.out_fmt, columns, self.names.error, self.options.segment)
        self.record["model"] = recorded.get("model")

    def run(self, classifier, on_progress: Progress | None = None) -> ScoreSummary:
        """Score the input with ``classifier`` and rename the finished partial file to OUTPUT.

        Raises:
            ScoreError: The partial file to resume was made with another model, or has more rows than the input.
        """
        model = getattr(classifier, "source", None)
        model = model if isinstance(model, str) else None
        if self.keep and self.record.get("model") != model:
            check_sidecar(self.files, {"model": self.record.get("model")}, {"model": model})
        self.record["model"] = model
        if not self.keep:
            write_sidecar(self.files, self.record)
        started = time.time()
        summary = ScoreSummary(
            rows=self.done, scored=self.done - self.done_failed, failed=self.done_failed,
            resumed_from=self.done, output=str(self.files.output),
        )
        units = segment_units if self.options.segment else score_units
        with open(self.input, "rb") as source:
            rows = self._rows(source)
            if self.done and sum(1 for _ in itertools.islice(rows, self.done)) < self.done:
                raise ScoreError(f"{self.files.partial} has more rows ({self.done}) than the input; delete it to start over")
            if self.keep:
                with open(self.files.partial, "r+b") as handle:
                    handle.truncate(self.keep)
            total = os.fstat(source.fileno()).st_size
            with self._sink() as (writer, flush):
                last_flush = time.time()
                for error, outputs in units(classifier, rows, self):
                    for out in outputs:
                        writer.write(out)
                    summary.count(error)
                    if on_progress:
                        on_progress(source.tell(), total, summary.rows)
                    if time.time() - last_flush > _FLUSH_EVERY_S:
                        flush()
                        last_flush = time.time()
        os.replace(self.files.partial, self.files.output)
        self.files.sidecar.unlink(missing_ok=True)
        summary.seconds = time.time() - started
        if on_progress:
            on_progress(total, total, summary.rows)
        return summary

    @contextlib.contextmanager
    def _sink(self) -> Iterator[tuple]:
        """``(writer, flush)`` on the partial file, flushed and fsynced when the loop ends without an error."""
        if self.out_fmt == "parquet":
            writer = ParquetRowWriter(self.files.partial, self._parquet_schema(), self.names)
            try:
                yield writer, lambda: None  # a row group is written every ROW_GROUP_ROWS rows
            except BaseException:
                writer.writer.close()
                raise
            writer.close()
            with open(self.files.partial, "rb") as handle:
                os.fsync(handle.fileno())
            return
        with open(self.files.partial, "a" if self.keep else "w", encoding="utf-8", newline="") as sink:
            yield RowWriter(sink, self.out_fmt, self.names, self.columns, write_header=not self.keep), sink.flush
            sink.flush()
            os.fsync(sink.fileno())

    def _parquet_schema(self):
        """The output schema: the input's column types (Parquet), strings (CSV/TSV) or those every JSONL row fits."""
        import pyarrow as pa

        options = self.options
        if options.segment:
            types = {}
        elif self.in_fmt == "parquet":
            types = {f.name: f.type for f in parquet_schema(self.input)}
        elif self.in_fmt == "jsonl":
            types = jsonl_arrow_types(self.input)
        else:
            added = set(self.names.added(self.out_fmt, self.labels))
            types = {name: pa.string() for name in self.columns or [] if name not in added}
        return output_schema(types, self.names, self.labels, options.segment, options.id_field)

    def _rows(self, source) -> Iterator[InputRow]:
        cap = self.options.max_chars or None
        if self.in_fmt == "parquet":
            return read_parquet_rows(source, self.options.text_field, cap)
        if self.in_fmt == "jsonl":
            return read_jsonl_rows(source, self.options.text_field, cap)
        return read_csv_rows(source, self.options.text_field, fmt=self.in_fmt, max_chars=cap)[1]


def _check_encoding(path: Path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScoreError(f"{path} is UTF-16 text; save it as UTF-8")


def score_units(classifier, rows: Iterator[InputRow], job) -> Iterator[tuple[str | None, list[dict]]]:
    """(error, [output row]) per input row, scored in batches of ``batch_size``.

    ``job`` needs ``names``, ``options`` and ``done`` (rows already in a resumed partial); the Ray backend
    passes its own plan so both engines build every output row the same way.
    """
    names, thresholds, size = job.names, job.options.thresholds, job.options.batch_size
    # A resumed run cuts its batches where an uninterrupted one would: padding, so the last digits, stay the same.
    first = size - job.done % size
    while batch := list(itertools.islice(rows, first or size)):
        first = 0
        valid = [row for row in batch if row.error is None]
        results = dict(zip(map(id, valid), _predict(classifier, [str(row.text) for row in valid], thresholds))) if valid else {}
        for row in batch:
            out = dict(row.fields) if row.fields else {"line": row.line}
            error = row.error
            if error is None and isinstance(results[id(row)], str):
                error = f"line {row.line}: {results[id(row)]}"
            if error is None:
                out[names.labels], out[names.scores] = results[id(row)]
            else:
                out[names.error] = error
            yield error, [out]


def _predict(classifier, texts: list[str], thresholds) -> list:
    """(labels, scores) per text; a text the model refuses gets the reason instead (the rest still scored)."""
    from tonlage.model.errors import TonlageError

    try:
        proba = classifier.predict_proba(texts)
        tags = classifier.tags(proba, thresholds)
    except TonlageError as exc:
        if len(texts) == 1:
            return [str(exc)]
        return [item for text in texts for item in _predict(classifier, [text], thresholds)]
    return [(t, {label: round(float(x), 6) for label, x in zip(classifier.labels, p)}) for p, t in zip(proba, tags)]


def segment_units(classifier, rows: Iterator[InputRow], job) -> Iterator[tuple[str | None, list[dict]]]:
    """(error, output rows) per document: one row per statement, or one error row."""
    from tonlage.model.article import classify_texts
    from tonlage.model.segmentation import segment

    names, options = job.names, job.options
    for row in rows:
        doc_id = row.fields.get(options.id_field, row.number) if row.fields else row.number
        error, outputs = row.error, []
        if error is None:
            statements = segment(str(row.text))
            if not statements:
                error = f"line {row.line}: field {options.text_field!r} holds no statement"
            last_log = time.time()
            for start in range(0, len(statements), options.batch_size):
                chunk = statements[start : start + options.batch_size]
                for i, (statement, result) in enumerate(
                    zip(chunk, classify_texts(classifier, [s.text for s in chunk], options.thresholds)), start
                ):
                    outputs.append({
                        options.id_field: doc_id, "statement": i, "text": result["text"],
                        names.labels: result["labels"], names.scores: result["scores"],
                        "speaker": statement.speaker, "kind": statement.kind, "start": statement.start, "end": statement.end,
                    })
                if time.time() - last_log > _LOG_EVERY_S:
                    logger.info("line %d: %d of %d statements scored", row.line, len(outputs), len(statements))
                    last_log = time.time()
        if error is not None:
            outputs = [{options.id_field: doc_id, names.error: error}]
        yield error, outputs
