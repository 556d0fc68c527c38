"""The one Markdown table writer of the project, low enough for the data card (training) and eval's documents."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def markdown_cell(value: object) -> str:
    """One table cell: ``None`` as a dash, whitespace (newlines included) folded to single spaces, pipes escaped."""
    if value is None:
        return "–"
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown_table(header: Sequence[object], rows: Sequence[Sequence[object]], right: Collection[int] = ()) -> str:
    """A GitHub-flavoured Markdown table.

    Args:
        header: Column titles.
        rows: Cells, row by row.
        right: Indexes of right-aligned (numeric) columns.

    Returns:
        The table's lines, without a trailing newline.
    """
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


__all__ = ["markdown_cell", "markdown_table"]
