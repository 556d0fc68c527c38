"""Render the statistics part of the data card and write it into a Markdown file.

The data card (e.g. training/data/README.md) is prose written by people plus one
generated block between `STATS_START` and `STATS_END`. `write_data_card`
rewrites only that block, so the prose around it is never touched.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from tonlage.model.errors import TonlageError
from tonlage.training.schema import LABELS
from tonlage.training.validate import LENGTH_BUCKETS, CheckReport

STATS_START = "<!-- stats:start -->"
STATS_END = "<!-- stats:end -->"


class DataCardError(TonlageError, ValueError):
    """The data card cannot be written (corpus has problems, or markers are broken)."""


def _cell(value: object) -> str:
    if value is None:
        return "–"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _counts_table(title: str, counts: dict[str, int]) -> str:
    return _table([title, "records"], [[f"`{name}`", n] for name, n in counts.items()])


def render_data_card(report: CheckReport) -> str:
    """Render a check report's statistics as Markdown tables.

    The output is deterministic (no dates), so re-running on unchanged data
    leaves the data card unchanged.

    Args:
        report: A report from `training.validate.check_files` without problems.

    Returns:
        Markdown (without the markers), ending in a newline.

    Raises:
        DataCardError: If the report has problems (and hence no statistics).
    """
    if not report.ok or report.stats is None:
        raise DataCardError(f"the corpus has {len(report.problems)} problem(s); fix them before writing the data card")
    s = report.stats
    columns = ["records", *LABELS, "none", "hard_negative", "multi_label", "episodes"]
    lengths = s["length_words"]
    near = s["near_duplicates"]
    episodes = s["episodes"]
    parts = [
        "### Files",
        f"Corpus SHA-256: `{s['corpus_sha256']}`",
        _table(
            ["split", "file", "records", "SHA-256"],
            [[f["split"], f"`{f['path']}`", f["records"], f"`{f['sha256'][:16]}…`"] for f in s["files"]],
        ),
        "### Records per split and label",
        _table(["split", *columns], [[name, *(row[c] for c in columns)] for name, row in s["splits"].items()]),
        "### Label co-occurrence",
        "Records carrying both labels (the diagonal is the label's count).",
        _table(["", *LABELS], [[a, *(s["cooccurrence"][a][b] for b in LABELS)] for a in LABELS]),
        "### Forms",
        _counts_table("form", s["forms"]),
        "### Actor types",
        _counts_table("actor_type", s["actor_types"]),
        "### Hard cases",
        _counts_table("hard_case", s["hard_cases"]),
        "### Actors and countries",
        _table(["distinct actors", "distinct countries"], [[s["actors"], s["countries"]]]),
        "### Length in words",
        _table(["min", "p10", "median", "p90", "max"], [[lengths[k] for k in ("min", "p10", "median", "p90", "max")]]),
        _table(
            ["words", *(name for name, _, _ in LENGTH_BUCKETS), "other"],
            [["records", *lengths["histogram"].values()]],
        ),
        "### Near-duplicates",
        "Character 5-gram Jaccard after lowercasing and whitespace folding, over all pairs of records. "
        "Pairs at or above 0.5 in different files are errors; within one file they are only counted.",
        _table(
            ["max Jaccard", "pairs ≥ 0.5", "pairs ≥ 0.3"],
            [[near["max_jaccard"], near["pairs_ge_0.5"], near["pairs_ge_0.3"]]],
        ),
        _table(["split", "within-file pairs ≥ 0.5"], [[k, v] for k, v in near["within_file_pairs_ge_0.5"].items()]),
        "### Episodes",
        _table(
            ["distinct episodes", "records without episode", "episodes in more than one split"],
            [[episodes["distinct"], episodes["records_without_episode"], episodes["straddling"]]],
        ),
    ]
    return "\n\n".join(parts) + "\n"


def replace_stats_block(document: str, block: str) -> str:
    """Put `block` between the stats markers of `document`.

    Args:
        document: The current Markdown file ("" for a new one).
        block: The generated Markdown.

    Returns:
        The document with the text between the markers replaced; when the
        document has no markers, the marked block is appended.

    Raises:
        DataCardError: If the markers are present but not exactly once each and
            in order.
    """
    starts, ends = document.count(STATS_START), document.count(STATS_END)
    marked = f"{STATS_START}\n{block.rstrip()}\n{STATS_END}"
    if starts == 0 and ends == 0:
        separator = "" if not document else ("\n" if document.endswith("\n") else "\n\n")
        return f"{document}{separator}{marked}\n"
    start, end = document.find(STATS_START), document.find(STATS_END)
    if starts != 1 or ends != 1 or end < start:
        raise DataCardError(f"expected one {STATS_START} followed by one {STATS_END} marker")
    return document[:start] + marked + document[end + len(STATS_END) :]


def write_data_card(report: CheckReport, out: str | PathLike[str]) -> Path:
    """Write the statistics block of the data card.

    Args:
        report: A report from `training.validate.check_files` without problems.
        out: The Markdown file; created (with parent folders) if missing.

    Returns:
        The path written.

    Raises:
        DataCardError: If the report has problems or the file's markers are broken.
    """
    path = Path(out)
    block = render_data_card(report)
    document = path.read_text(encoding="utf-8") if path.exists() else ""
    updated = replace_stats_block(document, block)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated, encoding="utf-8")
    return path


__all__ = ["STATS_END", "STATS_START", "DataCardError", "render_data_card", "replace_stats_block", "write_data_card"]
