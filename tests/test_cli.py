"""The classify/info/train commands through typer's CliRunner, on the tiny model."""

import json

import pytest
from conftest import FIXTURES, REPO
from typer.testing import CliRunner

from tonlage.cli import app

runner = CliRunner()


@pytest.fixture
def tiny_env(tiny_run, tiny_base, monkeypatch):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    return str(tiny_run[1])


def test_classify_json_one_object_per_statement(tiny_env):
    texts = ["Wir warnen Moskau ausdrücklich", "Herzlichen Dank an unsere Partner"]
    result = runner.invoke(app, ["classify", *texts, "--json", "--model", tiny_env, "--precision", "fp32"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in rows] == texts
    for row in rows:
        assert set(row["scores"]) == {"warning", "insult", "sarcasm", "gratitude"}
        assert set(row["labels"]) <= set(row["scores"])


def test_classify_threshold_override(tiny_env):
    result = runner.invoke(app, ["classify", "Danke", "--json", "--model", tiny_env, "-t", "warning=0", "-t", "insult=0"])
    assert result.exit_code == 0, result.output
    assert {"warning", "insult"} <= set(json.loads(result.output)["labels"])
    bad = runner.invoke(app, ["classify", "Danke", "--model", tiny_env, "-t", "anger=0.3"])
    assert bad.exit_code == 2 and "LABEL=VALUE" in bad.output
    bad_value = runner.invoke(app, ["classify", "Danke", "--model", tiny_env, "-t", "insult=hoch"])
    assert bad_value.exit_code == 2 and "not a number" in bad_value.output


def test_classify_article_file_gives_statements_with_offsets(tiny_env):
    seed = REPO / "seeds" / "kasachstan-2022-01.txt"
    article = seed.read_text(encoding="utf-8")
    result = runner.invoke(app, ["classify", "--file", str(seed), "--json", "--model", tiny_env])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) > 10
    for row in rows:
        assert article[row["start"] : row["end"]] == row["text"]
        assert row["kind"] in ("quote", "reported", "narrative")
    assert any("Blinken" in (row["speaker"] or "") for row in rows)


def test_classify_table_and_only_tagged(tiny_env):
    seed = REPO / "seeds" / "kasachstan-2022-01.txt"
    table = runner.invoke(app, ["classify", "--file", str(seed), "--model", tiny_env, "-t", "gratitude=0"])
    assert table.exit_code == 0, table.output
    assert "speaker" in table.output and "24 statement(s)" in table.output and "grat" in table.output
    tagged = runner.invoke(app, ["classify", "--file", str(seed), "--json", "--only-tagged", "--model", tiny_env,
                                 "-t", "warning=1", "-t", "insult=1", "-t", "sarcasm=1", "-t", "gratitude=1"])
    assert tagged.exit_code == 0 and tagged.output.strip() == ""


def test_classify_stdin_lines(tiny_env):
    result = runner.invoke(app, ["classify", "-", "--lines", "--json", "--model", tiny_env], input="Erster Satz hier.\n\nZweiter Satz dort.\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["text"] for line in result.output.splitlines()] == ["Erster Satz hier.", "Zweiter Satz dort."]


def test_classify_errors_are_one_line(tiny_env, tmp_path):
    missing = runner.invoke(app, ["classify", "Text", "--model", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "Error: Model folder not found" in missing.output
    empty = runner.invoke(app, ["classify", "   ", "--model", tiny_env])
    assert empty.exit_code == 2 and "empty" in empty.output
    nothing = runner.invoke(app, ["classify"])
    assert nothing.exit_code == 2
    assert "Traceback" not in missing.output + empty.output + nothing.output


def test_info_shows_thresholds_and_metrics(tiny_env):
    result = runner.invoke(app, ["info", "--model", tiny_env, "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert set(info["thresholds"]) == {"warning", "insult", "sarcasm", "gratitude"}
    assert "dev" in info["metrics"] and len(info["hash"]) == 16
    table = runner.invoke(app, ["info", "--model", tiny_env])
    assert "threshold" in table.output and "macro" in table.output


def test_train_command_writes_an_artifact(tiny_base, tmp_path):
    corpus = FIXTURES / "tiny_corpus"
    config = tmp_path / "c.toml"
    config.write_text("[model]\nnum_layers = 1\nmax_length = 32\n[train]\nepochs = 1\nbatch_size = 6\ncheckpoint_every = 0\n")
    result = runner.invoke(app, [
        "train", "--config", str(config), "--train", str(corpus / "train.jsonl"), "--dev", str(corpus / "dev.jsonl"),
        "--test", str(corpus / "test.jsonl"), "--output", str(tmp_path / "run"), "--base-dir", str(tiny_base), "-q",
    ])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "model" / "tonlage.json").is_file()
    assert "macro-F1" in result.output
    bad = runner.invoke(app, ["train", "--config", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 2 and "Config file not found" in bad.output
