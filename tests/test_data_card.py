"""Tests for training.data_card and `tonlage data card`."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.training.data_card import (
    STATS_END,
    STATS_START,
    DataCardError,
    render_data_card,
    replace_stats_block,
    write_data_card,
)
from tonlage.training.validate import check_files

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
TRAIN = CORPUS / "valid" / "train.jsonl"
DEV = CORPUS / "valid" / "dev.jsonl"

runner = CliRunner()


def test_render_data_card_tables():
    text = render_data_card(check_files([TRAIN, DEV]))
    assert "| split | records | warning | insult | sarcasm | gratitude |" in text
    assert "| train | 11 | 3 | 2 | 1 | 2 | 4 | 3 | 1 | 8 |" in text
    assert "| total | 16 | 4 | 3 | 2 | 3 | 5 | 4 | 1 | 13 |" in text
    assert "| warning | 4 | 1 | 0 | 0 |" in text  # co-occurrence row
    assert "| `social_media` | 4 |" in text
    assert "| 13 | 14.0 | 16.0 | 18.5 | 22 |" in text
    assert STATS_START not in text and text.endswith("\n")
    assert render_data_card(check_files([TRAIN, DEV])) == text  # deterministic


def test_render_refuses_report_with_problems():
    with pytest.raises(DataCardError):
        render_data_card(check_files([CORPUS / "broken" / "unknown_label.jsonl"]))


def test_replace_stats_block_keeps_prose():
    doc = f"# Data\n\nIntro.\n\n{STATS_START}\nold\n{STATS_END}\n\nOutro.\n"
    new = replace_stats_block(doc, "new table\n")
    assert new == f"# Data\n\nIntro.\n\n{STATS_START}\nnew table\n{STATS_END}\n\nOutro.\n"
    assert replace_stats_block("", "x") == f"{STATS_START}\nx\n{STATS_END}\n"
    assert replace_stats_block("# Data", "x") == f"# Data\n\n{STATS_START}\nx\n{STATS_END}\n"
    with pytest.raises(DataCardError):
        replace_stats_block(f"{STATS_END}\n{STATS_START}\n", "x")
    with pytest.raises(DataCardError):
        replace_stats_block(f"{STATS_START}\n", "x")


def test_write_data_card_creates_and_updates(tmp_path):
    out = tmp_path / "data" / "README.md"
    report = check_files([TRAIN, DEV])
    write_data_card(report, out)
    first = out.read_text(encoding="utf-8")
    assert first.startswith(STATS_START)
    out.write_text("# Corpus\n\nProse before.\n\n" + first + "\nProse after.\n", encoding="utf-8")
    write_data_card(report, out)
    again = out.read_text(encoding="utf-8")
    assert again.startswith("# Corpus\n\nProse before.\n\n" + STATS_START)
    assert again.endswith(STATS_END + "\n\nProse after.\n")
    assert again.count(STATS_START) == 1


def test_cli_card(tmp_path):
    out = tmp_path / "README.md"
    out.write_text(f"Prose.\n\n{STATS_START}\n{STATS_END}\n", encoding="utf-8")
    result = runner.invoke(app, ["data", "card", str(TRAIN), str(DEV), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Prose.\n\n" + STATS_START)
    assert "| total | 16 |" in text


def test_cli_card_with_errors_does_not_write(tmp_path):
    out = tmp_path / "README.md"
    broken = CORPUS / "broken" / "empty_text.jsonl"
    result = runner.invoke(app, ["data", "card", str(broken), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{broken}:3:" in result.output
    assert not out.exists()


def test_cli_card_refuses_a_folder_as_out_before_reading_the_corpus(tmp_path, monkeypatch):
    import tonlage.data_cmd

    def no_reading(paths):
        raise AssertionError("the corpus was read before --out was checked")

    monkeypatch.setattr(tonlage.data_cmd, "check_files", no_reading)
    result = runner.invoke(app, ["data", "card", str(TRAIN), str(DEV), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert f"Error: {tmp_path} is a folder; --out must name the data card's Markdown file" in result.output
    assert list(tmp_path.iterdir()) == []


def test_check_and_card_render_the_same_sections():
    titles = ("Files", "Records per split and label", "Label co-occurrence", "Forms", "Actor types", "Hard cases",
              "Actors and countries", "Length in words", "Near-duplicates", "Episodes",
              "Realism: corpus against real news", "Cue-word shortcuts")
    card = render_data_card(check_files([TRAIN, DEV]))
    assert [line[4:] for line in card.splitlines() if line.startswith("### ")] == list(titles)
    result = runner.invoke(app, ["data", "check", str(TRAIN), str(DEV)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for title in titles:
        assert title in result.output, title
    # The same figures on the terminal: the train row of the split table, the length percentiles.
    cells = r"\s*│\s*".join
    assert re.search(cells(["train", "11", "3", "2", "1", "2", "4", "3", "1", "8"]), result.output)
    assert re.search(cells(["13", "14.0", "16.0", "18.5", "22"]), result.output)
    # Which lines are near-duplicates is a terminal detail; the committed card only counts them.
    pair = f"{TRAIN}:4 ~ {TRAIN}:11 (Jaccard 0.85)"
    assert pair in result.output and pair not in card
