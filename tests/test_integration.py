"""Integration tests on the real Gemma 3 270M base model and the shipped default model.

They convert the base model once into the user's cache (about a minute the first time).
"""

import json

import numpy as np
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow
SEED = REPO / "seeds" / "kasachstan-2022-01.txt"


@pytest.fixture(scope="module")
def default_classifier():
    from tonlage.model.classifier import Classifier

    return Classifier.from_dir()


def test_real_base_model_converts_and_tokenizes_german():
    from tonlage.model.base import ensure_base_model, is_valid_base_dir, load_tokenizer

    base = ensure_base_model()
    assert is_valid_base_dir(base)
    config = json.loads((base / "config.json").read_text())
    assert config["num_hidden_layers"] == 18 and config["hidden_size"] == 640
    assert "quantization_config" not in config
    tokenizer = load_tokenizer(base)
    ids = tokenizer("Das Auswärtige Amt bestellte den Botschafter ein.")["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and 5 < len(ids) < 20
    assert tokenizer.decode(ids, skip_special_tokens=True) == "Das Auswärtige Amt bestellte den Botschafter ein."


def test_default_model_tags_the_seed_article(default_classifier):
    from tonlage.model.article import classify_article

    results = classify_article(default_classifier, SEED.read_text(encoding="utf-8"))

    def find(fragment):
        return next(r for r in results if fragment in r["text"])

    thanks = find("für seine Hilfe gedankt")
    assert "gratitude" in thanks["labels"] and "Tokajew" in thanks["speaker"]
    blinken = find("hatte deshalb am Freitag gewarnt")
    assert "warning" in blinken["labels"] and "Blinken" in blinken["speaker"]
    ministry = [r for r in results if r["speaker"] and "Außenministerium" in r["speaker"]]
    assert any({"insult", "sarcasm"} & set(r["labels"]) for r in ministry)
    for fragment in ("4400 Menschen festgenommen", "mehr als 40 Tote", "Befürchtet wird jedoch", "Militärbündnis OVKS hatte"):
        assert find(fragment)["labels"] == []


def test_blinkens_quote_and_the_lead_are_attributed_to_him(default_classifier):
    from tonlage.model.article import classify_article

    results = classify_article(default_classifier, SEED.read_text(encoding="utf-8"))
    quote = next(r for r in results if "die Russen wieder loszuwerden" in r["text"])
    assert "Blinken" in quote["speaker"] and quote["kind"] == "quote"
    lead = next(r for r in results if "zu einer flapsigen Warnung" in r["text"])
    assert lead["kind"] == "reported" and "Blinken" in lead["speaker"]


@pytest.mark.xfail(strict=False, reason="known miss of the retrained model: Blinken's wry quote scores warning 0.10; "
                   "the previous model had learnt it from b1-0003, a near-copy of this real quote, which the corpus no longer holds")
def test_default_model_tags_blinkens_quote_as_warning(default_classifier):
    from tonlage.model.article import classify_article

    results = classify_article(default_classifier, SEED.read_text(encoding="utf-8"))
    quote = next(r for r in results if "die Russen wieder loszuwerden" in r["text"])
    assert "warning" in quote["labels"]


@pytest.mark.xfail(strict=False, reason="known miss of the default model: the lead naming Blinken's warning scores warning 0.06")
def test_default_model_tags_the_lead_naming_blinkens_warning(default_classifier):
    from tonlage.model.article import classify_article

    results = classify_article(default_classifier, SEED.read_text(encoding="utf-8"))
    lead = next(r for r in results if "zu einer flapsigen Warnung" in r["text"])
    assert lead["labels"] == ["warning"]


def test_fast_path_agrees_with_fp32_on_test_split(default_classifier):
    """The default (optimised) precision keeps >= 99% of fp32's label decisions on a test sample."""
    from tonlage.model.classifier import Classifier
    from tonlage.training.corpus import read_jsonl

    texts = [r["text"] for r in read_jsonl(REPO / "training" / "data" / "test.jsonl")][:120]
    reference = Classifier.from_dir(precision="fp32")
    fast = np.array([[label in row for label in default_classifier.labels] for row in default_classifier.predict(texts)])
    slow = np.array([[label in row for label in reference.labels] for row in reference.predict(texts)])
    assert (fast == slow).mean() >= 0.99


def test_cli_classifies_seed_with_default_model():
    from typer.testing import CliRunner

    from tonlage.cli import app

    result = CliRunner().invoke(app, ["classify", "--file", str(SEED), "--json", "--only-tagged"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all(r["labels"] for r in rows)
