"""Speech cues shared by kind detection and speaker attribution.

Verbs of saying, "…, so X", speech-act nouns ("zu einer Warnung") and the clause helpers that
locate the subject in front of a verb.
"""

from __future__ import annotations

from tonlage.model.segmentation.lexicon import (
    ADVERBIAL_STARTERS,
    CASUALTY_NOUNS,
    CAUSATIVE_VERBS,
    DETERMINERS,
    IMPERSONAL_SAYING,
    PREPOSITIONS,
    PUBLISHING_LEMMAS,
    SAYING_FINITE,
    SAYING_LEMMAS,
    SAYING_PARTICIPLES,
    SEPARABLE_SAYING,
    SKIPPABLE_ADVERBS,
    SPEECH_ACT_FRAME_VERBS,
    SPEECH_ACT_PREPOSITIONS,
    STATEMENT_NOUNS,
    TONE_ACT_NOUNS,
)
from tonlage.model.segmentation.mentions import is_adjective, parse_np
from tonlage.model.segmentation.tokens import Token


def saying_verb_positions(tokens: list[Token]) -> list[int]:
    """Indices of verbs of saying (with their particle, not "forderte 40 Tote")."""
    positions = []
    clause_end = clause_end_index(tokens)
    for i, token in enumerate(tokens):
        word = token.text
        if word in SEPARABLE_SAYING and any(t.low in SEPARABLE_SAYING[word] for t in tokens[i + 1 : clause_end[i]]):
            positions.append(i)
        elif word in SAYING_FINITE or word in SAYING_PARTICIPLES or is_saying_lemma(token):
            if word.startswith(("forder", "gefordert")) and _casualty_follows(tokens, i, clause_end[i]):
                continue
            positions.append(i)
        elif word in IMPERSONAL_SAYING and i + 1 < len(tokens) and tokens[i + 1].low == "es":
            positions.append(i)
        elif token.lemma in PUBLISHING_LEMMAS and token.tag == "VV(FIN)" and any(
            t.text in STATEMENT_NOUNS for t in tokens[i + 1 : clause_end[i]]
        ):
            positions.append(i)
    return positions


def is_saying_lemma(token: Token) -> bool:
    """A finite verb or participle whose HanTa lemma is a verb of saying ("rät", "scherzte")."""
    return token.tag in {"VV(FIN)", "VV(PP)"} and token.lemma in SAYING_LEMMAS and token.text[:1].islower()


def is_saying_participle(token: Token) -> bool:
    return token.text in SAYING_PARTICIPLES or token.tag == "VV(PP)" and is_saying_lemma(token)


def speech_act_performer(tokens: list[Token]) -> list[Token] | None:
    """Who performs a tone named as a noun after zu/für/mit, in a sentence without a verb of saying.

    "Das veranlasst US-Außenminister Blinken zu einer flapsigen Warnung" -> the object after the
    causative verb; "Rubio nutzte das Treffen für eine deutliche Warnung" -> the subject.
    """
    for i, token in enumerate(tokens):
        if token.text not in TONE_ACT_NOUNS:
            continue
        j = i - 1
        while j >= 0 and (tokens[j].low in DETERMINERS or is_adjective(tokens[j])):
            j -= 1
        if j < 0 or tokens[j].low not in SPEECH_ACT_PREPOSITIONS:
            continue
        start = clause_start_index(tokens, j)
        for v in range(start, j):
            if tokens[v].low in CAUSATIVE_VERBS:
                performer = np_after(tokens, v + 1, j)
                if performer:
                    return performer
            elif tokens[v].low in SPEECH_ACT_FRAME_VERBS:
                performer = subject_from_prefix(tokens[start:v])
                if performer:
                    return performer
    return None


def clause_end_index(tokens: list[Token]) -> list[int]:
    """For each token, the index of the next , ; : or sentence mark (particle search range)."""
    ends = [len(tokens)] * len(tokens)
    nxt = len(tokens)
    for i in range(len(tokens) - 1, -1, -1):
        ends[i] = nxt
        if tokens[i].kind == "punct" and tokens[i].text in ",;:.!?":
            nxt = i
    return ends


def _casualty_follows(tokens: list[Token], i: int, limit: int) -> bool:
    return any(t.text in CASUALTY_NOUNS for t in tokens[i + 1 : min(limit, i + 11)])


def so_attribution(tokens: list[Token]) -> tuple[int, int] | None:
    """``…, so der Minister.`` -> token span of the NP after "so"."""
    for i, token in enumerate(tokens):
        if token.low != "so" or not (i == 0 or tokens[i - 1].text == ","):
            continue
        end = parse_np(tokens, i + 1)
        if end is None:
            continue
        rest = tokens[end:]
        if not rest or rest[0].text in ".!?," or rest[0].low in PREPOSITIONS:
            return (i + 1, end)
    return None


def clause_start_index(tokens: list[Token], v: int) -> int:
    """Start of the clause holding ``tokens[v]``; a direct quote also closes a clause."""
    for i in range(v - 1, -1, -1):
        if tokens[i].kind == "punct" and tokens[i].text in ",;:()–—.!?":
            return i + 1
        if tokens[i].kind == "quote" and i + 1 < v and tokens[i + 1].is_cap:
            return i + 1  # "„…“ Das sagte X" — a new sentence after the quote
    return 0


def subject_from_prefix(prefix: list[Token]) -> list[Token] | None:
    """The subject standing before the verb ("Das russische Außenministerium kritisierte")."""
    if not prefix or prefix[0].kind != "word" or prefix[0].low in PREPOSITIONS:
        return None
    if prefix[0].low in ADVERBIAL_STARTERS and not (prefix[0].low == "das" and len(prefix) > 1):
        return None
    end = parse_np(prefix, 0)
    if end == len(prefix):
        return prefix
    complex_np = (
        prefix[0].low in DETERMINERS
        and prefix[-1].is_cap
        and not any(t.low in {"und", "oder"} or t.kind == "quote" for t in prefix)
    )
    return prefix if complex_np else None


def np_after(tokens: list[Token], i: int, limit: int) -> list[Token] | None:
    while i < limit and tokens[i].low in SKIPPABLE_ADVERBS:
        i += 1
    if i < limit and tokens[i].low == "es":
        return None
    end = parse_np(tokens[:limit], i)
    return tokens[i:end] if end else None
