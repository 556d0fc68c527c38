"""Check corpus files as a whole: schema, duplicates, leakage across splits, statistics.

`check_files` reads every file (each file is one split, named after its stem),
reports every problem with file and line, and, when there is none, computes the
statistics that go into the data card.

Errors: everything `training.corpus.validate_record` finds, malformed lines,
duplicate ids (within and across files), duplicate texts (after lowercasing and
whitespace folding; within and across files), near-duplicate texts across files
(character 5-gram Jaccard >= 0.5), episodes that appear in more than one file, and one statement
with two labellings (equal up to punctuation and quote style, or a near-duplicate within a file).
Near-duplicates within one file are only counted, in the statistics.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tonlage.training.corpus import (
    LineRecord,
    Problem,
    StrPath,
    corpus_hash,
    file_sha256,
    missing_optional_fields,
    record_warnings,
    scan_jsonl,
    unknown_fields,
)
from tonlage.training.realism import cue_shortcuts, inconsistent_labels, realism_stats, strong_normal_form
from tonlage.training.schema import ACTOR_TYPES, FORMS, HARD_CASES, LABELS

NEAR_DUPLICATE_ERROR = 0.5
"""Character 5-gram Jaccard at or above which texts in different files are an error."""
NEAR_DUPLICATE_LOW = 0.3
"""Lower Jaccard threshold that is only counted."""
LENGTH_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("5-9", 5, 9),
    ("10-14", 10, 14),
    ("15-29", 15, 29),
    ("30-49", 30, 49),
    ("50-80", 50, 80),
)
"""Word-count histogram buckets (inclusive); anything else counts as "other"."""
TOP_WITHIN_FILE = 10
"""How many within-file near-duplicate pairs the statistics list by name."""

_WHITESPACE = re.compile(r"\s+")


@dataclass
class CheckReport:
    """The result of `check_files`.

    Attributes:
        files: The checked files, as given.
        problems: Every error, sorted by file (in the order given) and line.
        warnings: Things worth a look that do not fail the check: unknown or
            missing fields and the guideline's softer rules
            (`training.corpus.record_warnings`).
        stats: Corpus statistics (JSON-serialisable), or None when there are
            problems.
    """

    files: list[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    stats: dict | None = None

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.problems

    def to_dict(self) -> dict:
        """Return the whole report as a JSON-serialisable dict."""
        return {
            "ok": self.ok,
            "files": self.files,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
            "stats": self.stats,
        }


@dataclass(frozen=True)
class NearDuplicates:
    """Pairs of similar texts found by `near_duplicate_pairs`.

    Attributes:
        pairs: (i, j, jaccard) with i < j for every pair at or above the
            threshold asked for, by descending Jaccard.
        max_jaccard: The highest Jaccard over all pairs (None for < 2 texts).
        counts: Number of pairs at or above each counting threshold.
    """

    pairs: list[tuple[int, int, float]]
    max_jaccard: float | None
    counts: dict[float, int] = field(default_factory=dict)


def normalize_text(text: str) -> str:
    """Lowercase and fold runs of whitespace into one space (stripped)."""
    return _WHITESPACE.sub(" ", text).strip().lower()


def near_duplicate_pairs(
    texts: Sequence[str],
    threshold: float = NEAR_DUPLICATE_ERROR,
    count_thresholds: Sequence[float] = (NEAR_DUPLICATE_ERROR, NEAR_DUPLICATE_LOW),
) -> NearDuplicates:
    """Find all pairs of texts whose character 5-gram sets overlap strongly.

    Texts are normalised with `normalize_text`; each becomes the binary set of
    its character 5-grams (a scikit-learn CountVectorizer), and a sparse matrix
    product gives the size of every pairwise intersection. The product is done
    in row blocks so memory stays small for a few thousand texts. Texts shorter
    than five characters have no 5-grams and a Jaccard of 0 with everything.

    Args:
        texts: The texts.
        threshold: Return the pairs with Jaccard >= threshold.
        count_thresholds: Count the pairs at or above each of these.

    Returns:
        The pairs, the maximum Jaccard over all pairs, and the counts.
    """
    n = len(texts)
    counts = {float(t): 0 for t in count_thresholds}
    if n < 2:
        return NearDuplicates([], None, counts)
    from sklearn.feature_extraction.text import CountVectorizer  # slow import; only needed here

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(5, 5), binary=True, lowercase=False, dtype=np.int32)
    try:
        matrix = vectorizer.fit_transform([normalize_text(t) for t in texts]).tocsr()
    except ValueError:  # empty vocabulary: every text shorter than five characters
        return NearDuplicates([], 0.0, counts)
    sizes = np.asarray(matrix.getnnz(axis=1), dtype=np.int64)
    transposed = matrix.T.tocsc()
    block = max(1, 2_000_000 // n)
    pairs: list[tuple[int, int, float]] = []
    best = 0.0
    columns = np.arange(n)
    for start in range(0, n - 1, block):
        stop = min(n, start + block)
        inter = (matrix[start:stop] @ transposed).toarray().astype(np.int64)
        union = sizes[start:stop, None] + sizes[None, :] - inter
        jaccard = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        upper = columns[None, :] > np.arange(start, stop)[:, None]
        jaccard[~upper] = -1.0
        best = max(best, float(jaccard.max()))
        for t in counts:
            counts[t] += int(np.count_nonzero(jaccard >= t))
        rows, cols = np.nonzero(jaccard >= threshold)
        pairs.extend(zip((rows + start).tolist(), cols.tolist(), jaccard[rows, cols].tolist()))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return NearDuplicates(pairs, best, counts)


def split_names(paths: Sequence[StrPath]) -> dict[str, str]:
    """Name each file's split after its stem ("train.jsonl" -> "train").

    Falls back to the full path for files whose stems collide.
    """
    stems = Counter(Path(p).stem for p in paths)
    return {str(p): (Path(p).stem if stems[Path(p).stem] == 1 else str(p)) for p in paths}


def _where(item: LineRecord) -> str:
    return f"{item.path}:{item.line}"


def _duplicate_problems(items: list[LineRecord]) -> list[Problem]:
    problems: list[Problem] = []
    first_id: dict[str, LineRecord] = {}
    first_text: dict[str, LineRecord] = {}
    for item in items:
        rec = item.record
        seen = first_id.setdefault(rec["id"], item)
        if seen is not item:
            problems.append(Problem(item.path, item.line, f"duplicate id {rec['id']!r} (first at {_where(seen)})"))
        key = normalize_text(rec["text"])
        seen = first_text.setdefault(key, item)
        if seen is not item:
            message = f"duplicate text of {_where(seen)} (id {seen.record['id']!r})"
            if sorted(seen.record["labels"]) != sorted(rec["labels"]):
                message += f" with different labels {sorted(seen.record['labels'])} vs {sorted(rec['labels'])}"
            problems.append(Problem(item.path, item.line, message))
    return problems


def _near_duplicate_problems(items: list[LineRecord], near: NearDuplicates) -> list[Problem]:
    problems = []
    for i, j, jaccard in near.pairs:
        a, b = items[i], items[j]
        if jaccard < NEAR_DUPLICATE_ERROR or a.path == b.path:
            continue
        if normalize_text(a.record["text"]) == normalize_text(b.record["text"]):
            continue  # already reported as a duplicate text
        problems.append(
            Problem(
                b.path,
                b.line,
                f"near-duplicate text (Jaccard {jaccard:.2f}) of {_where(a)} (id {a.record['id']!r}) in another file",
            )
        )
    return problems


def _label_consistency_problems(items: list[LineRecord], near: NearDuplicates) -> list[Problem]:
    """The same statement must carry the same labels.

    Reports texts equal up to punctuation, quote style and case (:func:`strong_normal_form`), and
    near-duplicates (Jaccard >= 0.5) within one file, whose labels differ.
    """
    problems = []
    index = {id(item): n for n, item in enumerate(items)}
    for group in inconsistent_labels((str(index[id(item)]), item.record["text"], item.record["labels"]) for item in items):
        first = items[int(group[0][0])]
        for key, labels in group[1:]:
            item = items[int(key)]
            if normalize_text(item.record["text"]) == normalize_text(first.record["text"]):
                continue  # already reported as a duplicate text
            problems.append(Problem(item.path, item.line, f"same text as {_where(first)} (id {first.record['id']!r}) "
                                    f"with different labels {sorted(first.record['labels'])} vs {labels}"))
    for i, j, jaccard in near.pairs:
        a, b = items[i], items[j]
        if a.path != b.path:
            continue  # a near-duplicate across files is an error of its own
        if sorted(a.record["labels"]) == sorted(b.record["labels"]) or strong_normal_form(a.record["text"]) == strong_normal_form(b.record["text"]):
            continue
        problems.append(Problem(b.path, b.line, f"near-duplicate text (Jaccard {jaccard:.2f}) of {_where(a)} (id {a.record['id']!r}) "
                                f"with different labels {sorted(a.record['labels'])} vs {sorted(b.record['labels'])}"))
    return problems


def _episode_problems(items: list[LineRecord]) -> list[Problem]:
    first_in_file: dict[str, dict[str, LineRecord]] = defaultdict(dict)
    for item in items:
        episode = item.record.get("episode")
        if episode:
            first_in_file[episode].setdefault(item.path, item)
    problems = []
    for episode, by_file in first_in_file.items():
        if len(by_file) < 2:
            continue
        firsts = list(by_file.values())
        for item in firsts[1:]:
            problems.append(
                Problem(
                    item.path,
                    item.line,
                    f"episode {episode!r} straddles files: also in {_where(firsts[0])}; "
                    "an episode must stay in one split",
                )
            )
    return problems


def _warnings(items: list[LineRecord]) -> list[Problem]:
    """Guideline warnings; unknown and missing fields are summed up per file and field."""
    warnings: list[Problem] = []
    per_field: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for item in items:
        for name in unknown_fields(item.record):
            per_field[(item.path, "unknown field", name)].append(item.line)
        for name in missing_optional_fields(item.record):
            per_field[(item.path, "missing field", name)].append(item.line)
        warnings.extend(Problem(item.path, item.line, message) for message in record_warnings(item.record))
    for (path, kind, name), lines in per_field.items():
        warnings.append(Problem(path, lines[0], f"{kind} {name!r} in {len(lines)} record(s) (first here)"))
    return warnings


def _percentile(values: np.ndarray, q: float) -> float:
    return round(float(np.percentile(values, q)), 1)


def _length_stats(texts: Iterable[str]) -> dict:
    lengths = np.array([len(t.split()) for t in texts], dtype=np.int64)
    histogram = {name: 0 for name, _, _ in LENGTH_BUCKETS} | {"other": 0}
    for n in lengths.tolist():
        bucket = next((name for name, lo, hi in LENGTH_BUCKETS if lo <= n <= hi), "other")
        histogram[bucket] += 1
    if lengths.size == 0:
        return {"min": None, "p10": None, "median": None, "p90": None, "max": None, "histogram": histogram}
    return {
        "min": int(lengths.min()),
        "p10": _percentile(lengths, 10),
        "median": _percentile(lengths, 50),
        "p90": _percentile(lengths, 90),
        "max": int(lengths.max()),
        "histogram": histogram,
    }


def _counts(values: Iterable[str | None], known: Sequence[str]) -> dict[str, int]:
    counter = Counter(v if v is not None else "(missing)" for v in values)
    counts = {name: counter.pop(name, 0) for name in known}
    counts.update(sorted(counter.items()))
    return counts


def _near_duplicate_summary(items: list[LineRecord], near: NearDuplicates, names: dict[str, str], splits: list[str]) -> dict:
    """Counts of near-duplicate pairs, per split within one file, and the first few such pairs."""
    within: dict[str, int] = {name: 0 for name in splits}
    top_within: list[dict] = []
    for i, j, jaccard in near.pairs:
        a, b = items[i], items[j]
        if a.path == b.path and jaccard >= NEAR_DUPLICATE_ERROR:
            within[names[a.path]] += 1
            if len(top_within) < TOP_WITHIN_FILE:
                top_within.append({"a": _where(a), "b": _where(b), "jaccard": round(jaccard, 3)})
    return {
        "max_jaccard": None if near.max_jaccard is None else round(near.max_jaccard, 3),
        "pairs_ge_0.5": near.counts.get(NEAR_DUPLICATE_ERROR, 0),
        "pairs_ge_0.3": near.counts.get(NEAR_DUPLICATE_LOW, 0),
        "within_file_pairs_ge_0.5": within,
        "top_within_file": top_within,
    }


def compute_stats(items: list[LineRecord], paths: Sequence[StrPath], near: NearDuplicates) -> dict:
    """Compute the corpus statistics for valid records.

    Args:
        items: The records with their file and line, in file order.
        paths: The files they come from, in the order given.
        near: Near-duplicate pairs over `items` (pairs at `NEAR_DUPLICATE_ERROR`,
            counts at `NEAR_DUPLICATE_ERROR` and `NEAR_DUPLICATE_LOW`).

    Returns:
        A JSON-serialisable dict: provenance (sha256 per file and for the
        corpus), per-split counts (records, each label, none, hard negatives,
        multi-label, episodes), label co-occurrence, counts per form, actor type
        and hard case, distinct actors and countries, word-length distribution,
        near-duplicate summary and episode summary.
    """
    names = split_names(paths)
    by_split: dict[str, list[dict]] = {names[str(p)]: [] for p in paths}
    for item in items:
        by_split[names[item.path]].append(item.record)

    def row(records: list[dict]) -> dict:
        return {
            "records": len(records),
            **{label: sum(label in r["labels"] for r in records) for label in LABELS},
            "none": sum(not r["labels"] for r in records),
            "hard_negative": sum(r.get("hard_negative") is True for r in records),
            "multi_label": sum(len(r["labels"]) > 1 for r in records),
            "episodes": len({r["episode"] for r in records if r.get("episode")}),
        }

    records = [item.record for item in items]
    splits = {name: row(recs) for name, recs in by_split.items()}
    splits["total"] = row(records)
    cooccurrence = {a: {b: sum(a in r["labels"] and b in r["labels"] for r in records) for b in LABELS} for a in LABELS}

    episode_files: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.record.get("episode"):
            episode_files[item.record["episode"]].add(item.path)

    return {
        "corpus_sha256": corpus_hash(paths),
        "files": [
            {"split": names[str(p)], "path": str(p), "records": len(by_split[names[str(p)]]), "sha256": file_sha256(p)}
            for p in paths
        ],
        "splits": splits,
        "cooccurrence": cooccurrence,
        "forms": _counts((r["form"] for r in records), FORMS),
        "actor_types": _counts((r.get("actor_type") for r in records), ACTOR_TYPES),
        "hard_cases": _counts((r["hard_case"] for r in records if r.get("hard_case")), HARD_CASES),
        "actors": len({r["actor"] for r in records}),
        "countries": len({r["country"] for r in records if r.get("country")}),
        "length_words": _length_stats(r["text"] for r in records),
        "near_duplicates": _near_duplicate_summary(items, near, names, list(by_split)),
        "realism": {name: realism_stats(recs) for name, recs in {**by_split, "total": records}.items()},
        "cue_shortcuts": [vars(c) for c in cue_shortcuts(records, LABELS)],
        "episodes": {
            "distinct": len(episode_files),
            "records_without_episode": sum(not r.get("episode") for r in records),
            "straddling": sum(len(files) > 1 for files in episode_files.values()),
        },
    }


def check_files(paths: Sequence[StrPath]) -> CheckReport:
    """Check corpus files (one split per file) and, if all is well, describe them.

    Args:
        paths: The JSONL files, e.g. train.jsonl and dev.jsonl.

    Returns:
        A `CheckReport` with every problem (file, line, message), warnings, and
        statistics when there is no problem.
    """
    paths = list(paths)
    files = [str(p) for p in paths]
    report = CheckReport(files=files)
    if len(set(files)) != len(files):
        repeated = sorted({f for f in files if files.count(f) > 1})
        report.problems.extend(Problem(f, None, "file given more than once") for f in repeated)
        return report
    items: list[LineRecord] = []
    for path in paths:
        records, problems = scan_jsonl(path)
        items.extend(records)
        report.problems.extend(problems)
    near = near_duplicate_pairs([item.record["text"] for item in items])
    report.problems.extend(_duplicate_problems(items))
    report.problems.extend(_near_duplicate_problems(items, near))
    report.problems.extend(_episode_problems(items))
    report.problems.extend(_label_consistency_problems(items, near))
    order = {f: n for n, f in enumerate(files)}
    report.problems.sort(key=lambda p: (order.get(p.path, len(order)), p.line or 0))
    report.warnings = sorted(_warnings(items), key=lambda p: (order.get(p.path, len(order)), p.line or 0))
    if report.ok:
        report.stats = compute_stats(items, paths, near)
    return report


__all__ = [
    "CheckReport",
    "NearDuplicates",
    "check_files",
    "compute_stats",
    "near_duplicate_pairs",
    "normalize_text",
    "split_names",
]
