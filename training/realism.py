"""How much a corpus looks like real news: surface statistics, cue-word shortcuts, label consistency.

The real-news column holds figures the product owner measured on 425 published German news
statements (a set the project does not have); the corpus is written to come within
:data:`REALISM_TOLERANCE` of each. Every statistic is a share in [0, 1] except the median length.

Definitions (all on the statement text):

* quoted: contains an opening quotation mark („ « » “ " ‚).
* first-person quote: quoted, and a first-person word (ich, wir, uns, unser…, mein…, mir, mich) stands
  inside the quotation marks.
* quote + attribution verb: a closing mark, a comma and a verb of saying („…“, sagte X / so X).
* guillemet or English quotes: «…», »…« or “…”.
* weekday: a weekday name (also „am Donnerstagabend“).
* cue words: the sarcasm cues are :data:`SARCASM_CUES`; a row "has no cue" when none occurs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

REAL_NEWS: dict[str, float] = {
    "p_none_first_person_quote": 0.37,
    "quoted": 0.79,
    "quote_with_attribution_verb": 0.52,
    "guillemet_or_english_quotes": 0.19,
    "weekday": 0.17,
    "questions": 0.05,
    "exclamations": 0.04,
    "median_words": 25,
    "share_over_40_words": 0.10,
    "insults_with_nannte_bezeichnete": 0.05,
    "sarcasm_with_spott_verbs": 0.03,
    "sarcasm_without_cue": 0.82,
}
"""The real-news column of the realism table (product owner's measurement, n = 425)."""

REALISM_TOLERANCE = 0.05
"""Allowed distance from :data:`REAL_NEWS` for a share (5 points); the median length may differ by 5 words."""
MEDIAN_WORDS_TOLERANCE = 5
MIN_P_NONE_FIRST_PERSON = 0.33
"""P(none | quoted first-person statement) must reach at least this."""

CUE_MIN_ROWS = 30
CUE_MAX_PRECISION = 0.70
TONE_WORDS = frozenset(
    {"danke", "dank", "dankte", "danken", "dankbar", "bedankte", "warnte", "warnt", "warnen", "warnung",
     "drohte", "droht", "spottete", "verspottete", "gedankt", "dankt"}
)
"""Cues that *are* the tone (allowed to predict it), lower-cased."""

STATISTIC_TITLES: dict[str, str] = {
    "p_none_first_person_quote": "P(none | quoted first-person statement)",
    "quoted": "statements with quotation marks",
    "quote_with_attribution_verb": "quote + attribution verb („…“, sagte X)",
    "guillemet_or_english_quotes": "«…» or “…” quote styles",
    "weekday": "weekday in the attribution",
    "questions": "questions",
    "exclamations": "exclamations",
    "median_words": "words: median",
    "share_over_40_words": "words: share > 40",
    "insults_with_nannte_bezeichnete": "insults containing nannte/bezeichnete",
    "sarcasm_with_spott_verbs": "sarcasm rows with spottete/höhnte/ätzte",
    "sarcasm_without_cue": "sarcasm rows with no cue word at all",
}

SAYING_VERBS = (
    "sagte", "sagt", "erklärte", "erklärt", "betonte", "betont", "schrieb", "schreibt", "fügte", "so",
    "meinte", "warnte", "kritisierte", "rief", "teilte", "hieß", "heißt", "ergänzte", "sagten", "erklärten",
    "unterstrich", "bekräftigte", "twitterte", "postete", "antwortete", "entgegnete", "spottete", "fragte",
    "mahnte", "versicherte", "drohte", "dankte", "zitierte", "zitiert", "berichtete", "verkündete",
)
SARCASM_CUES = (
    "spott", "höhn", "ätzte", "ironisch", "offenbar", "angeblich", "sogenannt", "glückwunsch", "bravo",
    "großartig", "herzlichen dank", "danke für", "vielen dank", "toll", "bewundernswert", "meisterstück",
    "meisterleistung", "genial", "witz", "scherz", "lustig", "verhöhn", "süffisant", "spöttisch",
)

_OPENING = re.compile(r"[„«»“\"‚]")
_GUILLEMET_OR_ENGLISH = re.compile(r"«[^»]+»|»[^«]+«|“[^”„]+”")
_QUOTED_SPANS = re.compile(r"„([^“]*)“|«([^»]*)»|»([^«]*)«|“([^”]*)”|\"([^\"]*)\"")
_FIRST_PERSON = re.compile(r"\b(ich|wir|uns|unser\w*|mein\w*|mir|mich)\b", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"[“”»«\"‘]\s*,\s*(?:\w+\s+){0,2}?(" + "|".join(SAYING_VERBS) + r")\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag)", re.IGNORECASE)
_NANNTE = re.compile(r"\b(nannte\w*|bezeichnete\w*|bezeichnet|nennt)\b", re.IGNORECASE)
_SPOTT_VERBS = re.compile(r"\b(spottete\w*|verspottete\w*|höhnte\w*|verhöhnte\w*|ätzte\w*)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_STRONG_NORMAL = re.compile(r"[^\w]+", re.UNICODE)


def quoted_first_person(text: str) -> bool:
    """Whether a first-person word stands inside a quotation of ``text``."""
    return any(_FIRST_PERSON.search("".join(g for g in m.groups() if g)) for m in _QUOTED_SPANS.finditer(text))


def has_sarcasm_cue(text: str) -> bool:
    lowered = text.lower()
    return any(cue in lowered for cue in SARCASM_CUES)


def _share(flags: Sequence[bool]) -> float | None:
    return float(np.mean(flags)) if len(flags) else None


def realism_stats(records: Sequence[Mapping]) -> dict[str, float | None]:
    """The realism statistics of ``records`` (dicts with ``text`` and ``labels``), keyed like :data:`REAL_NEWS`."""
    texts = [r["text"] for r in records]
    labels = [set(r["labels"]) for r in records]
    words = np.array([len(_WORD.findall(t)) for t in texts]) if texts else np.zeros(0)
    first_person = [not lab for t, lab in zip(texts, labels) if quoted_first_person(t)]
    insults = [bool(_NANNTE.search(t)) for t, lab in zip(texts, labels) if "insult" in lab]
    sarcasm = [t for t, lab in zip(texts, labels) if "sarcasm" in lab]
    return {
        "p_none_first_person_quote": _share(first_person),
        "quoted": _share([bool(_OPENING.search(t)) for t in texts]),
        "quote_with_attribution_verb": _share([bool(_ATTRIBUTION.search(t)) for t in texts]),
        "guillemet_or_english_quotes": _share([bool(_GUILLEMET_OR_ENGLISH.search(t)) for t in texts]),
        "weekday": _share([bool(_WEEKDAY.search(t)) for t in texts]),
        "questions": _share(["?" in t for t in texts]),
        "exclamations": _share(["!" in t for t in texts]),
        "median_words": float(np.median(words)) if len(words) else None,
        "share_over_40_words": _share(list(words > 40)),
        "insults_with_nannte_bezeichnete": _share(insults),
        "sarcasm_with_spott_verbs": _share([bool(_SPOTT_VERBS.search(t)) for t in sarcasm]),
        "sarcasm_without_cue": _share([not has_sarcasm_cue(t) for t in sarcasm]),
    }


def realism_misses(stats: Mapping[str, float | None]) -> list[str]:
    """The statistics outside their target, each as a readable sentence (empty when all are met)."""
    misses = []
    for key, target in REAL_NEWS.items():
        value = stats.get(key)
        if value is None:
            continue
        if key == "median_words":
            if abs(value - target) > MEDIAN_WORDS_TOLERANCE:
                misses.append(f"{STATISTIC_TITLES[key]}: {value:.0f}, target {target:.0f} ± {MEDIAN_WORDS_TOLERANCE}")
        elif key == "p_none_first_person_quote":
            if value < MIN_P_NONE_FIRST_PERSON:
                misses.append(f"{STATISTIC_TITLES[key]}: {value:.2f}, target ≥ {MIN_P_NONE_FIRST_PERSON:.2f}")
        elif abs(value - target) > REALISM_TOLERANCE + 1e-9:
            misses.append(f"{STATISTIC_TITLES[key]}: {value:.2f}, target {target:.2f} ± {REALISM_TOLERANCE:.2f}")
    return misses


@dataclass(frozen=True)
class CueShortcut:
    """A word that predicts one label in more than :data:`CUE_MAX_PRECISION` of the rows it occurs in."""

    word: str
    label: str
    rows: int
    precision: float


def cue_shortcuts(records: Sequence[Mapping], label_names: Sequence[str]) -> list[CueShortcut]:
    """Words in at least :data:`CUE_MIN_ROWS` rows whose rows carry one tone more than 70 % of the time.

    ``none`` is not a tone: a word that mostly occurs in tone-free rows is no shortcut to a tag.
    Words in :data:`TONE_WORDS` name the tone itself and are allowed.
    """
    rows_with: dict[str, int] = Counter()
    label_rows: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        words = {w.lower() for w in _WORD.findall(record["text"])}
        for word in words:
            rows_with[word] += 1
            for label in record["labels"]:
                label_rows[word][label] += 1
    found = []
    for word, n in rows_with.items():
        if n < CUE_MIN_ROWS or word in TONE_WORDS:
            continue
        for label in label_names:
            precision = label_rows[word][label] / n
            if precision > CUE_MAX_PRECISION:
                found.append(CueShortcut(word, label, n, round(precision, 3)))
    return sorted(found, key=lambda c: (-c.precision, -c.rows, c.word))


def strong_normal_form(text: str) -> str:
    """Lower-cased letters and digits only: quote styles, punctuation and spacing do not count."""
    return _STRONG_NORMAL.sub(" ", text.lower()).strip()


def inconsistent_labels(items: Iterable[tuple[str, str, Sequence[str]]]) -> list[list[tuple[str, list[str]]]]:
    """Groups of rows whose texts share a :func:`strong_normal_form` but not their labels.

    Args:
        items: ``(where, text, labels)`` per row; ``where`` names the row in messages (``file:line``).
    """
    groups: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for where, text, labels in items:
        groups[strong_normal_form(text)].append((where, sorted(labels)))
    return [rows for rows in groups.values() if len({tuple(labels) for _, labels in rows}) > 1]
