"""Tests for training.corpus: reading, record validation, hashing."""

import json
from pathlib import Path

import pytest

from tonlage.training.corpus import (
    CorpusError,
    Problem,
    corpus_hash,
    file_sha256,
    missing_optional_fields,
    read_jsonl,
    record_warnings,
    unknown_fields,
    validate_record,
)

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
VALID = CORPUS / "valid"
BROKEN = CORPUS / "broken"


def good_record(**over) -> dict:
    rec = {
        "id": "x1",
        "text": "Wir warnen vor weiteren Schritten.",
        "labels": ["warning"],
        "actor": "A",
        "form": "direct_quote",
        "topic": "T",
    }
    rec.update(over)
    return rec


def test_valid_files_read():
    train = read_jsonl(VALID / "train.jsonl")
    dev = read_jsonl(VALID / "dev.jsonl")
    assert len(train) == 11 and len(dev) == 5
    assert train[0]["id"] == "t001"
    assert all(validate_record(r) == [] for r in train + dev)


def test_good_record_has_no_errors():
    assert validate_record(good_record()) == []
    assert validate_record(good_record(labels=[], hard_negative=True, hard_case=None, actor_type="military")) == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"labels": ["threat"]}, "unknown label 'threat'"),
        ({"labels": ["insult", "insult"]}, "duplicate label(s) in 'labels': insult"),
        ({"text": ""}, "field 'text' is empty"),
        ({"text": " \n\t "}, "field 'text' is only whitespace"),
        ({"labels": "warning"}, "field 'labels' must be list, got string"),
        ({"labels": [1]}, "field 'labels' must hold strings"),
        ({"form": "tweet"}, "unknown form 'tweet'"),
        ({"actor_type": "king"}, "unknown actor_type 'king'"),
        ({"hard_case": "irony"}, "unknown hard_case 'irony'"),
        ({"hard_negative": "yes"}, "field 'hard_negative' must be boolean"),
        ({"id": 7}, "field 'id' must be string, got integer"),
        ({"id": " "}, "field 'id' is empty"),
    ],
)
def test_validate_record_errors(override, expected):
    errors = validate_record(good_record(**override))
    assert any(expected in e for e in errors), errors


def test_validate_record_missing_fields_and_non_object():
    rec = good_record()
    del rec["actor"], rec["topic"]
    errors = validate_record(rec)
    assert "missing required field 'actor'" in errors
    assert "missing required field 'topic'" in errors
    assert validate_record(["a"]) == ["record must be a JSON object, got list"]


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("unknown_label", 2, "unknown label 'threat'"),
        ("duplicate_label", 3, "duplicate label"),
        ("empty_text", 3, "field 'text' is empty"),
        ("whitespace_text", 2, "only whitespace"),
        ("malformed_json", 2, "malformed JSON"),
        ("non_object", 2, "must be a JSON object"),
        ("wrong_type", 2, "field 'labels' must be list"),
        ("unknown_form", 2, "unknown form 'tweet'"),
        ("missing_field", 2, "missing required field 'actor'"),
    ],
)
def test_read_jsonl_raises_with_file_and_line(name, line, expected):
    path = BROKEN / f"{name}.jsonl"
    with pytest.raises(CorpusError) as info:
        read_jsonl(path)
    problems = info.value.problems
    assert isinstance(info.value, ValueError)
    assert [(p.path, p.line) for p in problems] == [(str(path), line)]
    assert expected in problems[0].message
    assert f"{path}:{line}:" in str(info.value)


def test_read_jsonl_collects_every_problem_and_skips_blank_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps(good_record(id="a")), "", "{oops", json.dumps(good_record(id="b", labels=["x"]))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        read_jsonl(path)
    assert [p.line for p in info.value.problems] == [3, 4]


def test_read_jsonl_missing_file(tmp_path):
    with pytest.raises(CorpusError) as info:
        read_jsonl(tmp_path / "nope.jsonl")
    assert info.value.problems == [Problem(str(tmp_path / "nope.jsonl"), None, "file not found")]
    assert str(info.value.problems[0]) == f"{tmp_path / 'nope.jsonl'}: file not found"


def test_hashes(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(b"one\ntwo\n")
    b.write_bytes(b"three\n")
    assert len(corpus_hash([a, b])) == 64
    assert corpus_hash([a, b]) == corpus_hash([b, a])  # order of arguments does not matter
    before = corpus_hash([a, b])
    # Moving a line across the file boundary keeps the concatenated bytes but changes the hash.
    a.write_bytes(b"one\n")
    b.write_bytes(b"two\nthree\n")
    assert corpus_hash([a, b]) != before
    b.write_bytes(b"changed\n")
    assert corpus_hash([a, b]) != before


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"abc\n")
    assert file_sha256(path) == hashlib.sha256(b"abc\n").hexdigest()


def test_record_warnings_follow_the_guideline():
    full = good_record(
        actor_type="spokesperson", country="Russland", episode="e1", hard_negative=False, hard_case=None, date="2022-01"
    )
    assert record_warnings(full) == []
    assert missing_optional_fields(full) == []
    assert unknown_fields(full | {"note": "x"}) == ["note"]
    optional = ["actor_type", "country", "episode", "hard_negative", "hard_case", "date"]
    assert missing_optional_fields(good_record()) == optional
    cases = {
        "labels ['insult', 'warning'] are not in the order ['warning', 'insult']": {"labels": ["insult", "warning"]},
        "text has 3 words (guideline: 5-80)": {"text": "Wir warnen euch."},
        "date '2022-01-05' is not YYYY-MM": {"date": "2022-01-05"},
        "hard_negative is true but labels are ['warning']": {"hard_negative": True, "hard_case": "mention"},
        "hard_negative is true but hard_case is missing or null": {"labels": [], "hard_negative": True},
        "hard_case is 'demand' but hard_negative is not true": {"labels": [], "hard_case": "demand"},
    }
    for message, override in cases.items():
        assert record_warnings(full | override) == [message], override
