"""Faithfulness of the word-occlusion explanations: do the top words really carry the tone?

For a sample of tagged test statements and each of their tags, the top-3 words are removed together
and the tag's score drop is compared with the drop from removing 3 random words (averaged over a few
draws). Faithful explanations drop the score far more. Run it with::

    nice -n 15 python -m tonlage.eval.explain_eval [--model DIR] [--sample 150] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

import numpy as np

from tonlage.model.explain import explain_texts, remove_spans, word_units
from tonlage.training.corpus import read_jsonl

logger = logging.getLogger(__name__)
TEST_SPLIT = Path(__file__).resolve().parent.parent / "training" / "data" / "test.jsonl"


def faithfulness(classifier, texts: list[str], k: int = 3, draws: int = 3, seed: int = 0) -> dict:
    """Mean score drop of each tag when its top-``k`` words vs ``k`` random words are removed.

    Args:
        classifier: A loaded :class:`~tonlage.model.classifier.Classifier`.
        texts: Statements; only those the model tags and that have more than ``k`` words are used.
        k: Words removed at once.
        draws: Random ``k``-word removals averaged per (statement, tag).
        seed: Seed of the random draws.

    Returns:
        ``{"pairs", "statements", "top_drop", "random_drop", "ratio", "top_wins"}``: pairs are
        (statement, tag); ``top_wins`` the share of pairs where the top words beat the random mean.
    """
    labels = classifier.labels

    def score(batch: list[str]) -> np.ndarray:
        return classifier.predict_proba(batch, batch_size=64)

    full = score(texts)
    tags = classifier.tags(full)
    keep = [i for i, t in enumerate(tags) if t and len(word_units(texts[i])) > k]
    texts, full, tags = [texts[i] for i in keep], full[keep], [tags[i] for i in keep]
    explanations = explain_texts(score, texts, labels, full=full, top_k=k)
    rng = random.Random(seed)
    variants, rows = [], []  # rows: (statement, label column, "top"/"random")
    for i, (text, tagged) in enumerate(zip(texts, tags)):
        units = word_units(text)
        for label in tagged:
            top = [(w["start"], w["end"]) for w in explanations[i][label]]
            top += [(u.start, u.end) for u in units if (u.start, u.end) not in top][: k - len(top)]  # fewer than k positive
            variants.append(remove_spans(text, top))
            rows.append((i, labels.index(label), "top"))
            for _ in range(draws):
                variants.append(remove_spans(text, [(u.start, u.end) for u in rng.sample(units, k)]))
                rows.append((i, labels.index(label), "random"))
    scored = score(variants)
    drops: dict[str, list[list[float]]] = {}
    for (i, j, kind), row in zip(rows, scored):
        drops.setdefault(f"{i}:{j}", [[], []])[kind == "random"].append(float(full[i, j] - row[j]))
    top_drops = np.array([d[0][0] for d in drops.values()])
    rand = np.array([np.mean(d[1]) for d in drops.values()])
    return {
        "statements": len(texts),
        "pairs": len(top_drops),
        "top_drop": round(float(top_drops.mean()), 4),
        "random_drop": round(float(rand.mean()), 4),
        "ratio": round(float(top_drops.mean() / rand.mean()), 2) if rand.mean() > 0 else None,
        "top_wins": round(float((top_drops > rand).mean()), 3),
    }


def sample_statements(path: Path, n: int, seed: int = 0) -> list[str]:
    """``n`` statements of a corpus file with at least one gold tone (more than needed: the model's tags decide)."""
    rows = [r for r in read_jsonl(path) if r.get("labels")]
    random.Random(seed).shuffle(rows)
    return [r["text"] for r in rows[:n]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="artifact folder (default: the shipped model)")
    parser.add_argument("--data", type=Path, default=TEST_SPLIT, help="corpus file (default: the test split)")
    parser.add_argument("--sample", type=int, default=150, help="tagged statements to sample")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from tonlage.model.classifier import Classifier

    classifier = Classifier.from_dir(args.model)
    started = time.perf_counter()
    result = faithfulness(classifier, sample_statements(args.data, args.sample))
    result.update(model=classifier.source, data=str(args.data), seconds=round(time.perf_counter() - started, 1))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
