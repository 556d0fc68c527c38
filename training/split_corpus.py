"""Split corpus records into train/dev/test by episode, balancing labels across splits.

Statements of one episode (one event) always land in the same split, so a model is never tested on
an event it has seen. Episodes are assigned greedily, largest first, to the split furthest below its
target share of rows and of each label.

Usage::

    python -m tonlage.training.split_corpus SOURCE.jsonl [...] --out training/data [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from tonlage.model.labels import LABELS
from tonlage.training.corpus import read_jsonl

SPLITS = {"train": 0.70, "dev": 0.13, "test": 0.17}
FIELD_ORDER = ("id", "text", "labels", "actor", "actor_type", "country", "form", "topic", "episode",
               "hard_negative", "hard_case", "date")


def _profile(rows: list[dict]) -> dict[str, int]:
    counts = {"rows": len(rows), "none": sum(1 for r in rows if not r["labels"])}
    for label in LABELS:
        counts[label] = sum(1 for r in rows if label in r["labels"])
    return counts


def split_by_episode(records: list[dict], shares: dict[str, float] = SPLITS, seed: int = 7) -> dict[str, list[dict]]:
    """Assign whole episodes to splits so that rows and every label follow ``shares``.

    Args:
        records: Corpus records with an ``episode`` field.
        shares: Target share per split (summing to 1).
        seed: Tie-breaking shuffle of equally sized episodes.

    Returns:
        Records per split, each in the original record order.
    """
    episodes: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        episodes[record["episode"]].append(record)
    names = list(episodes)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda e: -len(episodes[e]))
    totals = _profile(records)
    filled: dict[str, defaultdict[str, int]] = {split: defaultdict(int) for split in shares}
    assignment: dict[str, str] = {}
    for name in names:
        profile = _profile(episodes[name])

        def deficit(split: str, profile: dict = profile) -> float:
            # How far below target this split is, summed over rows and labels the episode carries.
            return sum(
                shares[split] - filled[split][key] / totals[key]
                for key, value in profile.items()
                if value and totals[key]
            )

        best = max(shares, key=deficit)
        assignment[name] = best
        for key, value in profile.items():
            filled[best][key] += value
    out: dict[str, list[dict]] = {split: [] for split in shares}
    for record in records:
        out[assignment[record["episode"]]].append(record)
    return out


def write_split(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            ordered = {k: row[k] for k in FIELD_ORDER if k in row}
            ordered.update({k: v for k, v in row.items() if k not in ordered})
            handle.write(json.dumps(ordered, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("training/data"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    records = [r for source in args.sources for r in read_jsonl(source)]
    records.sort(key=lambda r: r["id"])
    splits = split_by_episode(records, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        write_split(args.out / f"{split}.jsonl", rows)
        print(split, _profile(rows))


if __name__ == "__main__":
    main()
