"""Realism statistics, cue shortcuts and label consistency, on rows whose figures are worked out by hand."""

import json

import pytest

from tonlage.training.realism import (
    REAL_NEWS,
    cue_shortcuts,
    inconsistent_labels,
    quoted_first_person,
    realism_misses,
    realism_stats,
    strong_normal_form,
)
from tonlage.training.validate import check_files

ROWS = [
    {"text": "„Wir werden das nie akzeptieren“, sagte die Ministerin am Montag in Riga.", "labels": []},
    {"text": "„Wir werden antworten“, so der Sprecher.", "labels": ["warning"]},
    {"text": "Der Minister nannte seinen Kollegen einen Clown.", "labels": ["insult"]},
    {"text": "«Danke für nichts!» schrieb sie.", "labels": ["sarcasm"]},
    {"text": "Die Sprecherin spottete über den Gipfel. Ist das alles?", "labels": ["sarcasm"]},
]


def test_realism_stats_by_hand():
    stats = realism_stats(ROWS)
    # first-person quotes: rows 0 and 1 (row 3 has no first-person word); one of them is none
    assert stats["p_none_first_person_quote"] == 0.5
    assert stats["quoted"] == 3 / 5  # rows 0, 1, 3
    assert stats["quote_with_attribution_verb"] == 2 / 5  # „…“, sagte / „…“, so
    assert stats["guillemet_or_english_quotes"] == 1 / 5
    assert stats["weekday"] == 1 / 5
    assert stats["questions"] == 1 / 5 and stats["exclamations"] == 1 / 5
    assert stats["median_words"] == 7  # word counts 12, 5, 7, 5, 9
    assert stats["share_over_40_words"] == 0.0
    assert stats["insults_with_nannte_bezeichnete"] == 1.0
    assert stats["sarcasm_with_spott_verbs"] == 0.5
    assert stats["sarcasm_without_cue"] == 0.0  # "danke für" and "spott" are cues


def test_realism_misses_name_the_statistic_and_target():
    stats = dict(REAL_NEWS)
    assert realism_misses(stats) == []
    stats["weekday"] = 0.02
    stats["p_none_first_person_quote"] = 0.2
    assert realism_misses(stats) == [
        "P(none | quoted first-person statement): 0.20, target ≥ 0.33",
        "weekday in the attribution: 0.02, target 0.17 ± 0.05",
    ]


def test_quoted_first_person_looks_inside_the_quotes_only():
    assert quoted_first_person("Er sagte: „Wir bleiben.“")
    assert not quoted_first_person("Wir berichten: „Die Lage ist ruhig.“")


def test_cue_shortcuts_flag_a_word_that_predicts_one_tone():
    rows = [{"text": f"Offenbar ist das Treffen Nummer {i} gescheitert.", "labels": ["sarcasm"]} for i in range(28)]
    rows += [{"text": f"Offenbar beginnt Sitzung {i}.", "labels": []} for i in range(2)]
    rows += [{"text": f"Danke für Runde {i}.", "labels": ["gratitude"]} for i in range(30)]
    found = {(c.word, c.label): (c.rows, c.precision) for c in cue_shortcuts(rows, ["warning", "insult", "sarcasm", "gratitude"])}
    assert found[("offenbar", "sarcasm")] == (30, round(28 / 30, 3))
    assert ("danke", "gratitude") not in found  # the cue is the tone itself
    assert ("für", "gratitude") in found  # 30 rows, all gratitude


def test_strong_normal_form_ignores_quote_style_and_punctuation():
    assert strong_normal_form("„Wir  bleiben!“, sagte er.") == strong_normal_form("«wir bleiben», sagte er")
    groups = inconsistent_labels([("a:1", "„Wir bleiben“", []), ("a:2", "«Wir bleiben»", ["warning"]), ("a:3", "Anders.", [])])
    assert groups == [[("a:1", []), ("a:2", ["warning"])]]


def _row(i, text, labels, episode):
    return {"id": f"t-{i:04d}", "text": text, "labels": labels, "actor": "Sprecher", "actor_type": "spokesperson",
            "country": "Polen", "form": "direct_quote", "topic": "Test", "episode": episode,
            "hard_negative": False, "hard_case": None, "date": "2024-01"}


@pytest.mark.parametrize("second", ["«Wir werden diese Grenze niemals öffnen», sagte der Sprecher.",
                                    "„Wir werden diese Grenze niemals öffnen“, sagte der Sprecher am Montag."])
def test_data_check_rejects_one_statement_with_two_labellings(tmp_path, second):
    first = "„Wir werden diese Grenze niemals öffnen“, sagte der Sprecher."
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        _row(1, first, [], "t-a"), _row(2, second, ["warning"], "t-a"),
        _row(3, "Die Gespräche in Genf sollen am Dienstag fortgesetzt werden.", [], "t-b"),
    ]) + "\n", encoding="utf-8")
    report = check_files([path])
    messages = [p.message for p in report.problems]
    assert len(messages) == 1 and "different labels [] vs ['warning']" in messages[0]
    assert report.problems[0].line == 2
