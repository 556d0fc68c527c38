"""Tokens of a statement outside its direct quotes; each quote becomes one token."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tonlage.model.segmentation.lexicon import ABBREVIATIONS, WORD_RE
from tonlage.model.segmentation.morph import ADVERB_TAGS, FINITE_TAGS, QUOTE_PLACEHOLDER, tag_words

_NP_START_TAGS = frozenset({"NE", "NN", "NNI", "NNA", "FM", "ART", "PPER", "PPOSAT", "PDAT", "PIAT", "PDS", "PIS"})


@dataclass(frozen=True)
class Token:
    """A word, number, punctuation mark or whole direct quote, with its article offsets."""

    text: str
    start: int  # absolute offset in the article
    end: int
    kind: str  # "word", "num", "punct", "quote"
    lemma: str = ""  # HanTa's lemma and STTS tag ("VV(FIN)", "NE", "ADJ(D)" …)
    tag: str = ""

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.kind == "word" and self.text.lstrip("0123456789-")[:1].isupper()  # "Blinken", "61-Jährige"


def tokens_outside_quotes(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[Token]:
    """Tokenise ``text[start:end]``; every direct quote becomes one ``quote`` token."""
    tokens: list[Token] = []
    pos = start
    for qs, qe in [q for q in quotes if q[0] < end and q[1] > start] + [(end, end)]:
        tokens.extend(_word_tokens(text, pos, max(pos, qs)))
        if qe > qs:
            tokens.append(Token(text[max(qs, start) : min(qe, end)], max(qs, start), min(qe, end), "quote"))
        pos = max(pos, qe)
    return _tagged(tokens)


def _tagged(tokens: list[Token]) -> list[Token]:
    words = tuple(QUOTE_PLACEHOLDER if t.kind == "quote" else t.text for t in tokens)
    tags = tag_words(words)
    tagged = []
    for i, (token, (lemma, tag)) in enumerate(zip(tokens, tags)):
        if token.is_cap and tag in ADVERB_TAGS and (i > 0 or not _subject_after_verb(tags)):
            # Capitalised inside a sentence, or first with no other subject after the verb: a name
            # ("Premier Jonas Lind", "Lind warnte vor Krieg"), unlike "Persönlich dankte Lind …".
            tag = "NE"
        tagged.append(replace(token, lemma=lemma, tag=tag))
    return tagged


def _subject_after_verb(tags: tuple[tuple[str, str], ...]) -> bool:
    """Whether the second word is a finite verb and a noun phrase follows it (word 1 is then an adverb)."""
    return len(tags) > 2 and tags[1][1] in FINITE_TAGS and tags[2][1] in _NP_START_TAGS


def _word_tokens(text: str, start: int, end: int) -> list[Token]:
    raw = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text, start, end)]
    tokens: list[Token] = []
    for i, (word, s, e) in enumerate(raw):
        if word == "." and tokens and _attaches_period(tokens[-1], i == len(raw) - 1):
            prev = tokens.pop()
            tokens.append(Token(prev.text + ".", prev.start, e, prev.kind))
            continue
        kind = "word" if word[0].isalpha() or "-" in word[1:] and word[0].isdigit() else "num" if word[0].isdigit() else "punct"
        tokens.append(Token(word, s, e, kind))
    return tokens


def _attaches_period(prev: Token, is_last: bool) -> bool:
    if prev.kind == "num":
        return not is_last
    return prev.kind == "word" and (prev.text in ABBREVIATIONS or len(prev.text) == 1) and not prev.text.endswith(".")
