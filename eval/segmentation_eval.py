"""Measure statement segmentation, speaker attribution and kind detection against gold.

Gold files are JSON Lines, one statement per line, in article order::

    {"text": ..., "start": 0, "end": 42, "speaker": "Blinken" | null,
     "speaker_mention": "der US-Außenminister" | null,  (optional)
     "kind": "quote" | "reported" | "narrative", "labels": ["warning", ...]}

with ``article[start:end] == text``.

Figures (micro-averaged over all statements of all articles, plus one block per article):

* ``precision`` / ``recall`` / ``f1``: a predicted statement matches a gold one when their
  character spans overlap with IoU >= 0.5 (one-to-one, best IoU first).
* ``exact_precision`` / ``exact_recall`` / ``exact_f1``: stricter, the spans must be equal
  after trimming surrounding whitespace.
* ``speaker_accuracy``: over matched gold statements of kind quote/reported; names are
  compared leniently (case, articles, punctuation ignored; one may be a word-suffix of the
  other, so "Blinken" matches "US-Außenminister Antony Blinken").
* ``kind_accuracy``: over all matched statements.
* ``mention_accuracy``: over the speaker statements whose gold has a ``speaker_mention`` field: the
  predicted ``speaker_mention`` must be the same words (case, articles and punctuation ignored).

``match_statements`` is public so that tone scoring can reuse the same alignment.

Run ``python -m tonlage.eval.segmentation_eval [ARTICLE.txt | FOLDER ...] [--tones]`` to print the
figures; without paths it scores the seed and the test fixture articles. Each article ``x.txt`` needs
its gold ``x.gold.jsonl`` beside it; a folder stands for every such pair in it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tonlage.model.errors import TonlageError
from tonlage.model.segmentation import segment

__all__ = [
    "GoldError",
    "article_paths",
    "evaluate_segmentation",
    "gold_path",
    "load_article",
    "load_gold",
    "match_statements",
    "normalise_speaker",
    "speakers_match",
]

_ARTICLES = frozenset("der die das den dem des ein eine einer eines einem einen".split())
SPEAKER_KINDS: frozenset[str] = frozenset({"quote", "reported"})


class GoldError(TonlageError, ValueError):
    """An article or gold file is missing, malformed, or its offsets do not fit the article text."""


def gold_path(article: str | Path) -> Path:
    """The gold file that belongs to an article: ``x.txt`` -> ``x.gold.jsonl`` beside it."""
    return Path(article).with_suffix(".gold.jsonl")


def load_gold(path: str | Path, article: str | None = None) -> list[dict[str, Any]]:
    """Load a gold statement file (JSON Lines).

    Args:
        path: Path to a ``*.gold.jsonl`` file.
        article: The article text; when given, every statement's offsets must select its text.

    Returns:
        The statements as dicts, in file order.

    Raises:
        GoldError: If a line is not a JSON object with the required fields, or (with ``article``)
            its ``start``/``end`` do not give its ``text``; the message names the file and line.
    """
    statements = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{number}: not JSON ({exc.msg})") from None
        missing = {"text", "start", "end", "kind"} - set(row) if isinstance(row, dict) else {"object"}
        if missing:
            raise GoldError(f"{path}:{number}: missing {sorted(missing)}")
        if article is not None:
            _check_offsets(article, row, f"{path}:{number}")
        statements.append(row)
    return statements


def _check_offsets(article: str, row: Mapping[str, Any], where: str) -> None:
    start, end = row["start"], row["end"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(article)):
        raise GoldError(f"{where}: offsets {start!r}-{end!r} are outside the article ({len(article)} characters)")
    if article[start:end] != row["text"]:
        raise GoldError(
            f"{where}: offsets {start}-{end} give {_snippet(article[start:end])}, not the statement's text {_snippet(row['text'])}"
        )


def _snippet(text: Any, width: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def article_paths(targets: Iterable[str | Path]) -> list[Path]:
    """Expand article files and folders into the article paths to score.

    Args:
        targets: ``.txt`` articles (each with its ``.gold.jsonl`` beside it) or folders; a folder
            stands for every ``.txt`` in it that has a gold file (others there are ignored).

    Returns:
        Article paths in argument order (a folder's sorted by name), without duplicates.

    Raises:
        GoldError: A path does not exist, is not a ``.txt``, has no gold file, or a folder holds no pair.
    """
    paths: list[Path] = []
    for target in map(Path, targets):
        if target.is_dir():
            found = [t for t in sorted(target.glob("*.txt")) if gold_path(t).is_file()]
            if not found:
                raise GoldError(f"{target}: no article .txt with a .gold.jsonl beside it in this folder")
        elif not target.exists():
            raise GoldError(f"{target}: no such file or folder")
        elif target.suffix != ".txt":
            raise GoldError(f"{target}: expected an article .txt (with its .gold.jsonl beside it) or a folder")
        elif not gold_path(target).is_file():
            raise GoldError(f"{target}: no gold file {gold_path(target).name} beside it")
        else:
            found = [target]
        paths.extend(p for p in found if p not in paths)
    return paths


def load_article(path: str | Path) -> tuple[str, list[dict[str, Any]]]:
    """Read an article and its gold statements, checking that the gold offsets fit the text.

    Raises:
        GoldError: The article is not UTF-8 text, or its gold file is malformed or does not fit it.
    """
    try:
        article = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GoldError(f"{path}: not UTF-8 text") from None
    return article, load_gold(gold_path(path), article)


def _get(statement: Any, name: str) -> Any:
    if isinstance(statement, Mapping):
        return statement.get(name)
    return getattr(statement, name, None)


def _has(statement: Any, name: str) -> bool:
    return name in statement if isinstance(statement, Mapping) else hasattr(statement, name)


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    intersection = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return intersection / union if union > 0 else 0.0


def match_statements(
    pred: Sequence[Any], gold: Sequence[Any], min_iou: float = 0.5
) -> list[tuple[int, int]]:
    """Align predicted with gold statements by character-span overlap.

    Args:
        pred: Predicted statements (``Statement`` objects or dicts with start/end).
        gold: Gold statements (dicts or objects with start/end).
        min_iou: Minimum intersection-over-union for a match.

    Returns:
        ``(pred_index, gold_index)`` pairs, one-to-one, sorted by gold index.
    """
    scored = []
    for i, p in enumerate(pred):
        p_span = (_get(p, "start"), _get(p, "end"))
        for j, g in enumerate(gold):
            iou = _iou(p_span, (_get(g, "start"), _get(g, "end")))
            if iou >= min_iou:
                scored.append((iou, i, j))
    used_pred: set[int] = set()
    used_gold: set[int] = set()
    pairs = []
    for _iou_value, i, j in sorted(scored, key=lambda item: (-item[0], item[1], item[2])):
        if i not in used_pred and j not in used_gold:
            used_pred.add(i)
            used_gold.add(j)
            pairs.append((i, j))
    return sorted(pairs, key=lambda pair: pair[1])


def _trimmed(article: str, start: int, end: int) -> tuple[int, int]:
    chunk = article[start:end]
    return start + len(chunk) - len(chunk.lstrip()), start + len(chunk.rstrip())


def _exact_matches(article: str, pred: Sequence[Any], gold: Sequence[Any]) -> int:
    gold_spans = {_trimmed(article, _get(g, "start"), _get(g, "end")) for g in gold}
    pred_spans = {_trimmed(article, _get(p, "start"), _get(p, "end")) for p in pred}
    return len(gold_spans & pred_spans)


def normalise_speaker(name: str | None) -> list[str]:
    """Lower-case a speaker name into words, dropping articles and punctuation.

    Args:
        name: A speaker name as written, or ``None``.

    Returns:
        The remaining words ("Das russische Außenministerium" -> ["russische", "außenministerium"]).
    """
    if not name:
        return []
    words = re.findall(r"[\w\-]+", name.lower())
    return [w for w in words if w not in _ARTICLES]


def speakers_match(gold: str | None, pred: str | None) -> bool:
    """Lenient speaker comparison.

    Two names match when their normalised word lists are equal or one is a suffix of the
    other ("Blinken" ~ "US-Außenminister Antony Blinken"). Inflection endings are ignored, so a
    name in the gold's nominative matches the same name as an article or another case gives it
    ("russisches Außenministerium" ~ "das russische Außenministerium", "Vereinte Nationen" ~
    "der Vereinten Nationen"). ``None`` only matches ``None``.

    Args:
        gold: The gold speaker or ``None``.
        pred: The predicted speaker or ``None``.

    Returns:
        Whether the prediction counts as correct.
    """
    g, p = [_stem(w) for w in normalise_speaker(gold)], [_stem(w) for w in normalise_speaker(pred)]
    if not g or not p:
        return not g and not p
    shorter, longer = (g, p) if len(g) <= len(p) else (p, g)
    return longer[len(longer) - len(shorter) :] == shorter


_INFLECTION_RE = re.compile(r"(?:en|es|er|em|e|n|s)$")


def _stem(word: str) -> str:
    """Drop one German inflection ending from a word of more than four letters."""
    return _INFLECTION_RE.sub("", word) if len(word) > 4 else word


def mentions_match(gold: str | None, pred: str | None) -> bool:
    """Whether two speaker mentions are the same words, ignoring case, articles and punctuation."""
    return normalise_speaker(gold) == normalise_speaker(pred)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _figures(counts: Mapping[str, int]) -> dict[str, Any]:
    precision = _ratio(counts["matched"], counts["predicted"])
    recall = _ratio(counts["matched"], counts["gold"])
    exact_precision = _ratio(counts["exact"], counts["predicted"])
    exact_recall = _ratio(counts["exact"], counts["gold"])
    return {
        **counts,
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "exact_precision": exact_precision,
        "exact_recall": exact_recall,
        "exact_f1": _f1(exact_precision, exact_recall),
        "speaker_accuracy": _ratio(counts["speaker_correct"], counts["speaker_total"]),
        "kind_accuracy": _ratio(counts["kind_correct"], counts["matched"]),
        "mention_accuracy": _ratio(counts["mention_correct"], counts["mention_total"]),
    }


def _count(article: str, gold: Sequence[Any], pred: Sequence[Any]) -> dict[str, int]:
    pairs = match_statements(pred, gold)
    speaker_pairs = [(i, j) for i, j in pairs if _get(gold[j], "kind") in SPEAKER_KINDS]
    mention_pairs = [(i, j) for i, j in speaker_pairs if _has(gold[j], "speaker_mention")]
    return {
        "gold": len(gold),
        "predicted": len(pred),
        "matched": len(pairs),
        "exact": _exact_matches(article, pred, gold),
        "speaker_total": len(speaker_pairs),
        "speaker_correct": sum(
            speakers_match(_get(gold[j], "speaker"), _get(pred[i], "speaker")) for i, j in speaker_pairs
        ),
        "kind_correct": sum(_get(gold[j], "kind") == _get(pred[i], "kind") for i, j in pairs),
        "mention_total": len(mention_pairs),
        "mention_correct": sum(
            mentions_match(_get(gold[j], "speaker_mention"), _get(pred[i], "speaker_mention")) for i, j in mention_pairs
        ),
    }


def evaluate_segmentation(
    pairs: Iterable[tuple[str, Sequence[Any]]],
    segmenter: Callable[[str], Sequence[Any]] = segment,
) -> dict[str, Any]:
    """Score the segmenter on (article_text, gold_statements) pairs.

    Args:
        pairs: Articles with their gold statements (e.g. from ``load_gold``).
        segmenter: Function from article text to statements; defaults to ``segment``.

    Returns:
        Micro-averaged figures over all articles (``precision``, ``recall``, ``f1``,
        ``exact_precision``, ``exact_recall``, ``exact_f1``, ``speaker_accuracy``,
        ``kind_accuracy`` and the raw counts), plus ``per_article``: the same figures for
        each article, in input order.
    """
    keys = (
        "gold", "predicted", "matched", "exact", "speaker_total", "speaker_correct", "kind_correct",
        "mention_total", "mention_correct",
    )
    total = dict.fromkeys(keys, 0)
    per_article = []
    for article, gold in pairs:
        counts = _count(article, gold, segmenter(article))
        per_article.append(_figures(counts))
        for key in keys:
            total[key] += counts[key]
    return {**_figures(total), "articles": len(per_article), "per_article": per_article}


def default_gold_paths(root: str | Path | None = None) -> list[Path]:
    """The seed article and the test fixture articles that have gold files.

    Args:
        root: Repository root; defaults to the parent of this package.

    Returns:
        Paths of the ``.txt`` articles, seed first.
    """
    base = Path(root) if root else Path(__file__).resolve().parent.parent
    texts = sorted((base / "seeds").glob("*.txt")) + sorted((base / "tests/fixtures/articles").glob("*.txt"))
    return [t for t in texts if t.with_suffix(".gold.jsonl").exists()]


def evaluate_article_tones(classifier: Any, pairs: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, Any]:
    """Tone scores of the whole article pipeline (segment, attribute, classify) against gold statements.

    Every gold statement counts once: its predicted labels are those of the matched predicted statement,
    or none when the segmenter missed it.
    """
    from tonlage.model.article import classify_article
    from tonlage.training.metrics import label_scores, multi_hot

    gold_labels, pred_labels = [], []
    for article, gold in pairs:
        results = classify_article(classifier, article)
        matched = {j: i for i, j in match_statements(results, gold)}
        for j, statement in enumerate(gold):
            gold_labels.append(list(_get(statement, "labels")))
            pred_labels.append(results[matched[j]]["labels"] if j in matched else [])
    labels = list(classifier.labels)
    return label_scores(multi_hot(gold_labels, labels), multi_hot(pred_labels, labels), labels)


def _print_figures(paths: Sequence[Path], result: Mapping[str, Any]) -> None:
    print(f"{'article':28} {'stmts':>5} {'F1':>6} {'exactF1':>7} {'speaker':>8} {'kind':>6} {'mention':>8}")
    rows = [(path.stem, row) for path, row in zip(paths, result["per_article"])] + [("overall", result)]
    for name, row in rows:
        mention = f"{row['mention_accuracy']:.3f}" if row["mention_total"] else "-"
        print(
            f"{name:28} {row['gold']:>5} {row['f1']:>6.3f} {row['exact_f1']:>7.3f} "
            f"{row['speaker_accuracy']:>8.3f} {row['kind_accuracy']:>6.3f} {mention:>8}"
        )


def _print_tones(scores: Mapping[str, Any]) -> None:
    print(f"\ntone F1 over {scores['n']} gold statements: macro {scores['macro_f1']:.3f}, micro {scores['micro_f1']:.3f}")
    for label, row in scores["per_label"].items():
        print(f"  {label:10} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  (support {row['support']})")


def main(argv: Sequence[str] | None = None) -> int:
    """Print segmentation figures per article and overall; with ``--tones``, tone F1 of a model too.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0, or 2 after printing ``Error: ...`` for a bad article, gold file or model.
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tonlage.eval.segmentation_eval", description="Segmentation, speaker and tone figures on the gold articles."
    )
    parser.add_argument(
        "articles", nargs="*", metavar="PATH",
        help="article .txt with its .gold.jsonl beside it, or a folder of such pairs (default: the seed and the test fixtures)",
    )
    parser.add_argument("--tones", action="store_true", help="also classify with a model and report tone F1")
    parser.add_argument("--model", default=None, help="artifact folder (default: the shipped model)")
    args = parser.parse_args(argv)
    try:
        paths = article_paths(args.articles) if args.articles else default_gold_paths()
        pairs = [load_article(p) for p in paths]
        if args.tones:
            unlabelled = next((p for p, (_, gold) in zip(paths, pairs) if any("labels" not in g for g in gold)), None)
            if unlabelled is not None:
                raise GoldError(f"{gold_path(unlabelled)}: --tones needs a 'labels' field on every statement")
        _print_figures(paths, evaluate_segmentation(pairs))
        if args.tones:
            from tonlage.model.classifier import Classifier

            _print_tones(evaluate_article_tones(Classifier.from_dir(args.model), pairs))
    except TonlageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
