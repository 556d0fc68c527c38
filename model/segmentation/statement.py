"""The statement record that ``segment`` returns, and its kinds."""

from __future__ import annotations

from dataclasses import dataclass

KINDS: tuple[str, ...] = ("quote", "reported", "narrative")


@dataclass(frozen=True)
class Statement:
    """One statement of an article.

    Attributes:
        text: The statement exactly as it appears in the article.
        start: Offset of the first character in the article.
        end: Offset one past the last character (``article[start:end] == text``).
        kind: ``"quote"``, ``"reported"`` or ``"narrative"``.
        speaker: Who makes the statement, by the fullest name the article gives them, or ``None``.
        speaker_mention: The statement's own words for the speaker as written ("der 61-Jährige",
            "er"), or ``None`` (no speaker, or a quote or Konjunktiv sentence continuing the last one).
    """

    text: str
    start: int
    end: int
    kind: str
    speaker: str | None = None
    speaker_mention: str | None = None
