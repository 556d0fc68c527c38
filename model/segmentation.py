"""Split German news articles into statements and attribute them to speakers.

The pipeline is rule-based and runs in four small steps:

1. ``find_quotes`` locates direct quotes in any of the usual German quote styles
   („…“, "…", »…«, «…», “…”), so that sentence splitting never cuts inside one.
2. ``split_statements`` cuts the text at sentence ends, paragraph breaks and header
   lines, while skipping abbreviations ("z. B.", "Dr.", "bzw."), initials ("A. Blinken"),
   ordinals and dates ("am 7. Januar", "1. FC", "18. Jahrhundert") and inner-quote
   punctuation. A quote and its attribution ("…", sagte er.) stay together.
3. ``classify_kind`` labels each statement ``quote`` (contains a full-clause direct
   quote), ``reported`` (indirect speech: Konjunktiv I or a verb of saying) or
   ``narrative``. Title lines are always narrative; teaser sentences under the title are
   classified like any other sentence ("Die UN warnen vor einer Hungersnot." is reported).
4. Speaker attribution finds the subject of the verb of saying (``X sagte`` /
   ``…, sagte X`` / ``…, so X``), resolves pronouns ("er", "sie") and definite
   descriptions ("der kasachische Präsident", "das Ministerium") against the people and
   institutions named earlier in the article, and lets an unattributed quote or
   Konjunktiv sentence inherit the speaker of the statement before it.

Every ``Statement`` carries exact character offsets: ``article[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

__all__ = [
    "KINDS",
    "Statement",
    "classify_kind",
    "find_quotes",
    "segment",
    "split_statements",
]

KINDS: tuple[str, ...] = ("quote", "reported", "narrative")


@dataclass(frozen=True)
class Statement:
    """One statement of an article.

    Attributes:
        text: The statement exactly as it appears in the article.
        start: Offset of the first character in the article.
        end: Offset one past the last character (``article[start:end] == text``).
        kind: ``"quote"``, ``"reported"`` or ``"narrative"``.
        speaker: Who makes the statement, as the article names them, or ``None``.
    """

    text: str
    start: int
    end: int
    kind: str
    speaker: str | None = None


# --------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------

# Opening quote character -> characters that may close it.
QUOTE_PAIRS: dict[str, str] = {"„": "“”", "»": "«", "«": "»", "“": "”", '"': '"'}
_OPEN_AFTER = set("([{/–—-:;")
_CLOSERS = set("“”«»\"'’‘)]")
_TERMINALS = set(".!?…")

# Tokens (before a period) that are abbreviations, never sentence ends. Case-sensitive.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    z B u a bzw Nr St Dr Prof Dipl Ing ca Mio Mrd Tsd vgl sog ggf evtl inkl bspw Hr Fr
    Mr Mrs Ms Gen Abs Tel Std Min Hrsg Chr d h i o ä v gem lt Str Jh Bd Co Jr jr
    sen ehem insb Verf Abg Präs Botsch Vors stellv Ca Dt dt Jan Feb Mär Apr Jun Jul Aug
    Sep Sept Okt Nov Dez Mo Di Mi Do Sa So Pkt engl franz russ frz
    """.split()
)

# Abbreviations that are only abbreviations before a number ("Art. 5", "Kap. 3").
NUMBER_ABBREVIATIONS: frozenset[str] = frozenset({"Art", "Kap", "Ziff", "Bl"})

# Words before "X" that make it the platform, not an initial ("auf der Plattform X.").
PLATFORM_CONTEXT: frozenset[str] = frozenset("auf plattform dienst kurznachrichtendienst onlinedienst via".split())

MONTHS: frozenset[str] = frozenset(
    "Januar Jänner Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)

# Nouns that typically follow an ordinal number ("18. Jahrhundert", "7. Flotte", "1. FC").
ORDINAL_NOUNS: frozenset[str] = frozenset(
    """
    Jahrhundert Jahrhunderts Jahrtausend Jahrestag Jahrgang Mal Platz Rang Runde Etappe Tag
    Woche Monat Quartal Klasse Liga Bundesliga FC SC SV Stock Stockwerk Etage Armee Division
    Brigade Flotte Regiment Bataillon Korps Gipfel Kongress Parteitag Sitzung Lesung Weltkrieg
    Legislaturperiode Amtszeit Todestag Geburtstag Jubiläum Sinfonie Kapitel Absatz Artikel
    Hälfte Halbzeit Spieltag Wahlgang Durchgang Welle Stufe Phase Mannschaft Ausgabe Auflage
    Fassung Zusatzprotokoll Sanktionspaket Paket Sonderparteitag Minute Stunde
    """.split()
)

# Words before a number that make a following period an ordinal ("am 7.", "vom 2.").
ORDINAL_CONTEXT: frozenset[str] = frozenset(
    "am vom zum bis seit ab dem den der die das des im beim zur ihr ihrem ihren sein seinem seinen".split()
)

# Verbs of saying, by form. Finite forms of separable verbs need their particle later in
# the same clause ("teilte ... mit"); participles may stand behind an auxiliary.
SAYING_FINITE: frozenset[str] = frozenset(
    """
    sagte sagten sagt erklärte erklärten warnte warnten warnt betonte betonten betont
    kritisierte kritisierten kritisiert dankte dankten dankt bedankte bedankten verurteilte
    verurteilten verurteilt forderte forderten fordert drohte drohten droht berichtete
    berichteten berichtet meldete meldeten schrieb schrieben schreibt twitterte postete
    bekräftigte bekräftigt versicherte versichert unterstrich bestätigte bestätigt dementierte
    behauptete behauptet beklagte beklagt lobte lobt mahnte mahnt appellierte antwortete
    entgegnete spottete spotteten spottet höhnte kommentierte nannte nannten nennt
    bezeichnete bezeichneten bezeichnet verlangte verlangten verlangt verkündete verkündet
    erinnerte argumentierte monierte bemängelte beschuldigte rügte verspottete beschimpfte
    versprach verspricht informierte informiert gratulierte kondolierte beteuerte klagte
    rief riefen ruft sagen erklären warnen betonen kritisieren danken drohen fordern
    verurteilen bekräftigen versichern beklagen verlangen spotten berichten fragte fragten
    fragt begründete begründeten begründet
    """.split()
)
# Past plurals of the weak verbs above ("bemängelten", "monierten").
SAYING_FINITE = SAYING_FINITE | {word + "n" for word in SAYING_FINITE if word.endswith("te")}
SAYING_PARTICIPLES: frozenset[str] = frozenset(
    """
    gesagt erklärt gewarnt betont mitgeteilt kritisiert gedankt bedankt verurteilt gefordert
    gedroht berichtet gemeldet geschrieben bekräftigt versichert unterstrichen bestätigt
    dementiert behauptet beklagt gelobt gemahnt appelliert aufgerufen geantwortet entgegnet
    gespottet kommentiert genannt bezeichnet angekündigt hinzugefügt zurückgewiesen
    vorgeworfen verlangt informiert versprochen zugesagt gratuliert verkündet beteuert
    """.split()
)
SEPARABLE_SAYING: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("teilte", "teilten", "teilt"), ("mit",)),
    **dict.fromkeys(("wies", "wiesen", "weist"), ("zurück", "hin")),
    **dict.fromkeys(("warf", "warfen", "wirft"), ("vor",)),
    **dict.fromkeys(("rief", "riefen", "ruft"), ("auf",)),
    **dict.fromkeys(("kündigte", "kündigten", "kündigt"), ("an",)),
    **dict.fromkeys(("fügte", "fügten", "fügt"), ("hinzu", "an")),
    **dict.fromkeys(("räumte", "räumten", "räumt"), ("ein",)),
    **dict.fromkeys(("sicherte", "sicherten", "sichert"), ("zu",)),
    **dict.fromkeys(("gab", "gaben", "gibt"), ("bekannt", "an", "zu")),
    **dict.fromkeys(("stellte", "stellten", "stellt"), ("klar",)),
    **dict.fromkeys(("hob", "hoben", "hebt"), ("hervor",)),
    **dict.fromkeys(("sprach", "sprachen", "spricht", "sprechen"), ("von", "aus")),
    **dict.fromkeys(("wandte", "wandten"), ("ein",)),
    **dict.fromkeys(("legte", "legten", "legt"), ("nach",)),
}
IMPERSONAL_SAYING: frozenset[str] = frozenset({"hieß", "heißt"})  # "hieß es"

# Nouns that name one of the four tones as a speech act, for lead sentences without a verb of
# saying ("Das veranlasst Blinken zu einer Warnung", "Rubio nutzte das Treffen für eine Warnung").
TONE_ACT_NOUNS: frozenset[str] = frozenset(
    """
    Warnung Warnungen Drohung Drohungen Mahnung Ermahnung Ultimatum Kampfansage Dank Danksagung
    Dankesworten Spott Spottrede Stichelei Sticheleien Schmähung Schmähungen Beschimpfung
    Beschimpfungen
    """.split()
)
# Verbs whose object performs the speech act ("veranlasst X zu einer Warnung").
CAUSATIVE_VERBS: frozenset[str] = frozenset(
    """
    veranlasst veranlasste veranlassten bewegt bewog bewogen verleitet verleitete verleiteten
    provoziert provozierte provozierten treibt trieb trieben reizt reizte
    """.split()
)
# Verbs whose subject performs the speech act named after zu/für/mit ("nahm das zum Anlass für
# eine Warnung", "verband den Schritt mit einer Drohung", "ließ sich zu Spott hinreißen").
SPEECH_ACT_FRAME_VERBS: frozenset[str] = frozenset(
    "nahm nahmen nimmt nutzte nutzten nutzt verband verbanden verbindet ließ ließen lässt".split()
)
_SPEECH_ACT_PREPOSITIONS: frozenset[str] = frozenset({"zu", "zum", "zur", "für", "mit"})

# "forderte 40 Tote" is not a demand.
CASUALTY_NOUNS: frozenset[str] = frozenset(
    "Tote Toten Todesopfer Opfer Menschenleben Verletzte Leben Tribut".split()
)

# Konjunktiv I forms (plus the Konjunktiv II substitutes "hätten", "wären").
KONJUNKTIV_FORMS: frozenset[str] = frozenset(
    """
    habe sei seien seiest werde könne müsse solle wolle dürfe möge wisse gebe bleibe stehe
    liege gehe komme drohe handle brauche lasse sehe halte trage gelte führe plane verfüge
    entscheide arbeite hätten wären
    """.split()
)

AUXILIARIES: frozenset[str] = frozenset(
    """
    hat hatte hatten haben habe hätten hätte ist war sei wurde wird werde soll solle will wolle
    kann könne muss müsse
    """.split()
)

DETERMINERS: frozenset[str] = frozenset(
    """
    der die das den dem des ein eine einer eines einem einen mehrere zahlreiche viele einige
    beide zwei drei sein seine seiner seinem seinen ihr ihre ihrer ihrem ihren dessen deren
    unser unsere
    """.split()
)
DEFINITE_ARTICLES: frozenset[str] = frozenset({"der", "die", "das", "den", "dem", "des"})
POSSESSIVES: frozenset[str] = frozenset("sein seine seiner seinem seinen ihr ihre ihrer ihrem ihren".split())
PRONOUN_GENDER: dict[str, str] = {"er": "m", "sie": "f", "dieser": "m", "diese": "f"}

PREPOSITIONS: frozenset[str] = frozenset(
    """
    in im am an auf aus bei beim mit nach seit von vom vor zu zum zur über unter gegen
    gegenüber für durch um laut während wegen trotz ohne bis ab per via angesichts binnen
    """.split()
)
# Sentence-initial words that open an adverbial first position (the subject follows the verb).
ADVERBIAL_STARTERS: frozenset[str] = frozenset(
    """
    zudem zugleich dabei daraufhin damit deshalb außerdem später zuvor auch dann nun jetzt
    heute gestern morgen bereits schon doch aber und so dort hier dazu trotzdem allerdings
    gleichzeitig inzwischen unterdessen derweil erst noch dagegen jedoch ebenfalls
    anschließend zunächst bislang bisher erneut wiederum weiter ferner vielmehr stattdessen
    immerhin dies das daher darum indes hingegen andererseits zuletzt ebenso alles nichts
    man niemand jemand vieles einiges es was wer wie wo warum
    """.split()
)
SKIPPABLE_ADVERBS: frozenset[str] = frozenset(
    "zudem zugleich jedoch auch dagegen außerdem daraufhin dabei erneut bereits nun noch ebenfalls indes".split()
)
NAME_PARTICLES: frozenset[str] = frozenset("von van der de al bin ibn el da di zu ben la le los las del della dos du".split())
TITLES: frozenset[str] = frozenset({"Dr.", "Prof.", "Dipl.", "Ing.", "Mr.", "Mrs.", "Ms."})
# Capitalised words that follow a speech verb but are not names ("sagte er Journalisten").
NOT_NAMES: frozenset[str] = frozenset(
    "Journalisten Reportern Medien Sender Zeitung Nachrichtenagentur Fernsehen Rundfunk".split()
)

_FUNCTION_WORDS: frozenset[str] = ADVERBIAL_STARTERS | DETERMINERS | PREPOSITIONS

# Person role nouns, matched as suffixes of the lower-cased word after any "XX-" prefix.
ROLE_SUFFIXES: tuple[str, ...] = (
    "ministerin", "minister", "präsidentin", "präsident", "kanzlerin", "kanzler",
    "sprecherin", "sprecher", "chefin", "chef", "premierministerin", "premierminister", "premier",
    "botschafterin", "botschafter", "sekretärin", "sekretär", "kommissarin", "kommissar",
    "koordinatorin", "koordinator", "vorsitzende", "vorsitzender", "kollegin", "kollege",
    "abgeordnete", "abgeordneter", "politikerin", "politiker", "oberst", "generalin", "general",
    "admiral", "hauptmann", "major", "physikerin", "physiker", "forscherin", "forscher",
    "expertin", "experte", "diplomatin", "diplomat", "gesandte", "gesandter", "leiterin", "leiter",
    "direktorin", "direktor", "königin", "könig", "emir", "gouverneurin", "gouverneur",
    "bürgermeisterin", "bürgermeister", "führerin", "führer", "beauftragte", "beauftragter",
    "machthaber", "staatssekretärin", "staatssekretär", "analystin", "analyst", "seismologin",
    "seismologe", "beraterin", "berater", "prinzessin", "prinz", "delegierte", "delegierter",
)
# Institution head nouns (for "das Ministerium", "die Regierung" …).
INSTITUTION_SUFFIXES: tuple[str, ...] = (
    "ministerium", "regierung", "amt", "behörde", "kommission", "rat", "parlament", "armee",
    "militär", "junta", "präsidialamt", "botschaft", "agentur", "staatsmedien", "fernsehen",
    "gemeinschaft", "bündnis", "organisation", "partei", "union", "führung", "verwaltung",
    "streitkräfte", "polizei", "büro", "kanzleramt", "kreml",
)
# Broader nouns a definite description may use for a person introduced by a narrower role
# ("der SPD-Politiker" for a Kanzler, "die Diplomatin" for a Botschafterin).
ROLE_HYPERNYMS: dict[str, tuple[str, ...]] = {
    "politiker": tuple(
        "kanzler minister präsident abgeordneter abgeordnete premier vorsitzender bürgermeister chef sekretär kommissar".split()
    ),
    "politikerin": tuple(
        "kanzlerin ministerin präsidentin abgeordnete premierministerin vorsitzende bürgermeisterin chefin sekretärin"
        " kommissarin".split()
    ),
    "diplomat": ("botschafter", "außenminister", "gesandter", "diplomat"),
    "diplomatin": ("botschafterin", "außenministerin", "gesandte", "diplomatin"),
    "chefdiplomat": ("außenminister",),
    "chefdiplomatin": ("außenministerin",),
    "regierungschef": ("kanzler", "premierminister", "ministerpräsident", "premier"),
    "regierungschefin": ("kanzlerin", "premierministerin", "ministerpräsidentin"),
    "staatschef": ("präsident", "könig", "emir", "machthaber"),
    "staatschefin": ("präsidentin", "königin"),
    "militär": ("general", "oberst", "admiral", "major", "hauptmann"),
}

# Heads after "von der"/"vom" that end a name ("Ortiz von der Universität …").
PLACE_OF_WORK_HEADS: tuple[str, ...] = (
    "universität", "universidad", "university", "institut", "stiftung", "hochschule", "akademie", "zentrum",
)

GENERIC_HEADS: tuple[str, ...] = (
    ROLE_SUFFIXES + tuple(ROLE_HYPERNYMS) + tuple(s for s in INSTITUTION_SUFFIXES if s != "kreml")
)

FEMININE_NOUN_ENDINGS: tuple[str, ...] = (
    "ung", "ion", "ei", "heit", "keit", "schaft", "behörde", "armee", "junta", "tät", "kommission",
    "partei", "union", "polizei", "organisation", "agentur", "botschaft", "führung",
)

# Country genitives and role prefixes -> nationality adjective stem.
COUNTRY_GENITIVES: dict[str, str] = {
    "Russlands": "russisch", "Chinas": "chinesisch", "Taiwans": "taiwanisch", "Ungarns": "ungarisch",
    "Frankreichs": "französisch", "Israels": "israelisch", "Marokkos": "marokkanisch",
    "Malis": "malisch", "Kasachstans": "kasachisch", "Deutschlands": "deutsch", "Amerikas": "us",
    "Irans": "iranisch", "Iraks": "irakisch", "Ägyptens": "ägyptisch", "Jordaniens": "jordanisch",
    "Belgiens": "belgisch", "Polens": "polnisch", "Japans": "japanisch", "Indiens": "indisch",
    "Italiens": "italienisch", "Spaniens": "spanisch", "Großbritanniens": "britisch",
    "Syriens": "syrisch", "Afghanistans": "afghanisch", "Pakistans": "pakistanisch",
    "Nigers": "nigrisch", "Senegals": "senegalesisch", "Algeriens": "algerisch",
    "Tunesiens": "tunesisch", "Libyens": "libysch", "Katars": "katarisch", "Kubas": "kubanisch",
    "Brasiliens": "brasilianisch", "Mexikos": "mexikanisch", "Kanadas": "kanadisch",
    "Österreichs": "österreichisch", "Griechenlands": "griechisch", "Serbiens": "serbisch",
    "Georgiens": "georgisch", "Armeniens": "armenisch", "Nordkoreas": "nordkoreanisch",
    "Südkoreas": "südkoreanisch", "Vietnams": "vietnamesisch", "Äthiopiens": "äthiopisch",
    "Kenias": "kenianisch", "Südafrikas": "südafrikanisch", "Nigerias": "nigerianisch",
    "Libanons": "libanesisch", "Tschechiens": "tschechisch", "Rumäniens": "rumänisch",
    "Litauens": "litauisch", "Lettlands": "lettisch", "Estlands": "estnisch",
    "Finnlands": "finnisch", "Schwedens": "schwedisch", "Norwegens": "norwegisch",
    "Dänemarks": "dänisch", "Irlands": "irisch", "Portugals": "portugiesisch",
    "Argentiniens": "argentinisch", "Kirgistans": "kirgisisch", "Usbekistans": "usbekisch",
}
ROLE_PREFIX_NATIONALITY: dict[str, str] = {"us": "us", "eu": "eu", "un": "un", "uno": "un", "bundes": "deutsch"}
NATIONALITY_SYNONYMS: dict[str, str] = {"amerikanisch": "us", "us-amerikanisch": "us"}

_PREFIXED_NAME_RE = re.compile(r"(?:al|el|ad|as|an|ar|at|az|abu|bin|ibn|de|d|da|di|du|le|la)-[^\W\d_][\w'’-]*")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_WORD_RE = re.compile(r"[^\W\d_][\w'’]*(?:-[\w'’]+)*-?|\d+(?:[.,]\d+)*|\S", re.UNICODE)


# --------------------------------------------------------------------------------------
# Step 1: quotes
# --------------------------------------------------------------------------------------


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Find direct quotes, each as a ``(start, end)`` span including its quote marks.

    Inner quotes (‚…‘ inside „…“) are part of the outer span. A quote whose closing mark
    is missing runs to the end of its paragraph.

    Args:
        text: The article text.

    Returns:
        Non-overlapping spans in text order.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] in QUOTE_PAIRS and _is_opening_mark(text, i):
            end = _closing_mark_end(text, i, QUOTE_PAIRS[text[i]])
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _is_opening_mark(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev.isspace() or prev in _OPEN_AFTER) and not nxt.isspace()


def _closing_mark_end(text: str, i: int, closers: str) -> int:
    limit = _paragraph_end(text, i)
    for k in range(i + 2, limit):
        if text[k] in closers and not text[k - 1].isspace():
            after = text[k + 1] if k + 1 < len(text) else " "
            if text[k] == '"' and after.isalnum():
                continue  # a straight quote glued to a following word opens, not closes
            return k + 1
    return len(text[:limit].rstrip())


def _paragraph_end(text: str, i: int) -> int:
    match = _BLANK_LINE_RE.search(text, i)
    return match.start() if match else len(text)


def _enclosing_quote(quotes: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The quote span strictly containing ``pos``, if any (``quotes`` is sorted)."""
    index = bisect.bisect_right(quotes, (pos, float("inf"))) - 1
    if index >= 0 and quotes[index][0] < pos < quotes[index][1]:
        return quotes[index]
    return None


# --------------------------------------------------------------------------------------
# Step 2: sentence / statement boundaries
# --------------------------------------------------------------------------------------


def split_statements(text: str, quotes: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Split an article into statement spans.

    Args:
        text: The article text.
        quotes: Quote spans from ``find_quotes`` (computed when omitted).

    Returns:
        ``(start, end)`` spans without surrounding whitespace, in text order.
    """
    if quotes is None:
        quotes = find_quotes(text)
    cuts = sorted(set(_line_cuts(text, quotes)) | set(_punctuation_cuts(text, quotes)))
    spans = _spans_between(text, [0, *cuts, len(text)])
    return _merge_detached_attributions(text, spans, quotes)


def _spans_between(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    spans = []
    for left, right in zip(cuts, cuts[1:]):
        chunk = text[left:right]
        if chunk.strip():
            start = left + len(chunk) - len(chunk.lstrip())
            end = left + len(chunk.rstrip())
            spans.append((start, end))
    return spans


def _line_cuts(text: str, quotes: list[tuple[int, int]]) -> list[int]:
    """Cut at blank lines always, and at single line breaks unless the line is wrapped."""
    cuts = []
    for match in re.finditer(r"\n\s*", text):
        before = text[: match.start()].rstrip()
        if not before or match.end() >= len(text):
            continue
        if match.group().count("\n") >= 2:
            cuts.append(match.end())
            continue
        if _enclosing_quote(quotes, match.start()):
            continue
        wrapped = before[-1] not in _TERMINALS | _CLOSERS and text[match.end()].islower()
        if before[-1] != ":" and not wrapped:
            cuts.append(match.end())
    return cuts


def _punctuation_cuts(text: str, quotes: list[tuple[int, int]]) -> list[int]:
    cuts = []
    for match in re.finditer(r"\.\.\.|[.!?…]", text):
        p, j = match.start(), match.end()
        while j < len(text) and (text[j] in _TERMINALS or text[j] in _CLOSERS):
            j += 1
        if j >= len(text) or not text[j].isspace():
            continue
        k = j
        while k < len(text) and text[k].isspace():
            k += 1
        if k >= len(text) or not _can_start_sentence(text[k]):
            continue
        quote = _enclosing_quote(quotes, p)
        if quote and j < quote[1]:
            continue  # sentence end inside a quote that goes on
        if not _is_sentence_end(text, p, match.group(), k):
            continue
        cuts.append(j)
    return cuts


def _can_start_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in QUOTE_PAIRS or ch in "‚(["


def _is_sentence_end(text: str, p: int, mark: str, next_start: int) -> bool:
    if mark in ("...", "…"):
        return p > 0 and not text[p - 1].isspace() and text[p - 1] != "["
    if mark != ".":
        return True
    if p > 0 and text[p - 1] == ".":
        return True
    word = _word_before(text, p)
    following = _word_at(text, next_start)
    if word == "X" and _previous_word(text, p - 1) in PLATFORM_CONTEXT:
        return True  # "schrieb er auf der Plattform X." is not an initial
    return not _is_abbreviation(word, following) and not _is_ordinal(text, p, word, following)


def _previous_word(text: str, pos: int) -> str:
    """The lower-cased word before the one starting at or before ``pos``."""
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return _word_before(text, pos).lower()


def _word_before(text: str, p: int) -> str:
    start = p
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:p].lstrip("([„\"»«“‚'")


def _word_at(text: str, k: int) -> str:
    match = re.compile(r"[\w.\-]+").match(text, k)
    return match.group().rstrip(".") if match else ""


def _is_abbreviation(word: str, following: str) -> bool:
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # initial ("A. Blinken") or part of "u. a.", "z. B."
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word):
        return True  # "z.B", "U.S"
    return word in NUMBER_ABBREVIATIONS and following[:1].isdigit()


def _is_ordinal(text: str, p: int, word: str, following: str) -> bool:
    if not word.isdigit():
        return False
    head = following.split("-")[-1]
    first = following.split("-")[0]
    if following in MONTHS or following[:3] in {m[:3] for m in MONTHS} and len(following) <= 4:
        return True
    if head in ORDINAL_NOUNS or first in ORDINAL_NOUNS or following[:1].isdigit():
        return True
    return _previous_word(text, p - len(word)) in ORDINAL_CONTEXT


def _merge_detached_attributions(
    text: str, spans: list[tuple[int, int]], quotes: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Join a quote-only sentence with a following "So X." / "Das sagte X …" sentence."""
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and _is_quote_only(text, merged[-1], quotes) and _is_attribution_sentence(text[span[0] : span[1]]):
            if "\n" not in text[merged[-1][1] : span[0]]:
                merged[-1] = (merged[-1][0], span[1])
                continue
        merged.append(span)
    return merged


def _is_quote_only(text: str, span: tuple[int, int], quotes: list[tuple[int, int]]) -> bool:
    return any(qs == span[0] and text[qe : span[1]].strip(".!?… ") == "" for qs, qe in quotes)


def _is_attribution_sentence(sentence: str) -> bool:
    words = re.findall(r"[\w\-]+", sentence)
    if len(words) < 2 or len(words) > 12:
        return False
    if words[0] == "So" and not _is_saying_word(words[1]):
        return words[1].lower() in DETERMINERS or words[1][0].isupper()
    return words[0] in {"Das", "Dies", "So"} and _is_saying_word(words[1])


def _is_saying_word(word: str) -> bool:
    return word in SAYING_FINITE or word in SEPARABLE_SAYING or word in SAYING_PARTICIPLES


# --------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    text: str
    start: int  # absolute offset in the article
    end: int
    kind: str  # "word", "num", "punct", "quote"

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_cap(self) -> bool:
        return self.kind == "word" and self.text[:1].isupper()


def _tokens_outside_quotes(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[_Token]:
    """Tokenise ``text[start:end]``; every direct quote becomes one ``quote`` token."""
    tokens: list[_Token] = []
    pos = start
    for qs, qe in [q for q in quotes if q[0] < end and q[1] > start] + [(end, end)]:
        tokens.extend(_word_tokens(text, pos, max(pos, qs)))
        if qe > qs:
            tokens.append(_Token(text[max(qs, start) : min(qe, end)], max(qs, start), min(qe, end), "quote"))
        pos = max(pos, qe)
    return tokens


def _word_tokens(text: str, start: int, end: int) -> list[_Token]:
    raw = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text, start, end)]
    tokens: list[_Token] = []
    for i, (word, s, e) in enumerate(raw):
        if word == "." and tokens and _attaches_period(tokens[-1], i == len(raw) - 1):
            prev = tokens.pop()
            tokens.append(_Token(prev.text + ".", prev.start, e, prev.kind))
            continue
        kind = "num" if word[0].isdigit() else "word" if word[0].isalpha() else "punct"
        tokens.append(_Token(word, s, e, kind))
    return tokens


def _attaches_period(prev: _Token, is_last: bool) -> bool:
    if prev.kind == "num":
        return not is_last
    return prev.kind == "word" and (prev.text in ABBREVIATIONS or len(prev.text) == 1) and not prev.text.endswith(".")


# --------------------------------------------------------------------------------------
# Step 3: kind
# --------------------------------------------------------------------------------------


def classify_kind(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> str:
    """Classify the statement ``text[start:end]`` as quote, reported or narrative.

    Args:
        text: The article text.
        start: Statement start offset.
        end: Statement end offset.
        quotes: Quote spans of the whole article (``find_quotes``).

    Returns:
        ``"quote"`` if it holds a full-clause direct quote, ``"reported"`` for indirect
        speech (Konjunktiv I, a verb of saying, "so X"), else ``"narrative"``.
    """
    inner = [q for q in quotes if q[0] >= start and q[1] <= end]
    if any(_is_substantial_quote(text, start, end, q) for q in inner):
        return "quote"
    tokens = _tokens_outside_quotes(text, start, end, quotes)
    if (
        _saying_verb_positions(tokens)
        or _has_konjunktiv(tokens)
        or _so_attribution(tokens) is not None
        or _speech_act_performer(tokens) is not None
    ):
        return "reported"
    return "narrative"


def _is_substantial_quote(text: str, start: int, end: int, quote: tuple[int, int]) -> bool:
    """A full-clause quote, as opposed to a scare quote like "rüpelhaft"."""
    qs, qe = quote
    content = text[qs + 1 : qe - 1 if text[qe - 1] in _CLOSERS else qe].strip()
    words = re.findall(r"\w+", content)
    if not words:
        return False
    before = text[start:qs].rstrip()
    after = text[qe:end].strip()
    first_letter = content.lstrip("….- ")[:1]
    ends_terminal = content[-1:] in _TERMINALS
    if before == "" and (ends_terminal or after.strip(".!?…") == ""):
        return True  # the quote is the sentence ("»Niemals.«", "»Nein!«, rief er.")
    if len(words) < 2:
        return False
    if ends_terminal and (first_letter.isupper() or before.endswith(",")):
        return True
    if before.endswith(":"):
        return True
    if before == "":
        follow = re.match(r",\s*(\w+)", after)
        attributed = bool(follow) and (_is_saying_word(follow.group(1)) or follow.group(1) in IMPERSONAL_SAYING)
        return attributed or len(words) >= 4 and first_letter.isupper()
    return False


def _saying_verb_positions(tokens: list[_Token]) -> list[int]:
    """Indices of verbs of saying (with their particle, not "forderte 40 Tote")."""
    positions = []
    clause_end = _clause_end_index(tokens)
    for i, token in enumerate(tokens):
        word = token.text
        if word in SEPARABLE_SAYING and any(t.low in SEPARABLE_SAYING[word] for t in tokens[i + 1 : clause_end[i]]):
            positions.append(i)
        elif word in SAYING_FINITE or word in SAYING_PARTICIPLES:
            if word.startswith(("forder", "gefordert")) and _casualty_follows(tokens, i, clause_end[i]):
                continue
            positions.append(i)
        elif word in IMPERSONAL_SAYING and i + 1 < len(tokens) and tokens[i + 1].low == "es":
            positions.append(i)
    return positions


def _speech_act_performer(tokens: list[_Token]) -> list[_Token] | None:
    """Who performs a tone named as a noun after zu/für/mit, in a sentence without a verb of saying.

    "Das veranlasst US-Außenminister Blinken zu einer flapsigen Warnung" -> the object after the
    causative verb; "Rubio nutzte das Treffen für eine deutliche Warnung" -> the subject.
    """
    for i, token in enumerate(tokens):
        if token.text not in TONE_ACT_NOUNS:
            continue
        j = i - 1
        while j >= 0 and (tokens[j].low in DETERMINERS or _is_adjective(tokens[j])):
            j -= 1
        if j < 0 or tokens[j].low not in _SPEECH_ACT_PREPOSITIONS:
            continue
        start = _clause_start(tokens, j)
        for v in range(start, j):
            if tokens[v].low in CAUSATIVE_VERBS:
                performer = _np_after(tokens, v + 1, j)
                if performer:
                    return performer
            elif tokens[v].low in SPEECH_ACT_FRAME_VERBS:
                performer = _subject_from_prefix(tokens[start:v])
                if performer:
                    return performer
    return None


def _clause_end_index(tokens: list[_Token]) -> list[int]:
    """For each token, the index of the next , ; : or sentence mark (particle search range)."""
    ends = [len(tokens)] * len(tokens)
    nxt = len(tokens)
    for i in range(len(tokens) - 1, -1, -1):
        ends[i] = nxt
        if tokens[i].kind == "punct" and tokens[i].text in ",;:.!?":
            nxt = i
    return ends


def _casualty_follows(tokens: list[_Token], i: int, limit: int) -> bool:
    return any(t.text in CASUALTY_NOUNS for t in tokens[i + 1 : min(limit, i + 11)])


def _has_konjunktiv(tokens: list[_Token]) -> bool:
    for i, token in enumerate(tokens):
        if token.text in KONJUNKTIV_FORMS and not (i > 0 and tokens[i - 1].low in {"ich", "wir"}):
            return True
    return False


def _so_attribution(tokens: list[_Token]) -> tuple[int, int] | None:
    """``…, so der Minister.`` -> token span of the NP after "so"."""
    for i, token in enumerate(tokens):
        if token.low != "so" or not (i == 0 or tokens[i - 1].text == ","):
            continue
        end = _parse_np(tokens, i + 1)
        if end is None:
            continue
        rest = tokens[end:]
        if not rest or rest[0].text in ".!?," or rest[0].low in PREPOSITIONS:
            return (i + 1, end)
    return None


# --------------------------------------------------------------------------------------
# Noun phrases
# --------------------------------------------------------------------------------------


def _is_role(token: _Token) -> bool:
    return token.is_cap and _role_stem(token.text).endswith(ROLE_SUFFIXES)


def _role_stem(word: str) -> str:
    """Lower-cased role noun without "US-"-style prefix or -n/-en inflection ("Amtskollegen")."""
    stem = word.lower().rstrip("-").rsplit("-", 1)[-1]
    if not stem.endswith(ROLE_SUFFIXES):
        for ending in ("en", "n"):
            if stem.endswith(ending) and stem[: -len(ending)].endswith(ROLE_SUFFIXES):
                return stem[: -len(ending)]
    return stem


def _is_adjective(token: _Token) -> bool:
    low = token.low
    return (
        token.kind == "word"
        and token.text[:1].islower()
        and low not in PREPOSITIONS
        and low not in ADVERBIAL_STARTERS
        and low not in DETERMINERS
        and re.search(r"(e|en|er|es|em)$", low) is not None
    )


def _is_name_token(token: _Token) -> bool:
    """A capitalised word or an initial ("J.") that can be part of a name or noun phrase."""
    return token.is_cap and token.text not in NOT_NAMES and token.low not in _FUNCTION_WORDS


def _parse_np(tokens: list[_Token], i: int) -> int | None:
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
    while k < n and _is_adjective(tokens[k]):
        k += 1
    head_start = k
    while k < n and (
        _is_name_token(tokens[k])
        or tokens[k].text in TITLES
        or _is_name_particle(tokens, k)
        # "die staatliche Nachrichtenagentur Irna" is a subject; "der Nachrichtenagentur" a dative
        or tokens[k].text in NOT_NAMES and k > i and tokens[i].low in {"die", "das", "ein", "eine"}
    ):
        k += 1
    if k == head_start:
        return None
    k = _extend_genitive(tokens, k)
    return _extend_location(tokens, k)


def _is_country_genitive(tokens: list[_Token], k: int) -> bool:
    word = tokens[k]
    before_role = word.is_cap and word.text.endswith("s") and k + 1 < len(tokens) and _is_role(tokens[k + 1])
    return word.text in COUNTRY_GENITIVES or before_role


def _is_demonstrative(tokens: list[_Token], k: int) -> bool:
    """"Das"/"Dies" standing alone ("Das sagte er"), not as an article ("Das Ministerium")."""
    following = tokens[k + 1] if k + 1 < len(tokens) else None
    return tokens[k].text in {"Das", "Dies"} and not (following and (following.is_cap or _is_adjective(following)))


def _is_name_particle(tokens: list[_Token], k: int) -> bool:
    """Lower-case parts inside a name: "von der" Leyen, "al-Rashid", "bin" Salman."""
    if k == 0 or not (tokens[k - 1].is_cap or tokens[k - 1].low in NAME_PARTICLES) or _is_role(tokens[k - 1]):
        return False
    if _PREFIXED_NAME_RE.fullmatch(tokens[k].text):
        return True
    m = k
    while m < len(tokens) and tokens[m].low in NAME_PARTICLES and not tokens[m].is_cap:
        m += 1
    run = [t.low for t in tokens[k:m]]
    return (
        0 < len(run) <= 2
        and m < len(tokens)
        and tokens[m].is_cap
        and not _head_noun(tokens[m].text).endswith(INSTITUTION_SUFFIXES + PLACE_OF_WORK_HEADS)
        and (run[0] not in {"der", "zu"} or not tokens[k - 1].is_cap)  # not "Sprecher der Regierung"
    )


def _extend_genitive(tokens: list[_Token], k: int) -> int:
    """"ein Sprecher des chinesischen Verteidigungsministeriums" (one level)."""
    if k < len(tokens) and tokens[k].low in {"des", "der"}:
        j = k + 1
        while j < len(tokens) and _is_adjective(tokens[j]):
            j += 1
        if j < len(tokens) and tokens[j].is_cap:
            while j < len(tokens) and tokens[j].is_cap:
                j += 1
            return j
    return k


def _extend_location(tokens: list[_Token], k: int) -> int:
    """"die Regierung in Taipeh", "die Militärregierung in Mali"."""
    if (
        k + 1 < len(tokens)
        and tokens[k].low in {"in", "aus"}
        and tokens[k + 1].is_cap
        and _head_noun(tokens[k - 1].text).endswith(INSTITUTION_SUFFIXES)
        and (k + 2 >= len(tokens) or not tokens[k + 2].is_cap)
    ):
        return k + 2
    return k


def _head_noun(word: str) -> str:
    return word.lower().rsplit("-", 1)[-1]


def _nationality(word: str) -> str | None:
    low = word.lower()
    match = re.fullmatch(r"(.*?(?:isch|sch|us|eu))(e|er|en|es|em)?", low)
    if not match or low in ADVERBIAL_STARTERS:
        return None
    stem = match.group(1)
    return NATIONALITY_SYNONYMS.get(stem, stem)


def _np_nationalities(tokens: list[_Token]) -> set[str]:
    nats = set()
    for token in tokens:
        if token.text in COUNTRY_GENITIVES:
            nats.add(COUNTRY_GENITIVES[token.text])
        elif _is_adjective(token) and (nat := _nationality(token.text)):
            nats.add(nat)
        elif _is_role(token) or _head_noun(token.text).endswith(INSTITUTION_SUFFIXES):
            prefix = re.match(r"([A-Za-z]+)-", token.text)
            if prefix and prefix.group(1).lower() in ROLE_PREFIX_NATIONALITY:
                nats.add(ROLE_PREFIX_NATIONALITY[prefix.group(1).lower()])
            elif token.low.startswith("bundes"):
                nats.add("deutsch")
    return nats


# --------------------------------------------------------------------------------------
# Entities (people and institutions named in the article)
# --------------------------------------------------------------------------------------


@dataclass
class _Entity:
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
        return _head_noun(words[-1]) if words else ""


class _Registry:
    """People and institutions mentioned so far, with their mention positions."""

    def __init__(self) -> None:
        self.entities: list[_Entity] = []
        self.keys: dict[str, _Entity] = {}

    def mention(self, entity: _Entity, pos: int) -> _Entity:
        bisect.insort(entity.positions, pos)
        return entity

    def add_person(
        self, name_tokens: list[_Token], roles: list[str], nats: set[str], pos: int, gender: str | None = None
    ) -> _Entity:
        name_tokens = [t for t in name_tokens if t.text not in TITLES] or name_tokens
        name = " ".join(t.text for t in name_tokens)
        keys = [t.low for t in name_tokens if t.kind == "word" and len(t.text) > 2 and t.low not in NAME_PARTICLES]
        entity = next((self.keys[k] for k in keys if k in self.keys and self.keys[k].is_person), None)
        if entity is None:
            entity = _Entity(name=name, is_person=True, gender=gender or (_gender_from_roles(roles) if roles else "?"))
            self.entities.append(entity)
        elif len(name) > len(entity.name):
            entity.name = name
        if entity.gender == "?" and (gender or roles):
            entity.gender = gender or _gender_from_roles(roles)
        entity.roles.update(_role_stem(r) for r in roles)
        entity.nationalities.update(nats)
        for key in keys:
            self.keys[key] = entity
        return self.mention(entity, pos)

    def add_institution(self, np_text: str, tokens: list[_Token], pos: int) -> _Entity:
        name = _lower_article(np_text)
        for entity in self.entities:
            if entity.name.lower() == name.lower():
                return self.mention(entity, pos)
        entity = _Entity(name=name, is_person=False, gender=_grammatical_gender(tokens))
        entity.nationalities.update(_np_nationalities(tokens))
        self.entities.append(entity)
        return self.mention(entity, pos)

    def lookup(self, token: _Token) -> _Entity | None:
        return self.keys.get(token.low) if token.is_cap else None

    def resolve_pronoun(self, gender: str, before: int) -> _Entity | None:
        # A bare name of unknown gender ("Kolumbien droht …") is only a fallback antecedent.
        for genders in ({gender}, {"?"}):
            candidates = [(e.last_before(before), e) for e in self.entities if e.gender in genders]
            best = max(candidates, default=(-1, None), key=lambda c: c[0])
            if best[0] >= 0:
                return best[1]
        return None

    def resolve_description(self, head: str, nats: set[str], before: int) -> _Entity | None:
        def fits(entity: _Entity) -> bool:
            if not nats <= entity.nationalities:
                return False
            if entity.is_person:
                narrower = (head, *ROLE_HYPERNYMS.get(head, ()))
                return any(role.endswith(narrower) for role in entity.roles)
            return entity.head().endswith(head)

        candidates = [(e.last_before(before), e) for e in self.entities if fits(e)]
        best = max(candidates, default=(-1, None), key=lambda c: c[0])
        return best[1] if best[0] >= 0 else None


def _lower_article(np_text: str) -> str:
    first, _, rest = np_text.partition(" ")
    return f"{first.lower()} {rest}" if rest and first.lower() in DETERMINERS else np_text


def _grammatical_gender(tokens: list[_Token]) -> str:
    first = tokens[0].low if tokens else ""
    head = next((_head_noun(t.text) for t in reversed(tokens) if t.is_cap), "")
    if first in {"der", "ein"}:
        return "m"
    if first in {"das"}:
        return "n"
    if first in {"die", "eine"}:
        return "f" if head.endswith(FEMININE_NOUN_ENDINGS) or first == "eine" else "pl"
    return "pl" if first in {"mehrere", "zahlreiche", "viele", "einige", "beide"} else "n"


def _register_people(tokens: list[_Token], registry: _Registry) -> None:
    """Register "Rolle [Titel] Vorname Name" mentions and re-mentions of known names."""
    i = 0
    last_person: _Entity | None = None
    while i < len(tokens):
        mention = _person_mention(tokens, i) if _is_role(tokens[i]) else None
        if mention is not None:
            roles, name_start, name_end = mention
            gender = _gender_from_determiner(tokens, i) or _gender_from_roles(roles)
            if last_person is not None and _is_colleague_of_previous(tokens, i):
                roles += [_gendered_role(r, gender) for r in sorted(last_person.roles)]
            nats = _np_nationalities(tokens[max(0, i - 3) : i + 1])
            name = tokens[name_start:name_end]
            last_person = registry.add_person(name, roles, nats, name[0].start, gender)
            i = name_end
            continue
        if (entity := registry.lookup(tokens[i])) is not None:
            registry.mention(entity, tokens[i].start)
            last_person = entity if entity.is_person else last_person
        i += 1


def _person_mention(tokens: list[_Token], i: int) -> tuple[list[str], int, int] | None:
    """At a role noun: its roles and the token span of the name that follows, if any."""
    j, roles = i, []
    while j < len(tokens) and (_is_role(tokens[j]) or tokens[j].text in TITLES):
        if _is_role(tokens[j]):
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


def _continues_name(tokens: list[_Token], k: int) -> bool:
    return (_is_name_token(tokens[k]) and not _is_role(tokens[k])) or _is_name_particle(tokens, k)


def _gender_from_roles(roles: list[str]) -> str:
    return "f" if any(_role_stem(r).endswith(("in", "frau")) for r in roles) else "m"


def _gendered_role(role: str, gender: str) -> str:
    """"präsidentin" -> "präsident" for a male colleague, and the other way round."""
    if gender == "m" and role.endswith("in") and role[:-2].endswith(ROLE_SUFFIXES):
        return role[:-2]
    if gender == "f" and not role.endswith("in"):
        return role.removesuffix("e") + "in"
    return role


def _gender_from_determiner(tokens: list[_Token], i: int) -> str | None:
    """"die Delegierte", "eine Abgeordnete": feminine although the role has no "-in"."""
    j = i - 1
    while j >= 0 and _is_adjective(tokens[j]):
        j -= 1
    return "f" if j >= 0 and tokens[j].low in {"die", "eine"} else None


def _skip_genitive_apposition(tokens: list[_Token], j: int) -> int:
    """Role, genitive, comma, name: "Die Koordinatorin des UN-Büros, J. Morales"."""
    k = _extend_genitive(tokens, j)
    if k > j and k < len(tokens) and tokens[k].text == ",":
        return k + 1
    return j


def _is_colleague_of_previous(tokens: list[_Token], i: int) -> bool:
    """"Putin und sein kasachischer Kollege Tokajew": the colleague shares Putin's office."""
    if "kolleg" not in tokens[i].low:
        return False
    j = i - 1
    while j >= 0 and _is_adjective(tokens[j]):
        j -= 1
    return j >= 0 and tokens[j].low in POSSESSIVES


# --------------------------------------------------------------------------------------
# Step 4: speakers
# --------------------------------------------------------------------------------------


def _without_parentheticals(tokens: list[_Token]) -> list[_Token]:
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


def _speaker_candidates(tokens: list[_Token]) -> list[list[_Token]]:
    """Noun phrases in speaker position, in text order."""
    tokens = _without_parentheticals(tokens)
    candidates: list[list[_Token]] = []
    clause_end = _clause_end_index(tokens)
    for v in _saying_verb_positions(tokens):
        if tokens[v].text in IMPERSONAL_SAYING:
            continue
        clause_start = _clause_start(tokens, v)
        anchor = v
        if tokens[v].text in SAYING_PARTICIPLES:
            aux = next((a for a in range(clause_start, v) if tokens[a].text in AUXILIARIES), None)
            anchor = aux if aux is not None else v
        prefix = tokens[clause_start:anchor]
        subject = _subject_from_prefix(prefix) or _apposition_subject(tokens, clause_start, anchor)
        if subject is None and _prefix_is_adverbial(prefix):
            subject = _np_after(tokens, anchor + 1, clause_end[anchor])
        if subject:
            candidates.append(subject)
    so_span = _so_attribution(tokens)
    if so_span is not None:
        candidates.append(tokens[so_span[0] : so_span[1]])
    performer = _speech_act_performer(tokens)
    if performer:
        candidates.append(performer)
    framed = _colon_frame_subject(tokens)
    if framed:
        candidates.append(framed)
    return candidates


def _colon_frame_subject(tokens: list[_Token]) -> list[_Token] | None:
    """"Außenministerin Laura Restrepo ging noch weiter: Hallorann sei …" -> the subject before the colon.

    Only a noun phrase with a role or institution counts ("Die Lage ist klar: …" has no speaker).
    """
    colon = next((i for i, t in enumerate(tokens) if t.text == ":"), None)
    if colon is None or colon + 1 >= len(tokens):
        return None
    start = _clause_start(tokens, colon)
    end = _parse_np(tokens[:colon], start)
    if not end or end >= colon or tokens[end].kind != "word" or tokens[end].is_cap:
        return None
    subject = tokens[start:end]
    if any(_is_role(t) or _head_noun(t.text).endswith(INSTITUTION_SUFFIXES) for t in subject):
        return subject
    return None


def _clause_start(tokens: list[_Token], v: int) -> int:
    """Start of the clause holding ``tokens[v]``; a direct quote also closes a clause."""
    for i in range(v - 1, -1, -1):
        if tokens[i].kind == "punct" and tokens[i].text in ",;:()–—.!?":
            return i + 1
        if tokens[i].kind == "quote" and i + 1 < v and tokens[i + 1].is_cap:
            return i + 1  # "„…“ Das sagte X" — a new sentence after the quote
    return 0


def _subject_from_prefix(prefix: list[_Token]) -> list[_Token] | None:
    """The subject standing before the verb ("Das russische Außenministerium kritisierte")."""
    if not prefix or prefix[0].kind != "word" or prefix[0].low in PREPOSITIONS:
        return None
    if prefix[0].low in ADVERBIAL_STARTERS and not (prefix[0].low == "das" and len(prefix) > 1):
        return None
    end = _parse_np(prefix, 0)
    if end == len(prefix):
        return prefix
    complex_np = (
        prefix[0].low in DETERMINERS
        and prefix[-1].is_cap
        and not any(t.low in {"und", "oder"} or t.kind == "quote" for t in prefix)
    )
    return prefix if complex_np else None


def _apposition_subject(tokens: list[_Token], clause_start: int, anchor: int) -> list[_Token] | None:
    """"Ein Sprecher des Ministeriums, Oberst Gao Ming, nannte …": the name between commas."""
    if anchor != clause_start or clause_start < 2 or tokens[clause_start - 1].text != ",":
        return None
    start = _clause_start(tokens, clause_start - 1)
    if start == 0 or tokens[start - 1].text != ",":
        return None
    apposition = tokens[start : clause_start - 1]
    if apposition and _parse_np(apposition, 0) == len(apposition) and any(_is_name_token(t) for t in apposition):
        return apposition
    return None


def _prefix_is_adverbial(prefix: list[_Token]) -> bool:
    if not prefix or all(t.kind == "quote" for t in prefix):
        return True
    first = prefix[0]
    return first.kind == "num" or first.low in PREPOSITIONS or first.low in ADVERBIAL_STARTERS


def _np_after(tokens: list[_Token], i: int, limit: int) -> list[_Token] | None:
    while i < limit and tokens[i].low in SKIPPABLE_ADVERBS:
        i += 1
    if i < limit and tokens[i].low == "es":
        return None
    end = _parse_np(tokens[:limit], i)
    return tokens[i:end] if end else None


def _resolve_speaker(np_tokens: list[_Token], text: str, registry: _Registry) -> str | None:
    """Turn a speaker noun phrase into the name the article uses for that speaker."""
    pos = np_tokens[0].start
    if len(np_tokens) == 1 and np_tokens[0].low in PRONOUN_GENDER:
        entity = registry.resolve_pronoun(PRONOUN_GENDER[np_tokens[0].low], pos)
        return registry.mention(entity, pos).name if entity else None
    person = next((registry.lookup(t) for t in np_tokens if registry.lookup(t) and registry.lookup(t).is_person), None)
    if person is not None:
        return registry.mention(person, pos).name
    if _is_definite_description(np_tokens):
        head = _head_noun(np_tokens[-1].text)
        entity = registry.resolve_description(head, _np_nationalities(np_tokens), pos)
        if entity is not None:
            return registry.mention(entity, pos).name
        if len(np_tokens) == 2 or head.endswith(ROLE_SUFFIXES) and not _np_nationalities(np_tokens):
            return None  # "das Ministerium", "der Minister" without antecedent
    np_text = text[np_tokens[0].start : np_tokens[-1].end]
    if _looks_like_bare_name(np_tokens):
        return registry.add_person(np_tokens, [], set(), pos).name
    return registry.add_institution(np_text, np_tokens, pos).name


def _is_definite_description(np_tokens: list[_Token]) -> bool:
    if np_tokens[0].low not in DEFINITE_ARTICLES:
        return False
    middle = np_tokens[1:-1]
    head = np_tokens[-1]
    return head.is_cap and all(_is_adjective(t) for t in middle) and _head_noun(head.text).endswith(GENERIC_HEADS)


def _looks_like_bare_name(np_tokens: list[_Token]) -> bool:
    return all(_is_name_token(t) for t in np_tokens) and not any(
        _is_role(t) or _head_noun(t.text).endswith(INSTITUTION_SUFFIXES) for t in np_tokens
    )


# --------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------


def _header_end(text: str) -> int:
    """End offset of the header block (title/teaser), or 0 when there is none.

    The first paragraph is a header when the article has further paragraphs and the
    paragraph opens with a title line (no closing punctuation) or a metadata field
    such as ``date 2022-01``.
    """
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    match = _BLANK_LINE_RE.search(text, offset)
    if not match or not text[match.end() :].strip():
        return 0
    first_line = stripped.split("\n", 1)[0].rstrip()
    is_title = bool(first_line) and first_line[-1] not in _TERMINALS | _CLOSERS
    is_metadata = re.match(r"[a-zäöü]+:?\s+\d{4}(-\d{2}){0,2}\b", first_line) is not None
    return match.start() if is_title or is_metadata else 0


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def _is_title_line(statement: str) -> bool:
    """A headline: no closing sentence mark. Teaser sentences under it are ordinary statements."""
    stripped = statement.rstrip()
    return not stripped or stripped[-1] not in _TERMINALS | _CLOSERS


def segment(text: str) -> list[Statement]:
    """Segment a German news article into statements with kind and speaker.

    Args:
        text: The article text.

    Returns:
        Statements in text order; ``text[s.start:s.end] == s.text`` for each.
    """
    quotes = find_quotes(text)
    header_end = _header_end(text)
    registry = _Registry()
    statements: list[Statement] = []
    previous: Statement | None = None
    for start, end in split_statements(text, quotes):
        tokens = _tokens_outside_quotes(text, start, end, quotes)
        _register_people(tokens, registry)
        if start < header_end and _is_title_line(text[start:end]):
            kind, speaker = "narrative", None
        else:
            kind = classify_kind(text, start, end, quotes)
            speaker = _attribute(tokens, text, kind, previous, registry)
        statement = Statement(text[start:end], start, end, kind, speaker)
        statements.append(statement)
        previous = statement
    return statements


def _attribute(
    tokens: list[_Token], text: str, kind: str, previous: Statement | None, registry: _Registry
) -> str | None:
    if kind == "narrative":
        return None
    for candidate in _speaker_candidates(tokens):
        speaker = _resolve_speaker(candidate, text, registry)
        if speaker is not None:
            return speaker
    if previous is not None and previous.kind != "narrative":
        return previous.speaker  # a quote or Konjunktiv sentence continues the last speaker
    return None
