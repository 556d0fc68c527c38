"""Step 4: find the noun phrase that speaks and resolve it to a name the article uses."""

from __future__ import annotations

from dataclasses import dataclass

from tonlage.model.segmentation.clauses import impersonal_source, verb_subject
from tonlage.model.segmentation.cues import (
    clause_start_index,
    saying_verb_positions,
    so_attribution,
    speech_act_performer,
)
from tonlage.model.segmentation.entities import Entity, Registry, place_nationality
from tonlage.model.segmentation.lexicon import (
    AUXILIARIES,
    COUNTRY_GENITIVES,
    DEFINITE_ARTICLES,
    GENERIC_HEADS,
    IMPERSONAL_SAYING,
    INSTITUTION_SUFFIXES,
    KONJUNKTIV_FORMS,
    NON_PERSON_HEADS,
    PRONOUN_GENDER,
    ROLE_SUFFIXES,
)
from tonlage.model.segmentation.mentions import head_noun, is_adjective, is_name_token, is_role, np_nationalities, parse_np
from tonlage.model.segmentation.morph import FINITE_TAGS, is_konjunktiv_i
from tonlage.model.segmentation.tokens import Token


@dataclass(frozen=True)
class Attribution:
    """Who speaks (an entity of the registry) and the words of the statement that name them."""

    entity: Entity
    mention: str | None


def _without_parentheticals(tokens: list[Token]) -> list[Token]:
    """Drop "(CDU)"-style insertions so they do not split the subject from its verb."""
    kept, depth = [], 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")" and depth:
            depth -= 1
        elif not depth:
            kept.append(token)
    return kept


def _speaker_candidates(tokens: list[Token]) -> list[list[Token]]:
    """Noun phrases in speaker position, in text order."""
    tokens = _without_parentheticals(tokens)
    candidates: list[list[Token]] = []
    plural: list[list[Token]] = []  # "gratulieren Washington und Tokio": no single speaker, a last resort
    for v in saying_verb_positions(tokens):
        subject = impersonal_source(tokens, v) if tokens[v].text in IMPERSONAL_SAYING else verb_subject(tokens, v)
        if subject:
            (plural if _coordinated(tokens, subject) else candidates).append(subject)
    so_span = so_attribution(tokens)
    if so_span is not None:
        candidates.append(tokens[so_span[0] : so_span[1]])
    performer = speech_act_performer(tokens)
    if performer:
        candidates.append(performer)
    framed = _colon_frame_subject(tokens)
    if framed:
        candidates.append(framed)
    return candidates + plural


def _coordinated(tokens: list[Token], subject: list[Token]) -> bool:
    """Whether "und" + another name follows the noun phrase ("Washington und Tokio")."""
    after = next((i for i, t in enumerate(tokens) if t.start >= subject[-1].end), len(tokens))
    return after + 1 < len(tokens) and tokens[after].low in {"und", "sowie"} and tokens[after + 1].is_cap


def _reports_someone_else(tokens: list[Token]) -> bool:
    """"Er habe immer gesagt, …": a verb of saying in Konjunktiv I is itself reported by the last speaker.

    Only when it is the sentence's one verb of saying: "X habe Y informiert, hieß es" keeps its frame.
    """
    positions = saying_verb_positions(tokens)
    for v in positions if len(positions) == 1 else []:
        start = clause_start_index(tokens, v)
        verbs = [tokens[v]] if tokens[v].tag in FINITE_TAGS else [t for t in tokens[start:v] if t.text in AUXILIARIES]
        return any(t.text in KONJUNKTIV_FORMS or is_konjunktiv_i(t.text, t.lemma, t.tag) for t in verbs)
    return False


def _colon_frame_subject(tokens: list[Token]) -> list[Token] | None:
    """"Außenministerin Laura Restrepo ging noch weiter: Hallorann sei …" -> the subject before the colon.

    Only a noun phrase with a role or institution counts ("Die Lage ist klar: …" has no speaker).
    """
    colon = next((i for i, t in enumerate(tokens) if t.text == ":"), None)
    if colon is None or colon + 1 >= len(tokens):
        return None
    start = clause_start_index(tokens, colon)
    end = parse_np(tokens[:colon], start)
    if not end or end >= colon or tokens[end].kind != "word" or tokens[end].is_cap:
        return None
    subject = tokens[start:end]
    if any(is_role(t) or head_noun(t.text).endswith(INSTITUTION_SUFFIXES) for t in subject):
        return subject
    return None


def _resolve_speaker(
    np_tokens: list[Token], text: str, registry: Registry, previous: Entity | None
) -> Entity | None:
    """Turn a speaker noun phrase into the entity the article names it by."""
    pos = np_tokens[0].start
    if len(np_tokens) == 1 and np_tokens[0].low in PRONOUN_GENDER:
        gender = PRONOUN_GENDER[np_tokens[0].low]
        # "dieser" points to the last man named, not the topic ("Brandt traf Adler. Dieser dankte …").
        preferred = None if np_tokens[0].low in {"dieser", "diese"} else previous
        entity = registry.resolve_person(gender, pos, preferred) or registry.resolve_pronoun(gender, pos)
        return registry.mention(entity, pos) if entity else None
    known = (registry.lookup(t) for t in np_tokens)
    person = next((e for e in known if e is not None and e.is_person), None)
    if person is not None:
        return registry.mention(person, pos)
    circle = _circle_institution(np_tokens, registry)
    if circle is not None:
        return registry.mention(circle, pos)  # "aus ägyptischen Regierungskreisen" -> "die ägyptische Regierung"
    place = place_nationality(np_tokens)
    if place is not None and (government := registry.government_of(place)) is not None:
        return registry.mention(government, pos)  # "Kairo droht" -> the article's "ägyptische Regierung"
    if _is_definite_description(np_tokens):
        head = head_noun(np_tokens[-1].text)
        entity = registry.resolve_description(head, np_nationalities(np_tokens), pos)
        if entity is not None:
            return registry.mention(entity, pos)
    described = _person_description_gender(np_tokens)
    if described is not None:
        entity = registry.resolve_person(described, pos, previous)
        return registry.mention(entity, pos) if entity else None
    if _is_definite_description(np_tokens):
        head = head_noun(np_tokens[-1].text)
        named = bool(np_nationalities(np_tokens)) and not head.endswith(ROLE_SUFFIXES)
        if not named and (len(np_tokens) == 2 or head.endswith(ROLE_SUFFIXES) and not np_nationalities(np_tokens)):
            return None  # "das Ministerium", "der Minister" without antecedent; "das US-Außenministerium" is named
    np_text = text[np_tokens[0].start : np_tokens[-1].end]
    if _looks_like_bare_name(np_tokens):
        return registry.add_person(np_tokens, [], set(), pos)
    return registry.add_institution(np_text, np_tokens, pos)


def _circle_institution(np_tokens: list[Token], registry: Registry) -> Entity | None:
    """The article's institution behind "<nationality> <Institution>skreise" ("ägyptische Regierungskreise")."""
    head = head_noun(np_tokens[-1].text).removesuffix("n")
    nats = np_nationalities(np_tokens)
    if not head.endswith("kreise") or not nats:
        return None
    stem = head.removesuffix("kreise").removesuffix("s")
    found = (e for e in registry.entities if not e.is_person and e.head() == stem and nats <= e.nationalities)
    return next(found, None) if stem else None


def _person_description_gender(np_tokens: list[Token]) -> str | None:
    """"der Sozialdemokrat", "die frühere Gewerkschafterin", "der 61-Jährige": a person named before.

    A definite singular noun phrase without a name whose head is no institution; "die" counts as
    feminine only for a head in -in or -e that is its own lemma (a nominative singular: not
    "die Blauhelme", "die Veranstalter").
    """
    first, head = np_tokens[0], np_tokens[-1]
    if first.low not in {"der", "die"} or len(np_tokens) < 2 or not all(is_adjective(t) for t in np_tokens[1:-1]):
        return None
    nominalised = head.tag in {"NNA", "ADJ(A)"} and head.text.endswith("e")  # "die 61-Jährige", "die Konservative"
    if not head.is_cap or head.tag != "NN" and not nominalised:
        return None
    if head_noun(head.text).endswith(INSTITUTION_SUFFIXES + NON_PERSON_HEADS):
        return None
    if first.low == "die" and not nominalised and (head.lemma != head.text or not head.text.endswith(("in", "e"))):
        return None
    return "m" if first.low == "der" else "f"


def _is_definite_description(np_tokens: list[Token]) -> bool:
    """"der türkische Minister", "die Botschaft", "Malaysias Premier": an article or country genitive, a head."""
    if np_tokens[0].low not in DEFINITE_ARTICLES and not (len(np_tokens) > 1 and np_tokens[0].text in COUNTRY_GENITIVES):
        return False
    middle = np_tokens[1:-1]
    head = np_tokens[-1]
    return head.is_cap and all(is_adjective(t) for t in middle) and head_noun(head.text).endswith(GENERIC_HEADS)


def _looks_like_bare_name(np_tokens: list[Token]) -> bool:
    return all(is_name_token(t) for t in np_tokens) and not any(
        is_role(t) or head_noun(t.text).endswith(INSTITUTION_SUFFIXES) for t in np_tokens
    )


def attribute_speaker(
    tokens: list[Token],
    text: str,
    kind: str,
    previous: Attribution | None,
    registry: Registry,
    topic: Entity | None = None,
) -> Attribution | None:
    """The speaker of one statement and the words that name it, or ``None``.

    Args:
        tokens: The statement's tokens outside quotes.
        text: The article text.
        kind: The statement's kind; a narrative statement has no speaker.
        previous: The attribution of the statement before, when it was a quote or reported.
        registry: People and institutions of the article.
        topic: Who the sentence before was about (its speaker, or the person subject of a
            narrative sentence); pronouns and nameless descriptions prefer it.

    Returns:
        The attribution; an unattributed quote or Konjunktiv sentence continues ``previous``
        without a mention of its own.
    """
    if kind == "narrative":
        return None
    before = topic or (previous.entity if previous else None)
    if previous is not None and _reports_someone_else(tokens):
        return Attribution(previous.entity, None)
    for candidate in _speaker_candidates(tokens):
        entity = _resolve_speaker(candidate, text, registry, before)
        if entity is not None:
            return Attribution(entity, text[candidate[0].start : candidate[-1].end])
    if previous is not None:
        return Attribution(previous.entity, None)  # a quote or Konjunktiv sentence continues the last speaker
    return None


def sentence_topic(tokens: list[Token], registry: Registry) -> Entity | None:
    """The known person named before the first finite verb ("Er traf …" has none, "Weber traf …" has Weber)."""
    for token in tokens:
        if token.tag in FINITE_TAGS:
            return None
        entity = registry.lookup(token)
        if entity is not None and entity.is_person:
            return entity
    return None
