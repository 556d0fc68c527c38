"""Request and response bodies of the HTTP API (pydantic models; they also make /openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty or only whitespace")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]
Threshold = Annotated[float, Field(ge=0.0, le=1.0)]


class ClassifyRequest(BaseModel):
    """Statements to classify."""

    model_config = ConfigDict(extra="forbid")
    texts: list[Text] = Field(min_length=1, description="Statements, each a non-empty string.")
    thresholds: dict[str, Threshold] | None = Field(None, description="Per-label threshold overrides, e.g. {\"sarcasm\": 0.4}.")
    explain: bool = Field(False, description="Add the words behind each tone (word occlusion; slower).")


class ArticleRequest(BaseModel):
    """A news article to segment into statements."""

    model_config = ConfigDict(extra="forbid")
    text: Text = Field(description="The article as plain text.")
    thresholds: dict[str, Threshold] | None = None
    explain: bool = Field(False, description="Add the words behind each tone.")


class Word(BaseModel):
    """A word behind a tone: removing it lowers the tone's score by ``weight``."""

    word: str
    start: int = Field(description="Character offset in the statement.")
    end: int
    weight: float


class Result(BaseModel):
    text: str
    labels: list[str]
    scores: dict[str, float]
    explanations: dict[str, list[Word]] | None = None


class Statement(Result):
    speaker: str | None
    speaker_mention: str | None
    kind: str = Field(description="quote, reported or narrative")
    start: int = Field(description="Character offset in the article.")
    end: int


class ClassifyResponse(BaseModel):
    results: list[Result]


class ArticleResponse(BaseModel):
    statements: list[Statement]
    labels: list[str]
    thresholds: dict[str, float]


class ModelInfo(BaseModel):
    name: str | None
    hash: str | None
    source: str
    precision: str | None
    labels: list[str]
    thresholds: dict[str, float]
    metrics: dict[str, Any] | None
    limits: dict[str, Any]
