"""Word occlusion (model/explain.py) on hand-made scorers, and `tonlage classify --explain` on the tiny model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.model.explain import explain_texts, occlusion_plan, remove_spans, word_units

LABELS = ["warning", "gratitude"]


def keyword_scorer(calls: list[int]):
    """warning = 0.2 + 0.6 if "Konsequenzen" + 0.1 if "ernste"; gratitude = 0.9 if "Dank" else 0.1."""

    def score(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.array(
            [[0.2 + 0.6 * ("Konsequenzen" in t) + 0.1 * ("ernste" in t), 0.9 if "Dank" in t else 0.1] for t in texts]
        )

    return score


def test_top_words_are_the_ones_that_move_the_score():
    calls: list[int] = []
    texts = ["Er droht mit „ernste Konsequenzen“, sagte er.", "Vielen Dank, Herr Minister."]
    result = explain_texts(keyword_scorer(calls), texts, LABELS)
    assert calls == [2, 7 + 4]  # the statements once, then all 11 occluded variants in one call
    assert result[0]["warning"] == [
        {"word": "Konsequenzen", "start": 21, "end": 33, "weight": 0.6},
        {"word": "ernste", "start": 14, "end": 20, "weight": 0.1},
    ]
    assert result[0]["gratitude"] == []  # no word raises it: nothing listed
    assert result[1]["gratitude"] == [{"word": "Dank", "start": 7, "end": 11, "weight": 0.8}]
    assert result[1]["warning"] == []


def test_top_k_and_given_scores_save_a_pass():
    calls: list[int] = []
    full = np.array([[0.9, 0.1]])
    result = explain_texts(keyword_scorer(calls), ["ernste Konsequenzen"], LABELS, full=full, top_k=1)
    assert calls == [2]  # only the variants
    assert result[0]["warning"] == [{"word": "Konsequenzen", "start": 7, "end": 19, "weight": 0.6}]


def test_removing_words_keeps_the_sentence_readable():
    text = "Er warnt, dass es „ernste Konsequenzen“ geben werde."
    assert remove_spans(text, [(3, 8)]) == "Er, dass es „ernste Konsequenzen“ geben werde."
    assert remove_spans(text, [(19, 25)]) == "Er warnt, dass es „Konsequenzen“ geben werde."
    assert remove_spans(text, [(0, 2), (46, 51)]) == "warnt, dass es „ernste Konsequenzen“ geben."
    assert remove_spans("Danke", [(0, 5)]) == "…"  # never an empty text, which the classifier rejects


def test_words_and_long_statements():
    assert [u.word for u in word_units("Der 61-Jährige sagte: „Nein!“")] == ["Der", "61-Jährige", "sagte", "Nein"]
    long = " ".join(f"w{i}" for i in range(130))
    units = word_units(long, max_units=64)
    assert len(units) == 44 and units[0].word == "w0 w1 w2" and units[-1].word == "w129"  # runs of 3, 130 = 43*3 + 1
    plan = occlusion_plan(["a b", "", "c"])
    assert plan.offsets == [0, 2, 2, 3] and plan.variants == ["b", "a", "…"]


def test_classify_explain_json_and_table(tiny_run, tiny_base, monkeypatch):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    text = "Wer unsere rote Linie überschreitet, wird das bereuen."
    runner = CliRunner()
    args = ["classify", text, "--model", str(tiny_run[1]), "--precision", "fp32", "--explain", "-t", "warning=0"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert set(row["explanations"]) == {"warning", "insult", "sarcasm", "gratitude"}
    for words in row["explanations"].values():
        assert len(words) <= 3 and all(text[w["start"] : w["end"]] == w["word"] for w in words)
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    top = row["explanations"]["warning"]
    assert "warning:" in table.output
    if top:
        assert top[0]["word"] in table.output


@pytest.mark.parametrize("flag", [["--only-tagged"], []])
def test_classify_explain_with_nothing_tagged(tiny_run, tiny_base, monkeypatch, flag):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    args = ["classify", "Guten Morgen.", "--model", str(tiny_run[1]), "--precision", "fp32", "--explain", "--json", *flag,
            *[f"-t{label}=1" for label in ("warning", "insult", "sarcasm", "gratitude")]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "" if flag else json.loads(result.output)["labels"] == []


class KeywordClassifier:
    """Stands in for a Classifier in the faithfulness measure: the keyword scorer, tagged at 0.5."""

    labels = LABELS

    def predict_proba(self, texts, batch_size=64):
        return keyword_scorer([])(list(texts))

    def tags(self, proba):
        return [[label for label, p in zip(LABELS, row) if p >= 0.5] for row in proba]


def test_faithfulness_top_words_beat_random_words():
    from tonlage.eval.explain_eval import faithfulness

    texts = ["Er droht heute mit ernste Konsequenzen für alle Nachbarn.", "Guten Morgen allerseits.", "Dank"]
    result = faithfulness(KeywordClassifier(), texts, k=3, draws=3)
    # Only the first is tagged (warning 0.9) and long enough; its top-3 removal takes both keywords: 0.9 -> 0.2.
    assert result["statements"] == 1 and result["pairs"] == 1
    assert result["top_drop"] == pytest.approx(0.7)
    assert result["random_drop"] < result["top_drop"] and result["top_wins"] == 1.0
