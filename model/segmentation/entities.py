"""People and institutions named in the article, for resolving pronouns and definite descriptions."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from tonlage.model.segmentation.lexicon import (
    CAPITALS,
    COUNTRY_GENITIVES,
    DETERMINERS,
    FEMININE_NOUN_ENDINGS,
    INSTITUTION_SUFFIXES,
    NAME_PARTICLES,
    POSSESSIVES,
    ROLE_HYPERNYMS,
    ROLE_SUFFIXES,
    TITLES,
)
from tonlage.model.segmentation.mentions import (
    extend_genitive,
    head_noun,
    is_adjective,
    is_name_particle,
    is_name_token,
    is_role,
    np_nationalities,
    role_stem,
)
from tonlage.model.segmentation.tokens import Token


@dataclass
class Entity:
    name: str
    is_person: bool
    gender: str  # "m", "f", "n", "pl"; "?" for a bare name never seen with a role (a person or a state)
    roles: set[str] = field(default_factory=set)
    nationalities: set[str] = field(default_factory=set)
    positions: list[int] = field(default_factory=list)

    def last_before(self, pos: int) -> int:
        index = bisect.bisect_left(self.positions, pos) - 1
        return self.positions[index] if index >= 0 else -1

    def head(self) -> str:
        words = [w for w in re.findall(r"[\w\-]+", self.name) if w[:1].isupper()]
        return head_noun(words[-1]) if words else ""


class Registry:
    """People and institutions mentioned so far, with their mention positions."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.keys: dict[str, Entity] = {}

    def mention(self, entity: Entity, pos: int) -> Entity:
        bisect.insort(entity.positions, pos)
        return entity

    def add_person(
        self, name_tokens: list[Token], roles: list[str], nats: set[str], pos: int, gender: str | None = None
    ) -> Entity:
        name_tokens = [t for t in name_tokens if t.text not in TITLES] or name_tokens
        name = " ".join(t.text for t in name_tokens)
        keys = [t.low for t in name_tokens if t.kind == "word" and len(t.text) > 2 and t.low not in NAME_PARTICLES]
        entity = next((self.keys[k] for k in keys if k in self.keys and self.keys[k].is_person), None)
        if entity is not None and _other_first_name(entity.name, name):
            entity = None  # "Michiko Hayashida" is not "Shigeru Hayashida"
        if entity is None:
            entity = Entity(name=name, is_person=True, gender=gender or (_gender_from_roles(roles) if roles else "?"))
            self.entities.append(entity)
        elif len(name) > len(entity.name):
            entity.name = name
        if entity.gender == "?" and (gender or roles):
            entity.gender = gender or _gender_from_roles(roles)
        entity.roles.update(role_stem(r) for r in roles)
        entity.nationalities.update(nats)
        for key in keys:
            self.keys[key] = entity
        return self.mention(entity, pos)

    def add_institution(self, np_text: str, tokens: list[Token], pos: int) -> Entity:
        name = _lower_article(np_text)
        for entity in self.entities:
            if entity.name.lower() == name.lower():
                return self.mention(entity, pos)
        entity = Entity(name=name, is_person=False, gender=_grammatical_gender(tokens))
        entity.nationalities.update(np_nationalities(tokens))
        self.entities.append(entity)
        return self.mention(entity, pos)

    def lookup(self, token: Token) -> Entity | None:
        return self.keys.get(token.low) if token.is_cap else None

    def resolve_pronoun(self, gender: str, before: int) -> Entity | None:
        # A bare name of unknown gender ("Kolumbien droht …") is only a fallback antecedent.
        for genders in ({gender}, {"?"}):
            candidates = [(e.last_before(before), e) for e in self.entities if e.gender in genders]
            best = max(candidates, default=(-1, None), key=lambda c: c[0])
            if best[0] >= 0:
                return best[1]
        return None

    def resolve_person(self, gender: str, before: int, preferred: Entity | None) -> Entity | None:
        """A nameless description of a person ("der 61-Jährige", "die Sozialistin") or a pronoun.

        The speaker of the statement before comes first when the gender fits: news prose keeps
        its topic. Otherwise the person of that gender mentioned last before ``before``.
        """
        genders = {gender, "?"} | ({"pl", "n"} if gender == "f" else set())  # "sie" for a state or agency
        if preferred is not None and preferred.gender in genders and (preferred.is_person or gender != "m"):
            return preferred
        candidates = [(e.last_before(before), e) for e in self.entities if e.is_person and e.gender == gender]
        best = max(candidates, default=(-1, None), key=lambda c: c[0])
        return best[1] if best[0] >= 0 else None

    def institution_named(self, tokens: list[Token], head: str) -> bool:
        nats = np_nationalities(tokens)
        return any(not e.is_person and e.head() == head and nats <= e.nationalities for e in self.entities)

    def government_of(self, nationality: str) -> Entity | None:
        """The article's "<nationality> Regierung", for a capital or state that speaks ("Kairo droht")."""
        return next(
            (e for e in self.entities if not e.is_person and e.head() == "regierung" and nationality in e.nationalities),
            None,
        )

    def resolve_description(self, head: str, nats: set[str], before: int) -> Entity | None:
        """The entity a definite description ("der türkische Verteidigungsminister", "die Botschaft") names.

        The last fitting entity before ``before``; else the first after it (a teaser or lead may name the
        role before the article names the person, "Malaysias Premier fordert …"). A nationality in the
        description must be the entity's, unless the entity has none recorded and nothing else fits.
        """

        def fits(entity: Entity, strict: bool = True) -> bool:
            if strict and not nats <= entity.nationalities or not strict and entity.nationalities:
                return False
            if entity.is_person:
                narrower = (head, *ROLE_HYPERNYMS.get(head, ()))
                return any(role.endswith(narrower) for role in entity.roles)
            return entity.head().endswith(head)

        fitting = [e for e in self.entities if fits(e)] or [e for e in self.entities if nats and fits(e, strict=False)]
        best = max(((e.last_before(before), e) for e in fitting), default=(-1, None), key=lambda c: c[0])
        if best[0] >= 0:
            return best[1]
        later = [(min((p for p in e.positions if p > before), default=-1), e) for e in fitting]
        later = [c for c in later if c[0] >= 0]
        return min(later, key=lambda c: c[0])[1] if later else None


_COUNTRIES: dict[str, str] = {name.removesuffix("s"): nat for name, nat in COUNTRY_GENITIVES.items()}


def _other_first_name(known: str, new: str) -> bool:
    a, b = known.split(), new.split()
    return len(a) > 1 and len(b) > 1 and a[0] != b[0] and a[-1] == b[-1]


def place_nationality(np_tokens: list[Token]) -> str | None:
    """The nationality of a capital or state named alone ("Kairo", "Ägypten", "der Sudan"), else None."""
    words = [t.text for t in np_tokens if t.low not in DETERMINERS]
    name = " ".join(words)
    return CAPITALS.get(name) or _COUNTRIES.get(name)


def _lower_article(np_text: str) -> str:
    first, _, rest = np_text.partition(" ")
    return f"{first.lower()} {rest}" if rest and first.lower() in DETERMINERS else np_text


def _grammatical_gender(tokens: list[Token]) -> str:
    first = tokens[0].low if tokens else ""
    head = next((head_noun(t.text) for t in reversed(tokens) if t.is_cap), "")
    if first in {"der", "ein"}:
        return "m"
    if first in {"das"}:
        return "n"
    if first in {"die", "eine"}:
        return "f" if head.endswith(FEMININE_NOUN_ENDINGS) or first == "eine" else "pl"
    return "pl" if first in {"mehrere", "zahlreiche", "viele", "einige", "beide"} else "n"


def register_people(tokens: list[Token], registry: Registry) -> None:
    """Register "Rolle [Titel] Vorname Name" mentions and re-mentions of known names."""
    i = 0
    last_person: Entity | None = None
    while i < len(tokens):
        mention = _person_mention(tokens, i) if is_role(tokens[i]) else None
        if mention is not None:
            roles, name_start, name_end = mention
            gender = _gender_from_determiner(tokens, i) or _gender_from_roles(roles)
            if last_person is not None and _is_colleague_of_previous(tokens, i):
                roles += [_gendered_role(r, gender) for r in sorted(last_person.roles)]
            nats = np_nationalities(tokens[max(0, i - 3) : i + 1])
            name = tokens[name_start:name_end]
            last_person = registry.add_person(name, roles, nats, name[0].start, gender)
            i = name_end
            continue
        run_end = _name_run_end(tokens, i)
        if run_end > i + 1:  # "des Konservativen Cho Min-jae", "Die Witwe, Michiko Hayashida,"
            last_person = registry.add_person(tokens[i:run_end], [], set(), tokens[i].start, _gender_before(tokens, i))
            i = run_end
            continue
        if (entity := registry.lookup(tokens[i])) is not None:
            registry.mention(entity, tokens[i].start)
            last_person = entity if entity.is_person else last_person
        i += 1


def _name_run_end(tokens: list[Token], i: int) -> int:
    """End of a run of two to four proper nouns (HanTa "NE") starting at ``i`` that is no place."""
    if i > 0 and tokens[i - 1].tag == "NE" and tokens[i - 1].is_cap:
        return i
    j = i
    while j < len(tokens) and j - i < 4 and tokens[j].is_cap and tokens[j].tag == "NE" and is_name_token(tokens[j]):
        j += 1
    words = " ".join(t.text for t in tokens[i:j])
    if j - i < 2 or words in CAPITALS or any(t.text in CAPITALS or t.text in _COUNTRIES for t in tokens[i:j]):
        return i
    return j


def _gender_before(tokens: list[Token], i: int) -> str | None:
    """"die Witwe, X", "der Kandidatin der …, X": the gender of the noun the name stands beside."""
    j = i - 1 if i > 0 and tokens[i - 1].text == "," else i
    noun = tokens[j - 1] if j > 0 else None
    if noun is None or noun.tag not in {"NN", "NNA"}:
        return None
    return "f" if noun.low.endswith(("in", "witwe", "frau")) else None


def _person_mention(tokens: list[Token], i: int) -> tuple[list[str], int, int] | None:
    """At a role noun: its roles and the token span of the name that follows, if any."""
    j, roles = i, []
    while j < len(tokens) and (is_role(tokens[j]) or tokens[j].text in TITLES):
        if is_role(tokens[j]):
            roles.append(tokens[j].text)
        j += 1
    start = _skip_genitive_apposition(tokens, j)
    end, name_words = start, 0
    while end < len(tokens) and _continues_name(tokens, end):
        name_words += tokens[end].is_cap
        if name_words > 4:
            break
        end += 1  # up to four name words, particles not counted ("Andrés Felipe de la Torre")
    return (roles, start, end) if end > start else None


def _continues_name(tokens: list[Token], k: int) -> bool:
    return (is_name_token(tokens[k]) and not is_role(tokens[k])) or is_name_particle(tokens, k)


def _gender_from_roles(roles: list[str]) -> str:
    return "f" if any(role_stem(r).endswith(("in", "frau")) for r in roles) else "m"


def _gendered_role(role: str, gender: str) -> str:
    """"präsidentin" -> "präsident" for a male colleague, and the other way round."""
    if gender == "m" and role.endswith("in") and role[:-2].endswith(ROLE_SUFFIXES):
        return role[:-2]
    if gender == "f" and not role.endswith("in"):
        return role.removesuffix("e") + "in"
    return role


def _gender_from_determiner(tokens: list[Token], i: int) -> str | None:
    """"die Delegierte", "eine Abgeordnete": feminine although the role has no "-in"."""
    j = i - 1
    while j >= 0 and is_adjective(tokens[j]):
        j -= 1
    return "f" if j >= 0 and tokens[j].low in {"die", "eine"} else None


def _skip_genitive_apposition(tokens: list[Token], j: int) -> int:
    """Role, genitive, comma, name: "Die Koordinatorin des UN-Büros, J. Morales"."""
    k = extend_genitive(tokens, j)
    if k > j and k < len(tokens) and tokens[k].text == ",":
        return k + 1
    return j


def _is_colleague_of_previous(tokens: list[Token], i: int) -> bool:
    """"Putin und sein kasachischer Kollege Tokajew": the colleague shares Putin's office."""
    if "kolleg" not in tokens[i].low:
        return False
    j = i - 1
    while j >= 0 and is_adjective(tokens[j]):
        j -= 1
    return j >= 0 and tokens[j].low in POSSESSIVES


def register_governments(tokens: list[Token], text: str, registry: Registry) -> None:
    """Register "die ägyptische Regierung", "der russischen Botschaft" in any case.

    A capital can then stand for the government ("Kairo droht") and a later description for the
    institution ("Die Botschaft nannte …"). Only feminine heads, whose article and adjective ending
    give the nominative safely.
    """
    for i, token in enumerate(tokens):
        head = head_noun(token.text)
        if not token.is_cap or not head.endswith(INSTITUTION_SUFFIXES) or not head.endswith(FEMININE_NOUN_ENDINGS):
            continue
        j = i
        while j > 0 and is_adjective(tokens[j - 1]):
            j -= 1
        nps = tokens[j : i + 1]
        if np_nationalities(nps) and not registry.institution_named(nps, head):
            # Named in the nominative: "der ägyptischen Regierung" -> "die ägyptische Regierung".
            words = [t.text[:-1] if t.text.endswith("en") else t.text for t in nps[:-1]] + [token.text]
            registry.add_institution("die " + " ".join(words), nps, token.start)
