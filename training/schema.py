"""The corpus schema: field names, allowed values and their types."""

from tonlage.model.labels import LABELS

FORMS: tuple[str, ...] = (
    "direct_quote",
    "reported_speech",
    "press_release",
    "social_media",
    "interview",
    "speech",
)

ACTOR_TYPES: tuple[str, ...] = (
    "head_of_state_or_government",
    "foreign_ministry",
    "minister",
    "spokesperson",
    "ambassador",
    "international_organisation",
    "politician",
    "military",
    "state_media",
)

HARD_CASES: tuple[str, ...] = (
    "mention",
    "polite_criticism",
    "prediction",
    "demand",
    "congratulation_condolence",
    "friendly_humour",
    "other",
)

# field -> accepted Python type(s); fields marked required must be present.
REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "text": str,
    "labels": list,
    "actor": str,
    "form": str,
    "topic": str,
}
OPTIONAL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "actor_type": str,
    "country": str,
    "episode": str,
    "hard_negative": bool,
    "hard_case": (str, type(None)),
    "date": str,
}

# Annotation-guideline rules that the checker reports as warnings (training/data/GUIDELINE.md).
TEXT_WORDS: tuple[int, int] = (5, 80)  # a statement has 5-80 words
DATE_PATTERN: str = r"\d{4}-\d{2}"  # date is YYYY-MM of the event

__all__ = [
    "LABELS",
    "FORMS",
    "ACTOR_TYPES",
    "HARD_CASES",
    "REQUIRED_FIELDS",
    "OPTIONAL_FIELDS",
    "TEXT_WORDS",
    "DATE_PATTERN",
]
