"""A tiny document model rendered to Markdown and to self-contained HTML (PNG images embedded).

Tables go through :func:`training.markdown.markdown_table`, the writer the data card uses too, so every
Markdown table of the project is written one way.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tonlage.training.markdown import markdown_table


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    right: set[int] = field(default_factory=set)


@dataclass
class Image:
    file: str
    alt: str


Block = Heading | Para | Bullets | Table | Image


class Document:
    """Blocks (headings, paragraphs, bullet lists, tables, images) with ``**bold**`` and ```code``` inline."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def heading(self, level: int, text: str) -> None:
        """Add a heading of ``level`` (1 = title)."""
        self.blocks.append(Heading(level, text))

    def para(self, text: str) -> None:
        """Add a paragraph."""
        self.blocks.append(Para(text))

    def bullets(self, items: Sequence[str]) -> None:
        """Add a bullet list (nothing when ``items`` is empty)."""
        if items:
            self.blocks.append(Bullets(list(items)))

    def table(self, header: Sequence[object], rows: Sequence[Sequence[object]], right: Collection[int] = ()) -> None:
        """Add a table; ``right`` holds the indexes of right-aligned columns. Cells are shown as ``str(cell)``."""
        self.blocks.append(Table([str(h) for h in header], [[str(c) for c in row] for row in rows], set(right)))

    def image(self, file: str, alt: str) -> None:
        """Add a PNG (a file name relative to the folder the document is written to) with its caption."""
        self.blocks.append(Image(file, alt))

    def markdown(self) -> str:
        """The document as Markdown, ending in a newline."""
        return "\n\n".join(_markdown_block(block) for block in self.blocks) + "\n"

    def html(self, folder: Path, title: str) -> str:
        """The document as one HTML page; images are read from ``folder`` and embedded as data URIs."""
        body = "\n".join(_html_block(block, folder) for block in self.blocks)
        return HTML_TEMPLATE.format(title=html.escape(title), body=body)


def _markdown_block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        return markdown_table(block.header, block.rows, block.right)
    return f"![{block.alt}]({block.file})"


def inline_html(text: str) -> str:
    """Escape ``text`` for HTML and turn ``**bold**`` and ```code``` into tags."""
    text = html.escape(str(text), quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _html_cell(tag: str, index: int, text: str, right: set[int]) -> str:
    cls = ' class="num"' if index in right else ""
    return f"<{tag}{cls}>{inline_html(text)}</{tag}>"


def _html_block(block: Block, folder: Path) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        return f"<p>{inline_html(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Table):
        head = "".join(_html_cell("th", i, h, block.right) for i, h in enumerate(block.header))
        lines = "".join(
            "<tr>" + "".join(_html_cell("td", i, c, block.right) for i, c in enumerate(row)) + "</tr>" for row in block.rows
        )
        return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></div>"
    data = base64.b64encode((folder / block.file).read_bytes()).decode("ascii")
    alt = html.escape(block.alt)
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'


HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }}
h1 {{ border-bottom: 2px solid #1f5fa8; padding-bottom: .2em; }}
h2 {{ margin-top: 2em; border-bottom: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: .8em 0; font-size: .92em; }}
th, td {{ border: 1px solid #ddd; padding: .3em .6em; vertical-align: top; text-align: left; }}
th {{ background: #f3f5f8; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tbody tr:nth-child(even) {{ background: #fafbfc; }}
.scroll {{ overflow-x: auto; }}
code {{ background: #f3f5f8; padding: 0 .25em; border-radius: 3px; }}
figure {{ margin: 1.2em 0; }}
figure img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #666; font-size: .9em; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""

__all__ = ["HTML_TEMPLATE", "Document", "inline_html"]
