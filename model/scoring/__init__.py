"""Batch scoring of JSONL/CSV/TSV/Parquet corpora: streaming, one output row per input row, atomic, locked and resumable.

Every input row yields exactly one output row, in input order: the input fields plus ``labels`` and
``scores`` (CSV/TSV: ``labels`` joined by ``|`` and one ``score_<label>`` column each; Parquet: ``labels`` as
``list<string>`` and one float ``score_<label>`` column each), or the input fields
plus ``error`` when the row cannot be scored. An input that already has one of these fields is refused
unless ``prefix`` renames the added ones (``pred_labels``, ...). Output goes to ``OUTPUT.partial`` and is
renamed to ``OUTPUT`` when the run finishes; ``resume=True`` continues a ``.partial`` file left by a killed
run when ``OUTPUT.partial.json`` shows it was made from the same input and options (not a Parquet OUTPUT,
which is unreadable until its footer is written). ``OUTPUT.lock`` keeps
a second run from writing the same OUTPUT.
"""

from __future__ import annotations

from pathlib import Path

from tonlage.model.scoring.partial import LOCK_SUFFIX, PARTIAL_SUFFIX, SIDECAR_SUFFIX, RunFiles
from tonlage.model.scoring.readers import FORMATS, InputRow, ScoreError, detect_format, read_csv_rows, read_jsonl_rows
from tonlage.model.scoring.run import DEFAULT_MAX_CHARS, Progress, ScoreJob, ScoreOptions, ScoreSummary
from tonlage.model.scoring.writers import OutputNames, RowWriter

__all__ = [
    "DEFAULT_MAX_CHARS", "FORMATS", "LOCK_SUFFIX", "PARTIAL_SUFFIX", "SIDECAR_SUFFIX", "InputRow", "OutputNames",
    "RowWriter", "RunFiles", "ScoreError", "ScoreJob", "ScoreOptions", "ScoreSummary", "detect_format",
    "read_csv_rows", "read_jsonl_rows", "score_file", "segment_file",
]


def score_file(
    classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    on_progress: Progress | None = None,
    **options,
) -> ScoreSummary:
    """Score every row of ``input_path`` into ``output_path``.

    Args:
        classifier: A :class:`model.classifier.Classifier` (anything with ``labels``, ``predict_proba``, ``tags``).
        input_path: JSONL, CSV, TSV or Parquet file.
        output_path: Where the scored file goes (format by its extension, else the input's); written atomically.
        on_progress: Called as ``(bytes_read, total_bytes, rows_done)`` after each row.
        **options: Fields of :class:`ScoreOptions`: ``text_field``, ``fmt``, ``batch_size``, ``resume``,
            ``thresholds``, ``prefix``, ``max_chars``.

    Returns:
        Counts of rows, scored rows and failed rows.

    Raises:
        ScoreError: The input cannot be read, the output cannot be written, or the options are invalid.
    """
    with ScoreJob(input_path, output_path, classifier.labels, ScoreOptions(**options)) as job:
        return job.run(classifier, on_progress)


def segment_file(
    classifier,
    input_path: str | Path,
    output_path: str | Path,
    *,
    on_progress: Progress | None = None,
    **options,
) -> ScoreSummary:
    """Treat each input row as an article: one output row per statement, atomically written.

    Output rows carry the document id (``id_field``, else the row number), ``statement`` (0-based index),
    the statement's ``text``, ``labels`` and ``scores``, ``speaker``, ``kind`` and ``start``/``end``. A row
    that cannot be read, or holds no statement, yields one row with ``error``. ``rows``/``scored``/``failed``
    count documents. With ``resume=True`` the documents complete in ``OUTPUT.partial`` are kept and the
    last one (possibly cut off by the kill) is scored again. Options as for :func:`score_file`, plus ``id_field``;
    ``batch_size`` is statements per model call.
    """
    with ScoreJob(input_path, output_path, classifier.labels, ScoreOptions(segment=True, **options)) as job:
        return job.run(classifier, on_progress)
