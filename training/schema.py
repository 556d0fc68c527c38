"""The corpus schema: field names, allowed values and their types."""

from model.labels import LABELS

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
    # Partial annotation: the labels the record speaks for (default: all of LABELS).
    "label_mask": list,
    # Where the record comes from (e.g. an auxiliary dataset's name).
    "source": str,
}

__all__ = ["LABELS", "FORMS", "ACTOR_TYPES", "HARD_CASES", "REQUIRED_FIELDS", "OPTIONAL_FIELDS"]
