"""Scoring corpora larger than one machine on Ray Data, with the local path's zero-loss contract.

Every input row yields one output row (with ``--segment``: one per statement) or one error row; rows are
validated by the local readers' own functions and scored by the local path's own unit builders, so the
two engines write the same labels and scores. The model is loaded once per actor of an actor pool; an
actor that dies is restarted and its batch retried by Ray. Output is a folder of Parquet or JSONL shards
plus ``_SUMMARY.json``, written last; only shards the run finished are kept (a retried write's leftovers
are removed), and a folder that already holds anything is refused, so two runs never mix.

Ray is an optional extra (``pip install -e ".[ray]"``), imported only here; only the CLI imports this module.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tonlage.model.scoring import DEFAULT_MAX_CHARS, OutputNames, ScoreError, ScoreOptions
from tonlage.model.scoring.parquet import check_text_column, converters, flat_row, output_schema, parquet_schema
from tonlage.model.scoring.readers import (
    InputRow,
    checked_text,
    format_from_extension,
    read_csv_rows,
    read_header,
    read_jsonl_rows,
)
from tonlage.model.scoring.run import score_units, segment_units

logger = logging.getLogger(__name__)

SUMMARY = "_SUMMARY.json"
SHARD_FORMATS = ("parquet", "jsonl")
INSTALL_HINT = 'pip install -e ".[ray]" (or pip install "tonlage[ray]")'
CRASH_ENV = "TONLAGE_RAY_TEST_CRASH"  # test hook: "N:MARKER" makes one actor os._exit() after N rows, once
_JSON, _FAILED, _DOC = "_json", "_failed", "_doc"


def require_ray():
    """The ``ray`` module, or a ScoreError telling how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ScoreError(f"--engine ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


@dataclass
class _Plan:
    """What the unit builders of the local path read from a job: names, options, rows already done."""

    names: OutputNames
    options: ScoreOptions
    done: int = 0


@dataclass
class Corpus:
    """The input files of a run, their format, and (Parquet shards) the schema of the output."""

    files: list[str]
    fmt: str
    columns: dict = field(default_factory=dict)
    row_groups: list[tuple[str, int]] = field(default_factory=list)


def list_corpus(paths: list[str | Path], fmt: str | None, text_field: str, segment: bool = False) -> Corpus:
    """The files under ``paths`` (files or folders, all one format), checked before Ray starts.

    Raises:
        ScoreError: A path is missing, a folder holds no corpus file, formats are mixed, or a header/schema
            lacks ``text_field``.
    """
    import pyarrow as pa

    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")) and format_from_extension(p))
            if not found:
                raise ScoreError(f"The folder {path} holds no .jsonl, .csv, .tsv or .parquet file")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ScoreError(f"Input file not found: {path}")
    kinds = {fmt or format_from_extension(p) for p in files}
    if None in kinds:
        raise ScoreError(f"Cannot tell the format of {next(p for p in files if not format_from_extension(p))}; pass --format")
    if len(kinds) > 1:
        raise ScoreError(f"The input mixes formats ({', '.join(sorted(map(str, kinds)))}); score one format per run")
    kind = str(kinds.pop())
    import pyarrow.parquet as pq

    columns: dict = {}
    row_groups = []
    for path in files:
        if kind == "parquet":
            schema = parquet_schema(path)
            check_text_column(schema, text_field, path)
            columns.update({f.name: f.type for f in schema if f.name not in columns})
            row_groups.append((str(path.resolve()), pq.ParquetFile(path).metadata.num_row_groups))
        elif kind in ("csv", "tsv"):
            with open(path, "rb") as handle:
                header = read_header(handle, kind)
            if text_field not in header:
                raise ScoreError(f"The {kind.upper()} header of {path} has no column '{text_field}' (columns: {', '.join(header)})")
            columns.update({name: pa.string() for name in header if name not in columns})
    return Corpus([str(p.resolve()) for p in files], kind, {} if segment else columns, row_groups)


def _read_row_groups(batch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.ParquetFile(path).read_row_group(group) for path, group in zip(batch["path"].to_pylist(), batch["row_group"].to_pylist())]
    return pa.concat_tables(tables, promote_options="default")


def _file_rows(row: dict, *, fmt: str, text_field: str, max_chars: int | None) -> list[dict]:
    """The validated rows of one JSONL/CSV/TSV file, by the local readers: fields as JSON, text or error."""
    name = Path(row["path"]).name
    handle = io.BytesIO(row["bytes"])
    if fmt == "jsonl":
        rows = read_jsonl_rows(handle, text_field, max_chars)
    else:
        rows = read_csv_rows(handle, text_field, fmt=fmt, max_chars=max_chars)[1]
    return [
        {"_fields": json.dumps(r.fields, ensure_ascii=False), "_text": r.text, "_error": f"{name}: {r.error}" if r.error else None,
         "_line": r.line, "_number": r.number}
        for r in rows
    ]


class Scorer:
    """One actor of the pool: loads the model once, turns each batch into finished output rows.

    Args:
        model: Artifact folder (``None``: the shipped model).
        plan: Names and options, as the local path's.
        shard_format: ``parquet`` or ``jsonl``.
        columns: Input column types (Parquet shards).
        base_dir: Base model folder (``None``: the cache).
        precision: Inference precision.
        threads: Torch threads (the actor's CPUs).
        crash: Test hook: ``(rows, marker)`` makes this process exit after ``rows`` rows, once per marker.
    """

    def __init__(self, model, plan: _Plan, shard_format: str, columns: dict, base_dir=None, precision="bf16", threads=1, crash=None):
        from tonlage.model.classifier import Classifier

        self.classifier = Classifier.from_dir(model, base_dir=base_dir, precision=precision, num_threads=threads)
        self.plan, self.shard_format, self.crash, self.seen = plan, shard_format, crash, 0
        labels = list(self.classifier.labels)
        options = plan.options
        self.schema = output_schema(columns, plan.names, labels, options.segment, options.id_field)
        self.convert = converters(self.schema)

    def __call__(self, batch):
        import pyarrow as pa

        rows = self._input_rows(batch)
        units = segment_units if self.plan.options.segment else score_units
        outputs, failed, doc = [], [], []
        for error, outs in units(self.classifier, iter(rows), self.plan):
            outputs += outs
            failed += [error is not None] * len(outs)
            doc += [True] + [False] * (len(outs) - 1)
        self._maybe_crash(len(rows))
        if self.shard_format == "jsonl":
            table = pa.table({_JSON: [json.dumps(o, ensure_ascii=False, default=str) for o in outputs]})
        else:
            table = pa.Table.from_pylist([flat_row(o, self.plan.names, self.convert) for o in outputs], schema=self.schema)
        return table.append_column(_FAILED, pa.array(failed, pa.bool_())).append_column(_DOC, pa.array(doc, pa.bool_()))

    def _input_rows(self, batch) -> list[InputRow]:
        options = self.plan.options
        if "_fields" in batch.column_names:  # JSONL/CSV, validated while reading
            return [
                InputRow(r["_number"], json.loads(r["_fields"]), r["_text"], r["_error"], r["_line"]) for r in batch.to_pylist()
            ]
        rows = []
        for fields in batch.to_pylist():  # Parquet: the local reader's check, row by row
            text, problem = checked_text(fields, options.text_field, options.max_chars or None)
            rows.append(InputRow(0, fields, text, problem))
        return rows

    def _maybe_crash(self, rows: int) -> None:
        self.seen += rows
        if self.crash and self.seen >= self.crash[0] and not os.path.exists(self.crash[1]):
            Path(self.crash[1]).touch()
            os._exit(1)


def score_dataset(
    ds,
    *,
    model: str | Path | None = None,
    labels: list[str] | None = None,
    columns: dict | None = None,
    shard_format: str = "parquet",
    text_field: str = "text",
    id_field: str = "id",
    thresholds: dict[str, float] | None = None,
    prefix: str = "",
    max_chars: int = DEFAULT_MAX_CHARS,
    segment: bool = False,
    batch_size: int = 64,
    workers: int = 2,
    cpus_per_worker: float = 1,
    base_dir: str | Path | None = None,
    precision: str = "bf16",
):
    """Score a Ray Dataset: one output row per input row (``segment``: per statement), or an error row.

    Args:
        ds: A ``ray.data.Dataset`` of Parquet-like rows (``text_field`` a string column), or the output of
            :func:`read_corpus` (JSONL/CSV rows validated while reading).
        model: Artifact folder; ``None`` for the model shipped with Tonlage.
        labels: The model's labels (default: read from the artifact).
        columns: Input column name -> Arrow type for Parquet shards (default: from ``ds.schema()``).
        shard_format: ``parquet`` (typed columns, ``labels`` as list<string>, ``score_<label>`` floats) or
            ``jsonl`` (one column ``_json`` holding the output line, as the local JSONL writer writes it).
        text_field, id_field, thresholds, prefix, max_chars, segment: As for :func:`tonlage.model.scoring.score_file`.
        batch_size: Rows per model call (and per actor batch).
        workers: Actors in the pool, each holding one model.
        cpus_per_worker: CPUs reserved per actor (also its torch threads).
        base_dir: Base model folder; ``None`` for the cache.
        precision: ``bf16``, ``int8`` or ``fp32``.

    Returns:
        A lazy ``ray.data.Dataset`` of output rows, plus the bool columns ``_failed`` (an error row) and
        ``_doc`` (the first row of an input row) that :func:`write_shards` counts and drops.
    """
    from tonlage.model.artifact import DEFAULT_ARTIFACT, read_config

    require_ray()
    if shard_format not in SHARD_FORMATS:
        raise ScoreError(f"--shard-format must be parquet or jsonl, got {shard_format!r}")
    if batch_size < 1 or workers < 1 or cpus_per_worker <= 0:
        raise ScoreError("--batch-size and --workers must be at least 1, --cpus-per-worker above 0")
    labels = labels or list(read_config(model if model is not None else DEFAULT_ARTIFACT).labels)
    options = ScoreOptions(text_field=text_field, id_field=id_field, thresholds=thresholds, prefix=prefix,
                           max_chars=max_chars, segment=segment, batch_size=batch_size)
    names = OutputNames(prefix)
    if columns is None:
        schema = ds.schema()
        columns = {} if segment or schema is None else dict(zip(schema.names, schema.base_schema.types))
    clash = [n for n in names.added(shard_format, labels) if n in columns]
    if clash:
        raise ScoreError(f"The input already has a column {clash[0]!r}, which the output would overwrite; pass --prefix pred_")
    crash = os.environ.get(CRASH_ENV)
    kwargs = {
        "model": str(model) if model is not None else None, "plan": _Plan(names, options), "shard_format": shard_format,
        # The driver's TONLAGE_BASE_DIR travels to the actors, which a running Ray started without it.
        "columns": columns, "base_dir": str(base_dir or os.environ.get("TONLAGE_BASE_DIR") or "") or None, "precision": precision,
        "threads": max(1, int(cpus_per_worker)), "crash": (int(crash.split(":", 1)[0]), crash.split(":", 1)[1]) if crash else None,
    }
    return ds.map_batches(
        Scorer, fn_constructor_kwargs=kwargs, batch_size=batch_size, batch_format="pyarrow", concurrency=workers,
        num_cpus=cpus_per_worker, max_restarts=-1, max_task_retries=-1,
    )


def read_corpus(corpus: Corpus, text_field: str = "text", max_chars: int = DEFAULT_MAX_CHARS):
    """A Ray Dataset of the corpus: Parquet as it is, JSONL/CSV/TSV validated row by row by the local readers."""
    ray = require_ray()
    if corpus.fmt == "parquet":  # one read task per row group: parallel within a file, memory bounded by a row group
        pieces = [{"path": path, "row_group": group} for path, groups in corpus.row_groups for group in range(groups)]
        items = ray.data.from_items(pieces, override_num_blocks=max(1, len(pieces)))
        return items.map_batches(_read_row_groups, batch_size=1, batch_format="pyarrow")
    files = ray.data.read_binary_files(corpus.files, include_paths=True)
    return files.flat_map(_file_rows, fn_kwargs={"fmt": corpus.fmt, "text_field": text_field, "max_chars": max_chars or None})


def shard_sink(folder: Path, shard_format: str):
    """A Ray Datasink writing each block as one shard file (temporary name, then rename), counting its rows.

    After the write, its ``written`` lists the shards of the write tasks that finished; a shard left by an
    attempt that died after its rename is not among them, and :func:`score_corpus` removes it.
    """
    from ray.data import Datasink

    class ShardSink(Datasink):
        def __init__(self):
            self.written: list[dict] = []

        def write(self, blocks, ctx):
            return [_write_shard(block, folder, shard_format, f"{ctx.task_idx:06d}-{i:03d}") for i, block in enumerate(blocks)]

        def on_write_complete(self, write_result):
            self.written = [shard for shards in write_result.write_returns for shard in shards if shard]

    return ShardSink()


def _write_shard(block, folder: Path, shard_format: str, key: str) -> dict | None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from ray.data.block import BlockAccessor

    table = BlockAccessor.for_block(block).to_arrow()
    if not table.num_rows:
        return None
    name = f"part-{key}-{uuid.uuid4().hex[:8]}.{shard_format}"
    temporary = folder / f".{name}.tmp"
    failed = pc.sum(table[_FAILED].cast(pa.int64())).as_py() or 0
    inputs = pc.sum(table[_DOC].cast(pa.int64())).as_py() or 0
    body = table.drop_columns([_FAILED, _DOC])
    if shard_format == "parquet":
        pq.write_table(body, temporary)
    else:
        temporary.write_text("".join(line + "\n" for line in body[_JSON].to_pylist()), encoding="utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, folder / name)
    return {"file": name, "rows": table.num_rows, "failed": failed, "inputs": inputs}


def check_output_folder(output: Path) -> None:
    """Refuse an output folder that already holds anything: a finished run, or the shards of an interrupted one."""
    if output.exists() and not output.is_dir():
        raise ScoreError(f"--engine ray writes a folder of shards; {output} is a file")
    if not output.parent.is_dir():
        raise ScoreError(f"The output folder's parent {output.parent} does not exist")
    if output.is_dir() and any(output.iterdir()):
        state = "a finished run (it has _SUMMARY.json)" if (output / SUMMARY).exists() else "the shards of an interrupted run"
        raise ScoreError(f"The output folder {output} already holds {state}; remove it or choose another -o (a run never mixes shards)")


def init_ray(address: str | None, num_cpus: int | None):
    """Connect to ``address`` (``ray://host:10001`` or ``auto``), or start Ray on this machine with ``num_cpus``."""
    ray = require_ray()
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    return ray


def score_corpus(inputs: list[str | Path], output: str | Path, *, fmt: str | None = None, shard_format: str | None = None,
                 preserve_order: bool = False, **options) -> dict:
    """Score files or folders into a folder of shards plus ``_SUMMARY.json``, on the Ray instance already started.

    Args:
        inputs: JSONL, CSV, TSV or Parquet files, or folders of them (one format).
        output: The shard folder; refused when it exists and is not empty.
        fmt: The input format (default: from the extensions).
        shard_format: ``parquet`` or ``jsonl`` (default: jsonl for JSONL input, else parquet).
        preserve_order: Shards, read in name order, hold the rows in input order (slower).
        **options: As for :func:`score_dataset`.

    Returns:
        The summary written to ``_SUMMARY.json``: rows, scored, failed (input rows; with ``segment``,
        articles), output_rows, seconds and one entry per shard.
    """
    import ray.data

    output = Path(output)
    check_output_folder(output)
    text_field, segment = options.get("text_field", "text"), options.get("segment", False)
    corpus = list_corpus(inputs, fmt, text_field, segment)
    shard_format = shard_format or ("jsonl" if corpus.fmt == "jsonl" else "parquet")
    if corpus.fmt == "jsonl" and shard_format == "parquet" and not segment:
        raise ScoreError("Parquet shards need the input's columns up front, which JSONL does not declare; use --shard-format jsonl")
    started = time.time()
    ray.data.DataContext.get_current().execution_options.preserve_order = preserve_order
    output.mkdir(exist_ok=True)
    sink = shard_sink(output, shard_format)
    ds = read_corpus(corpus, text_field, options.get("max_chars", DEFAULT_MAX_CHARS))
    score_dataset(ds, columns=corpus.columns, shard_format=shard_format, **options).write_datasink(sink)
    shards = sorted(sink.written, key=lambda shard: shard["file"])
    kept = {shard["file"] for shard in shards}
    for path in output.iterdir():
        if path.name not in kept:  # a retried write task's leftovers: that block is in another shard
            logger.warning("removing %s, written by a write attempt that did not finish", path.name)
            path.unlink()
    rows, failed = sum(s["inputs"] for s in shards), sum(s["failed"] for s in shards)
    summary = {
        "rows": rows, "scored": rows - failed, "failed": failed, "output_rows": sum(s["rows"] for s in shards),
        "seconds": round(time.time() - started, 3), "input_format": corpus.fmt, "shard_format": shard_format,
        "inputs": corpus.files, "shards": shards,
    }
    temporary = output / f".{SUMMARY}.tmp"
    temporary.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, output / SUMMARY)
    return summary
