"""`tonlage classify`: statements from the command line, or a whole article from a file or stdin."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tonlage.common import ModelOption, PrecisionOption, ThresholdOption, clean_errors, fail, load_classifier, parse_thresholds


def classify_cli(
    texts: Annotated[list[str] | None, typer.Argument(help="Statements to classify; '-' reads an article from stdin.", show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="A news article (UTF-8 text) to segment and classify.", show_default=False)] = None,
    lines: Annotated[bool, typer.Option("--lines", help="With --file or '-': one statement per line, no segmentation.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per statement.")] = False,
    only_tagged: Annotated[bool, typer.Option("--only-tagged", help="Hide statements without any tone.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show the words behind each tone (word occlusion; slower).")] = False,
    threshold: ThresholdOption = None,
    model: ModelOption = None,
    precision: PrecisionOption = "bf16",
) -> None:
    """Classify statements, or every statement of a news article, by tone."""
    from tonlage.model.article import classify_article, classify_texts

    texts = [_argument_text(text, i) for i, text in enumerate(texts or [], 1)]
    article = None
    if file is not None:
        if texts:
            fail("give statements or --file, not both")
        try:
            data = file.read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
        article = _decode(data, str(file))
    elif texts == ["-"]:
        article = _decode(_read_stdin(), "stdin")
    elif not texts:
        fail("give one or more statements, --file PATH, or '-' for stdin")
    source = str(file) if file is not None else "stdin"
    if article is not None and not article.strip():
        fail(f"{source} is empty: nothing to classify")
    statements = [line for line in article.splitlines() if line.strip()] if article is not None and lines else None
    with clean_errors():
        classifier = load_classifier(model, precision)
        overrides = parse_thresholds(threshold, classifier.labels)
        if statements is not None:
            results = classify_texts(classifier, statements, overrides)
        elif article is not None:
            results = classify_article(classifier, article, overrides)
        else:
            results = classify_texts(classifier, texts, overrides)
        if only_tagged:
            results = [r for r in results if r["labels"]]
        if explain and results:
            add_explanations(classifier, results)
    if json_out:
        for result in results:
            typer.echo(json.dumps(result, ensure_ascii=False))
        return
    print_table(results, classifier.labels, {**classifier.thresholds, **overrides})


def add_explanations(classifier, results: list[dict]) -> None:
    """Add ``explanations`` (label -> top words) to each result, all occluded variants scored together."""
    import numpy as np

    from tonlage.model.explain import explain_texts

    full = np.array([[r["scores"][label] for label in classifier.labels] for r in results], dtype=np.float32)
    words = explain_texts(lambda t: classifier.predict_proba(t, batch_size=32), [r["text"] for r in results], classifier.labels, full=full)
    for result, per_label in zip(results, words):
        result["explanations"] = per_label


def _read_stdin() -> bytes:
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer.read()
    return sys.stdin.read().encode("utf-8", "surrogateescape")


def _decode(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text, or exit with an error naming the first bad byte, its offset and line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        fail(f"{source} is not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}) is invalid")


def _argument_text(text: str, position: int) -> str:
    """A command-line statement as proper text, or exit naming the bytes that are not UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    # Python keeps undecodable argv bytes as lone surrogates; turn them back into bytes to locate them.
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        fail(f"statement {position} holds a lone surrogate (U+{ord(text[exc.start]):04X}) at character {exc.start}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"statement {position} is not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} is invalid")


# C0/C1 controls (but tab and newline) and bidi overrides could move the cursor, recolour or reorder the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` safe to print in a rich table: controls shown as escapes (``\\x1b``), markup not interpreted."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)
    return escape(text)


def print_table(results: list[dict], labels: list[str], thresholds: dict[str, float]) -> None:
    """A readable table: one row per statement, scores per label, tagged scores in bold red.

    Articles are grouped by speaker (in order of first appearance; narrative sentences last).
    """
    # Piped output has no terminal width; rich would assume 80 columns and crop the tags.
    console = Console(width=None if sys.stdout.isatty() else 140)
    article_mode = bool(results) and "kind" in results[0]
    caption = "thresholds: " + ", ".join(f"{label} ≥ {thresholds[label]:.2f}" for label in labels)
    table = Table(show_lines=article_mode, caption=caption)
    if article_mode:
        table.add_column("speaker", max_width=18, overflow="fold")
    table.add_column("statement", overflow="fold", ratio=1, min_width=24)
    for label in labels:
        table.add_column(label[:4], justify="right", no_wrap=True)
    explained = bool(results) and "explanations" in results[0]
    table.add_column("tags", style="bold", max_width=36 if explained else 12, overflow="fold")
    order = list(range(len(results)))
    if article_mode:
        first: dict[str, int] = {}
        for i, r in enumerate(results):
            first.setdefault(r["speaker"] or "", i)
        order.sort(key=lambda i: (results[i]["speaker"] is None, first[results[i]["speaker"] or ""], i))
    for i in order:
        r = results[i]
        cells = [f"{visible(r['speaker'] or '–')}\n[dim]{r['kind']}[/]"] if article_mode else []
        cells.append(visible(r["text"]))
        for label in labels:
            score = r["scores"][label]
            cells.append(f"[bold red]{score:.2f}[/]" if label in r["labels"] else f"{score:.2f}")
        cells.append(_tag_cell(r))
        table.add_row(*cells)
    console.print(table)
    tagged = sum(1 for r in results if r["labels"])
    console.print(f"{len(results)} statement(s), {tagged} with a tone.", style="dim")


def _tag_cell(result: dict) -> str:
    """The tags, each followed by its top words when explanations are there: ``warning: Konsequenzen, warnt``."""
    if not result["labels"]:
        return "–"
    if "explanations" not in result:
        return ", ".join(result["labels"])
    lines = []
    for label in result["labels"]:
        words = ", ".join(visible(w["word"]) for w in result["explanations"].get(label, []))
        lines.append(f"{label}: [not bold]{words or '–'}[/]")
    return "\n".join(lines)
