"""Noun phrases in speaker position: roles, names, particles, genitives and nationalities."""

from __future__ import annotations

import re

from tonlage.model.segmentation.lexicon import (
    ADVERBIAL_STARTERS,
    CAPITALS,
    COUNTRY_GENITIVES,
    DETERMINERS,
    FUNCTION_WORDS,
    INSTITUTION_SUFFIXES,
    NAME_PARTICLES,
    NATIONALITY_SYNONYMS,
    NOT_NAMES,
    PLACE_OF_WORK_HEADS,
    PREFIXED_NAME_RE,
    PREPOSITIONS,
    PRONOUN_GENDER,
    ROLE_PREFIX_NATIONALITY,
    ROLE_SUFFIXES,
    TITLES,
)
from tonlage.model.segmentation.morph import ADVERB_TAGS
from tonlage.model.segmentation.tokens import Token


def is_role(token: Token) -> bool:
    return token.is_cap and role_stem(token.text).endswith(ROLE_SUFFIXES)


def role_stem(word: str) -> str:
    """Lower-cased role noun without "US-"-style prefix or -n/-en inflection ("Amtskollegen")."""
    stem = word.lower().rstrip("-").rsplit("-", 1)[-1]
    if not stem.endswith(ROLE_SUFFIXES):
        for ending in ("en", "n"):
            if stem.endswith(ending) and stem[: -len(ending)].endswith(ROLE_SUFFIXES):
                return stem[: -len(ending)]
    return stem


def is_adjective(token: Token) -> bool:
    low = token.low
    return (
        token.kind == "word"
        and token.text[:1].islower()
        and low not in PREPOSITIONS
        and low not in ADVERBIAL_STARTERS
        and low not in DETERMINERS
        and re.search(r"(e|en|er|es|em)$", low) is not None
    )


def is_name_token(token: Token) -> bool:
    """A capitalised word or an initial ("J.") that can be part of a name or noun phrase."""
    return (
        token.is_cap
        and token.text not in NOT_NAMES
        and token.low not in FUNCTION_WORDS
        and token.tag not in ADVERB_TAGS  # "Persönlich dankte X", "Ausdrücklich warnte …"
    )


def parse_np(tokens: list[Token], i: int) -> int | None:
    """Parse a speaker noun phrase starting at ``tokens[i]``; return its end index."""
    n = len(tokens)
    if i >= n or tokens[i].kind != "word":
        return None
    if tokens[i].low in PRONOUN_GENDER:
        return i + 1
    k = i
    if _is_country_genitive(tokens, k):
        k += 1  # "Russlands Präsident …"
    elif tokens[k].low in DETERMINERS and not _is_demonstrative(tokens, k):
        k += 1
    while k < n and is_adjective(tokens[k]):
        k += 1
    head_start = k
    while k < n and not (k > head_start and _is_place_after_institution(tokens, k)) and (
        is_name_token(tokens[k])
        or tokens[k].text in TITLES
        or is_name_particle(tokens, k)
        # "die staatliche Nachrichtenagentur Irna" is a subject; "der Nachrichtenagentur" a dative
        or tokens[k].text in NOT_NAMES and k > i and tokens[i].low in {"die", "das", "ein", "eine"}
    ):
        k += 1
    if k == head_start:
        return None
    k = extend_genitive(tokens, k)
    return _extend_location(tokens, k)


def _is_place_after_institution(tokens: list[Token], k: int) -> bool:
    """"warnte das US-Außenministerium Peking", "dankte der 70-Jährige Thailand": the place is an object.

    After an institution, a role or a nominalised adjective the place is not part of the name.
    """
    word, before = tokens[k].text, tokens[k - 1]
    is_place = word in CAPITALS or word + "s" in COUNTRY_GENITIVES
    return is_place and (head_noun(before.text).endswith(INSTITUTION_SUFFIXES) or is_role(before) or before.tag in {"NNA", "ADJ(A)"})


def _is_country_genitive(tokens: list[Token], k: int) -> bool:
    word = tokens[k]
    before_role = word.is_cap and word.text.endswith("s") and k + 1 < len(tokens) and is_role(tokens[k + 1])
    return word.text in COUNTRY_GENITIVES or before_role


def _is_demonstrative(tokens: list[Token], k: int) -> bool:
    """"Das"/"Dies" standing alone ("Das sagte er"), not as an article ("Das Ministerium")."""
    following = tokens[k + 1] if k + 1 < len(tokens) else None
    return tokens[k].text in {"Das", "Dies"} and not (following and (following.is_cap or is_adjective(following)))


def is_name_particle(tokens: list[Token], k: int) -> bool:
    """Lower-case parts inside a name: "von der" Leyen, "al-Rashid", "bin" Salman."""
    if k == 0 or not (tokens[k - 1].is_cap or tokens[k - 1].low in NAME_PARTICLES) or is_role(tokens[k - 1]):
        return False
    if PREFIXED_NAME_RE.fullmatch(tokens[k].text):
        return True
    m = k
    while m < len(tokens) and tokens[m].low in NAME_PARTICLES and not tokens[m].is_cap:
        m += 1
    run = [t.low for t in tokens[k:m]]
    return (
        0 < len(run) <= 2
        and m < len(tokens)
        and tokens[m].is_cap
        and not head_noun(tokens[m].text).endswith(INSTITUTION_SUFFIXES + PLACE_OF_WORK_HEADS)
        and (run[0] not in {"der", "zu"} or not tokens[k - 1].is_cap)  # not "Sprecher der Regierung"
    )


def extend_genitive(tokens: list[Token], k: int) -> int:
    """"ein Sprecher des chinesischen Verteidigungsministeriums" (one level)."""
    if k < len(tokens) and tokens[k].low in {"des", "der"}:
        j = k + 1
        while j < len(tokens) and is_adjective(tokens[j]):
            j += 1
        if j < len(tokens) and tokens[j].is_cap:
            while j < len(tokens) and tokens[j].is_cap:
                j += 1
            return j
    return k


def _extend_location(tokens: list[Token], k: int) -> int:
    """"die Regierung in Taipeh", "die Militärregierung in Mali"."""
    if (
        k + 1 < len(tokens)
        and tokens[k].low in {"in", "aus"}
        and tokens[k + 1].is_cap
        and head_noun(tokens[k - 1].text).endswith(INSTITUTION_SUFFIXES)
        and (k + 2 >= len(tokens) or not tokens[k + 2].is_cap)
    ):
        return k + 2
    return k


def head_noun(word: str) -> str:
    return word.lower().rsplit("-", 1)[-1]


def _nationality(word: str) -> str | None:
    low = word.lower()
    match = re.fullmatch(r"(.*?(?:isch|sch|us|eu))(e|er|en|es|em)?", low)
    if not match or low in ADVERBIAL_STARTERS:
        return None
    stem = match.group(1)
    return NATIONALITY_SYNONYMS.get(stem, stem)


def np_nationalities(tokens: list[Token]) -> set[str]:
    nats = set()
    for token in tokens:
        if token.text in COUNTRY_GENITIVES:
            nats.add(COUNTRY_GENITIVES[token.text])
        elif is_adjective(token) and (nat := _nationality(token.text)):
            nats.add(nat)
        elif is_role(token) or head_noun(token.text).endswith(INSTITUTION_SUFFIXES):
            prefix = re.match(r"([A-Za-z]+)-", token.text)
            if prefix and prefix.group(1).lower() in ROLE_PREFIX_NATIONALITY:
                nats.add(ROLE_PREFIX_NATIONALITY[prefix.group(1).lower()])
            elif token.low.startswith("bundes"):
                nats.add("deutsch")
    return nats
