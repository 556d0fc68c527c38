"""Render the statistics part of the data card and write it into a Markdown file.

The data card (e.g. training/data/README.md) is prose written by people plus one
generated block between `STATS_START` and `STATS_END`. `write_data_card`
rewrites only that block, so the prose around it is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from tonlage.model.errors import TonlageError
from tonlage.training.markdown import markdown_table
from tonlage.training.schema import LABELS
from tonlage.training.validate import CheckReport

STATS_START = "<!-- stats:start -->"
STATS_END = "<!-- stats:end -->"
SPLIT_COLUMNS = ("records", *LABELS, "none", "hard_negative", "multi_label", "episodes")


class DataCardError(TonlageError, ValueError):
    """The data card cannot be written (corpus has problems, markers are broken, the path is a folder)."""


class Code(str):
    """A cell or note that names a file, hash or schema value: Markdown shows it as code, a terminal as plain text."""


@dataclass(frozen=True)
class StatsTable:
    """One table of the corpus statistics: column titles and rows of cells (``None`` shows as a dash)."""

    header: list[str]
    rows: list[list[object]]


@dataclass(frozen=True)
class StatsSection:
    """A titled part of the corpus statistics.

    Attributes:
        title: The section heading.
        tables: Its tables, in order.
        note: A sentence shown above the tables (may hold ``Code`` parts).
        details: Lines for the terminal only (e.g. which lines are near-duplicates); the data card, a
            committed document, stays a summary.
    """

    title: str
    tables: list[StatsTable]
    note: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def _counts(title: str, counts: dict[str, int]) -> StatsTable:
    return StatsTable([title, "records"], [[Code(name), n] for name, n in counts.items()])


def stats_sections(stats: dict) -> list[StatsSection]:
    """Lay out corpus statistics (from `training.validate.compute_stats`) as titled tables.

    The one view of the statistics that both `tonlage data check` (rich tables) and the data card
    (Markdown) render; neither computes a figure of its own.

    Args:
        stats: `CheckReport.stats` of a report without problems.

    Returns:
        The sections in display order.
    """
    lengths, near, episodes = stats["length_words"], stats["near_duplicates"], stats["episodes"]
    return [
        StatsSection("Files", [StatsTable(
            ["split", "file", "records", "SHA-256"],
            [[f["split"], Code(f["path"]), f["records"], Code(f"{f['sha256'][:16]}…")] for f in stats["files"]],
        )], note=["Corpus SHA-256: ", Code(stats["corpus_sha256"])]),
        StatsSection("Records per split and label", [StatsTable(
            ["split", *SPLIT_COLUMNS], [[name, *(row[c] for c in SPLIT_COLUMNS)] for name, row in stats["splits"].items()]
        )]),
        StatsSection("Label co-occurrence", [StatsTable(
            ["", *LABELS], [[a, *(stats["cooccurrence"][a][b] for b in LABELS)] for a in LABELS]
        )], note=["Records carrying both labels (the diagonal is the label's count)."]),
        StatsSection("Forms", [_counts("form", stats["forms"])]),
        StatsSection("Actor types", [_counts("actor_type", stats["actor_types"])]),
        StatsSection("Hard cases", [_counts("hard_case", stats["hard_cases"])]),
        StatsSection("Actors and countries", [StatsTable(["distinct actors", "distinct countries"], [[stats["actors"], stats["countries"]]])]),
        StatsSection("Length in words", [
            StatsTable(["min", "p10", "median", "p90", "max"], [[lengths[k] for k in ("min", "p10", "median", "p90", "max")]]),
            StatsTable(["words", *lengths["histogram"]], [["records", *lengths["histogram"].values()]]),
        ]),
        StatsSection("Near-duplicates", [
            StatsTable(["max Jaccard", "pairs ≥ 0.5", "pairs ≥ 0.3"], [[near["max_jaccard"], near["pairs_ge_0.5"], near["pairs_ge_0.3"]]]),
            StatsTable(["split", "within-file pairs ≥ 0.5"], [[k, v] for k, v in near["within_file_pairs_ge_0.5"].items()]),
        ], note=["Character 5-gram Jaccard after lowercasing and whitespace folding, over all pairs of records. "
                 "Pairs at or above 0.5 in different files are errors; within one file they are only counted."],
           details=[f"within-file near-duplicate: {p['a']} ~ {p['b']} (Jaccard {p['jaccard']})" for p in near["top_within_file"]]),
        StatsSection("Episodes", [StatsTable(
            ["distinct episodes", "records without episode", "episodes in more than one split"],
            [[episodes["distinct"], episodes["records_without_episode"], episodes["straddling"]]],
        )]),
        *_realism_sections(stats),
    ]


def _realism_sections(stats: dict) -> list[StatsSection]:
    """The realism table (corpus vs real news, per split) and the cue-word shortcuts, when computed."""
    if "realism" not in stats:
        return []
    from tonlage.training.realism import REAL_NEWS, STATISTIC_TITLES, realism_misses

    splits = list(stats["realism"])

    def cell(key: str, value: float | None) -> object:
        if value is None:
            return "–"
        return f"{value:.0f}" if key == "median_words" else f"{value:.2f}"

    rows = [[STATISTIC_TITLES[key], *(cell(key, stats["realism"][s][key]) for s in splits), cell(key, REAL_NEWS[key])]
            for key in REAL_NEWS]
    misses = realism_misses(stats["realism"]["total"])
    cues = stats.get("cue_shortcuts", [])
    return [
        StatsSection("Realism: corpus against real news", [StatsTable(["statistic", *splits, "real news"], rows)], note=[
            "Surface statistics of the statements against the same statistics measured on 425 real published German "
            "news statements (definitions in training/realism.py). Targets: each share within 0.05 of real news, "
            "the median within 5 words, P(none | quoted first person) at least 0.33. "
            + (f"Off target (all splits): {'; '.join(misses)}." if misses else "All within target.")
        ]),
        StatsSection("Cue-word shortcuts", [StatsTable(
            ["word", "label", "rows", "precision"], [[c["word"], c["label"], c["rows"], c["precision"]] for c in cues]
        )], note=[
            "Words in at least 30 statements whose statements carry one tone in more than 70 % of cases (words that "
            "name the tone, such as 'danke', are allowed). "
            + ("None." if not cues else f"{len(cues)} found.")
        ]),
    ]


def _markdown(value: object) -> object:
    return f"`{value}`" if isinstance(value, Code) else value


def render_data_card(report: CheckReport) -> str:
    """Render a check report's statistics (`stats_sections`) as Markdown.

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
    parts = []
    for section in stats_sections(report.stats):
        parts.append(f"### {section.title}")
        if section.note:
            parts.append("".join(str(_markdown(part)) for part in section.note))
        parts += [markdown_table(t.header, [[_markdown(c) for c in row] for row in t.rows]) for t in section.tables]
    return "\n\n".join(parts) + "\n"


def check_card_path(out: str | PathLike[str]) -> Path:
    """Refuse a data card path that cannot be written as a file, before any corpus is read.

    Raises:
        DataCardError: ``out`` is an existing folder.
    """
    path = Path(out)
    if path.is_dir():
        raise DataCardError(f"{path} is a folder; --out must name the data card's Markdown file (e.g. {path / 'README.md'})")
    return path


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
        DataCardError: If ``out`` is a folder, the report has problems or the file's markers are broken
            (the message names the file).
    """
    path = check_card_path(out)
    block = render_data_card(report)
    document = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        updated = replace_stats_block(document, block)
    except DataCardError as err:
        raise DataCardError(f"{path}: {err}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated, encoding="utf-8")
    return path


__all__ = [
    "STATS_END", "STATS_START", "Code", "DataCardError", "StatsSection", "StatsTable", "check_card_path", "render_data_card",
    "replace_stats_block", "stats_sections", "write_data_card",
]
