"""Tests for training.validate.check_files and `tonlage data check`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.training.validate import check_files, near_duplicate_pairs, normalize_text

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
TRAIN = CORPUS / "valid" / "train.jsonl"
DEV = CORPUS / "valid" / "dev.jsonl"
BROKEN = CORPUS / "broken"

# (broken file, checked together with valid/train.jsonl?, bad line, part of the message)
CASES = [
    ("unknown_label", False, 2, "unknown label 'threat'"),
    ("duplicate_label", False, 3, "duplicate label(s) in 'labels'"),
    ("empty_text", False, 3, "field 'text' is empty"),
    ("whitespace_text", False, 2, "field 'text' is only whitespace"),
    ("duplicate_id", False, 3, "duplicate id 'di-a'"),
    ("malformed_json", False, 2, "malformed JSON"),
    ("non_object", False, 2, "record must be a JSON object"),
    ("wrong_type", False, 2, "field 'labels' must be list, got string"),
    ("unknown_form", False, 2, "unknown form 'tweet'"),
    ("missing_field", False, 2, "missing required field 'actor'"),
    ("duplicate_id_across", True, 2, f"duplicate id 't003' (first at {TRAIN}:3)"),
    ("exact_duplicate_across", True, 3, f"duplicate text of {TRAIN}:8"),
    ("near_duplicate_across", True, 2, f"near-duplicate text (Jaccard 0.75) of {TRAIN}:1"),
    ("episode_across", True, 2, f"episode 'ep-transit' straddles files: also in {TRAIN}:1"),
]

runner = CliRunner()


def case_paths(name: str, with_train: bool) -> list[Path]:
    return [TRAIN, BROKEN / f"{name}.jsonl"] if with_train else [BROKEN / f"{name}.jsonl"]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def rec(rid: str, text: str, **over) -> dict:
    r = {"id": rid, "text": text, "labels": [], "actor": "A", "form": "speech", "topic": "T"}
    r.update(over)
    return r


@pytest.mark.parametrize(("name", "with_train", "line", "expected"), CASES)
def test_check_files_finds_each_error(name, with_train, line, expected):
    report = check_files(case_paths(name, with_train))
    assert not report.ok
    assert report.stats is None
    broken = str(BROKEN / f"{name}.jsonl")
    assert [(p.path, p.line) for p in report.problems] == [(broken, line)], report.problems
    assert expected in report.problems[0].message


@pytest.mark.parametrize(("name", "with_train", "line", "expected"), CASES)
def test_cli_check_reports_file_and_line(name, with_train, line, expected):
    paths = case_paths(name, with_train)
    result = runner.invoke(app, ["data", "check", *map(str, paths)])
    assert result.exit_code == 1, result.output
    assert f"{BROKEN / f'{name}.jsonl'}:{line}: " in result.output
    assert expected in result.output


def test_valid_corpus_is_ok_with_statistics():
    report = check_files([TRAIN, DEV])
    assert report.ok, report.problems
    assert report.warnings == []
    s = report.stats
    assert [f["split"] for f in s["files"]] == ["train", "dev"]
    assert s["splits"]["train"]["records"] == 11
    assert s["splits"]["dev"]["records"] == 5
    total = s["splits"]["total"]
    assert total == {
        "records": 16,
        "warning": 4,
        "insult": 3,
        "sarcasm": 2,
        "gratitude": 3,
        "none": 5,
        "hard_negative": 4,
        "multi_label": 1,
        "episodes": 13,
    }
    assert s["cooccurrence"]["warning"]["insult"] == s["cooccurrence"]["insult"]["warning"] == 1
    assert s["cooccurrence"]["warning"]["warning"] == 4
    assert s["forms"]["social_media"] == 4 and sum(s["forms"].values()) == 16
    assert s["actor_types"]["politician"] == 3
    assert s["hard_cases"] == {
        "mention": 1,
        "polite_criticism": 1,
        "prediction": 1,
        "demand": 0,
        "congratulation_condolence": 1,
        "friendly_humour": 0,
        "other": 0,
    }
    assert s["actors"] == 9 and s["countries"] == 7
    lengths = s["length_words"]
    assert lengths["min"] == 13 and lengths["max"] == 22
    assert sum(lengths["histogram"].values()) == 16
    assert list(lengths["histogram"]) == ["5-9", "10-14", "15-29", "30-49", "50-80", "other"]
    # train.jsonl lines 4 and 11 are near-duplicates within one file: counted, not an error.
    near = s["near_duplicates"]
    assert near["within_file_pairs_ge_0.5"] == {"train": 1, "dev": 0}
    assert near["top_within_file"][0]["a"] == f"{TRAIN}:4"
    assert near["top_within_file"][0]["b"] == f"{TRAIN}:11"
    assert near["pairs_ge_0.5"] == 1 and near["pairs_ge_0.3"] >= 1
    assert 0.5 <= near["max_jaccard"] < 1
    assert s["episodes"] == {"distinct": 13, "records_without_episode": 0, "straddling": 0}
    assert len(s["corpus_sha256"]) == 64
    json.dumps(s)  # serialisable


def test_cli_check_valid_prints_statistics():
    result = runner.invoke(app, ["data", "check", str(TRAIN), str(DEV)])
    assert result.exit_code == 0, result.output
    assert "OK: 16 records in 2 file(s)" in result.output
    for heading in ("Records per split", "Label co-occurrence", "Forms", "Length in words", "Near-duplicates"):
        assert heading in result.output


def test_cli_check_json():
    result = runner.invoke(app, ["data", "check", str(TRAIN), str(DEV), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["splits"]["total"]["records"] == 16


def test_cli_missing_file(tmp_path):
    missing = tmp_path / "missing.jsonl"
    result = runner.invoke(app, ["data", "check", str(missing)])
    assert result.exit_code == 1
    assert f"{missing}: file not found" in result.output


def test_all_problems_reported_in_file_order(tmp_path):
    a = write_jsonl(
        tmp_path / "a.jsonl",
        [rec("1", "Erste Erklärung zur Lage am Fluss."), rec("1", "Zweite, ganz andere Erklärung zum Haushalt.")],
    )
    b = tmp_path / "b.jsonl"
    b.write_text(json.dumps(rec("2", "Erste  ERKLÄRUNG zur Lage am Fluss.")) + "\n{bad\n", encoding="utf-8")
    report = check_files([a, b])
    assert [(Path(p.path).name, p.line) for p in report.problems] == [("a.jsonl", 2), ("b.jsonl", 1), ("b.jsonl", 2)]
    # Case and whitespace differences still count as the same text.
    assert "duplicate text of" in report.problems[1].message


def test_exact_duplicate_within_file_is_an_error_with_label_conflict(tmp_path):
    a = write_jsonl(
        tmp_path / "a.jsonl",
        [rec("1", "Wir danken allen Helfern sehr.", labels=["gratitude"]), rec("2", "Wir danken allen Helfern sehr.")],
    )
    report = check_files([a])
    assert len(report.problems) == 1
    assert "with different labels ['gratitude'] vs []" in report.problems[0].message


def test_warnings_do_not_fail(tmp_path):
    a = write_jsonl(
        tmp_path / "a.jsonl",
        [
            rec("1", "Eine Erklärung ohne Ton zum Handel.", note="x"),
            rec("2", "Wir warnen vor den Folgen.", labels=["warning"], hard_negative=True, note="y"),
        ],
    )
    report = check_files([a])
    assert report.ok
    messages = [(w.line, w.message) for w in report.warnings]
    assert (1, "unknown field 'note' in 2 record(s) (first here)") in messages
    assert (1, "missing field 'date' in 2 record(s) (first here)") in messages
    assert (2, "hard_negative is true but labels are ['warning']") in messages
    assert (2, "hard_negative is true but hard_case is missing or null") in messages
    result = runner.invoke(app, ["data", "check", str(a)])
    assert result.exit_code == 0
    assert f"{a}:1: warning: unknown field 'note'" in result.output


def test_same_file_twice_is_an_error():
    report = check_files([TRAIN, TRAIN])
    assert not report.ok
    assert "more than once" in report.problems[0].message


def test_normalize_text():
    assert normalize_text("  Ein\tTEXT \n mit  Raum ") == "ein text mit raum"


def test_near_duplicate_pairs_matches_brute_force():
    texts = [
        "Wir warnen die Regierung vor weiteren Schritten.",
        "Wir warnen die Regierung vor weiteren schritten!",
        "Die Regierung warnt vor weiteren Schritten.",
        "Ganz anderer Inhalt über den Haushalt.",
        "kurz",
    ]

    def grams(t):
        t = normalize_text(t)
        return {t[i : i + 5] for i in range(len(t) - 4)}

    g = [grams(t) for t in texts]
    brute = {
        (i, j): len(g[i] & g[j]) / len(g[i] | g[j])
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if g[i] | g[j]
    }
    near = near_duplicate_pairs(texts, threshold=0.3)
    assert {(i, j): pytest.approx(v) for i, j, v in near.pairs} == {k: v for k, v in brute.items() if v >= 0.3}
    assert near.max_jaccard == pytest.approx(max(brute.values()))
    assert near.counts[0.3] == sum(v >= 0.3 for v in brute.values())
    assert near.counts[0.5] == sum(v >= 0.5 for v in brute.values())
    assert near_duplicate_pairs(["eins"]).max_jaccard is None
    assert near_duplicate_pairs(["abc", "abc"]).pairs == []  # too short for 5-grams
