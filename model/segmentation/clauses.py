"""The subject of a verb across coordination, relative clauses and split verb forms.

"Steinhagen lachte und versprach, …" (the first conjunct's subject), "– und Peking droht" (the word
after "und"), "Auch der Sudan, der …, fordert" (the noun phrase before the relative clause), "der
Abgeordnete X, der … beschimpfte" (the relative pronoun's antecedent) and "Nordkorea hat den Sieger,
Cho, als … beschimpft" (the auxiliary several commas before the participle).
"""

from __future__ import annotations

from tonlage.model.segmentation.cues import (
    clause_end_index,
    clause_start_index,
    is_saying_lemma,
    is_saying_participle,
    np_after,
    subject_from_prefix,
)
from tonlage.model.segmentation.lexicon import ADVERBIAL_STARTERS, AUXILIARIES, PREPOSITIONS
from tonlage.model.segmentation.mentions import is_name_token, parse_np
from tonlage.model.segmentation.morph import ADVERB_TAGS, FINITE_TAGS
from tonlage.model.segmentation.tokens import Token

COORDINATORS: frozenset[str] = frozenset({"und", "sowie", "aber", "sondern", "doch", "oder"})
# Words that may precede a subject in the first position ("Auch Japan äußerte sich …").
FOCUS_PARTICLES: frozenset[str] = frozenset({"auch", "selbst", "sogar", "nur", "gerade", "ausgerechnet", "ebenfalls"})
RELATIVE_PRONOUNS: frozenset[str] = frozenset({"der", "die", "das", "welcher", "welche", "welches"})


def verb_subject(tokens: list[Token], v: int, depth: int = 0) -> list[Token] | None:
    """The noun phrase that is the subject of the verb at ``tokens[v]``, or ``None``.

    Args:
        tokens: A statement's tokens (quotes are single tokens, parentheticals removed).
        v: Index of a finite verb or participle.
        depth: Recursion guard for coordinated verbs.

    Returns:
        The subject's tokens; a single "er" after the verb when the first position holds an object.
    """
    clause_start = clause_start_index(tokens, v)
    anchor = _anchor(tokens, clause_start, v)
    if anchor < clause_start:
        clause_start = clause_start_index(tokens, anchor)
    prefix = tokens[clause_start:anchor]
    if anchor + 1 < len(tokens) and tokens[anchor + 1].low == "er" and prefix:
        return tokens[anchor + 1 : anchor + 2]  # "Die Beobachter nannte er …": "er" is nominative
    coordinated = _verb_coordination(prefix)
    if coordinated is None and len(prefix) == 1 and prefix[0].low in COORDINATORS:
        coordinated = 1  # "X teilt aus – und bedankt sich": the verb before the dash
    if coordinated is not None:
        if coordinated == len(prefix):  # "X lachte und versprach": the first conjunct's subject
            first = _first_finite(tokens, clause_start, clause_start + coordinated - 1)
            if first is not None and depth < 2:
                return verb_subject(tokens, first, depth + 1)
            return None
        prefix = prefix[coordinated:]
    if prefix and prefix[0].low in COORDINATORS and len(prefix) > 1:
        prefix = prefix[1:]  # "– und Peking droht"
    if prefix and prefix[0].low in FOCUS_PARTICLES and len(prefix) > 1 and parse_np(prefix, 1) == len(prefix):
        prefix = prefix[1:]  # "Auch Japan äußerte sich"
    if prefix and prefix[0].tag == "PRELS" and clause_start >= 2:
        return np_ending_at(tokens, clause_start - 1)  # "X, der … beschimpfte"
    if not prefix:
        antecedent = _before_relative_clause(tokens, clause_start)
        if antecedent:
            return antecedent
    subject = subject_from_prefix(prefix) or _apposition_subject(tokens, clause_start, anchor)
    if subject is None and _prefix_is_adverbial(prefix):
        subject = np_after(tokens, anchor + 1, clause_end_index(tokens)[anchor])
    return subject


def impersonal_source(tokens: list[Token], v: int) -> list[Token] | None:
    """"hieß es aus Verhandlungskreisen in Kairo", "Aus Peking hieß es": the source after aus/von."""
    start, end = clause_start_index(tokens, v), clause_end_index(tokens)[v]
    for k in range(start, end - 1):
        if tokens[k].low in {"aus", "von"}:
            np_end = parse_np(tokens[:end], k + 1)
            if np_end:
                return tokens[k + 1 : np_end]
    return None


def _anchor(tokens: list[Token], clause_start: int, v: int) -> int:
    """The finite verb a participle belongs to: in its clause, else the auxiliary of the sentence's first clause."""
    token = tokens[v]
    if not (is_saying_participle(token) or is_saying_lemma(token) and token.text.endswith("t")):
        return v
    aux = next((a for a in range(clause_start, v) if tokens[a].text in AUXILIARIES), None)
    if aux is not None:
        return aux
    # "Nordkorea hat den Wahlsieger, Cho Min-jae, als … beschimpft": only commas of appositions between,
    # and the participle ends its clause (not "Er hat Zeit, sagt er").
    if v + 1 < len(tokens) and not (tokens[v + 1].kind == "punct" or tokens[v + 1].low in COORDINATORS):
        return v
    for a in range(clause_start - 1, -1, -1):
        if tokens[a].kind == "punct" and tokens[a].text in ".!?;:":
            break
        if tokens[a].text in AUXILIARIES and tokens[a].tag in FINITE_TAGS:
            between = tokens[a + 1 : v]
            if not any(t.tag in FINITE_TAGS or t.tag == "PRELS" or t.low in {"dass", "weil", "ob"} for t in between):
                return a
            break
    return v


def _verb_coordination(prefix: list[Token]) -> int | None:
    """Index after the "und" that joins this verb to a finite verb before it in the same clause."""
    for k in range(len(prefix) - 1, -1, -1):
        if prefix[k].low in COORDINATORS and any(t.tag in FINITE_TAGS for t in prefix[:k]):
            return k + 1
    return None


def _first_finite(tokens: list[Token], start: int, end: int) -> int | None:
    """The first finite verb at or after ``start`` and before ``end``; the clause may begin earlier."""
    sentence_start = start
    while sentence_start > 0 and tokens[sentence_start - 1].text not in ".!?;":
        sentence_start -= 1
    return next((i for i in range(sentence_start, end) if tokens[i].tag in FINITE_TAGS), None)


def np_ending_at(tokens: list[Token], end: int) -> list[Token] | None:
    """The longest noun phrase that ends right before ``tokens[end]`` ("der Duma-Abgeordnete X" before ",")."""
    start = clause_start_index(tokens, end)
    for k in range(start, end):
        if parse_np(tokens[:end], k) == end:
            return tokens[k:end]
    return None


def _before_relative_clause(tokens: list[Token], clause_start: int) -> list[Token] | None:
    """"Auch der Sudan, der …, fordert": the noun phrase before the relative clause that ends at the verb."""
    if clause_start < 2 or tokens[clause_start - 1].text != ",":
        return None
    relative = clause_start_index(tokens, clause_start - 1)
    if relative < 2 or tokens[relative].tag != "PRELS" or tokens[relative - 1].text != ",":
        return None
    np = np_ending_at(tokens, relative - 1)
    return np if np and np[0].low not in FOCUS_PARTICLES else None


def _apposition_subject(tokens: list[Token], clause_start: int, anchor: int) -> list[Token] | None:
    """"Ein Sprecher des Ministeriums, Oberst Gao Ming, nannte …": the name between commas."""
    if anchor != clause_start or clause_start < 2 or tokens[clause_start - 1].text != ",":
        return None
    start = clause_start_index(tokens, clause_start - 1)
    if start == 0 or tokens[start - 1].text != ",":
        return None
    apposition = tokens[start : clause_start - 1]
    if apposition and parse_np(apposition, 0) == len(apposition) and any(is_name_token(t) for t in apposition):
        return apposition
    return None


def _prefix_is_adverbial(prefix: list[Token]) -> bool:
    if not prefix or all(t.kind == "quote" for t in prefix):
        return True
    first = prefix[0]
    return first.kind == "num" or first.low in PREPOSITIONS or first.low in ADVERBIAL_STARTERS or first.tag in ADVERB_TAGS
