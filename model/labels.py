"""The label set Tonlage predicts: one place for names and order."""

LABELS: tuple[str, ...] = ("warning", "insult", "sarcasm", "gratitude")
