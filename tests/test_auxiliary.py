"""Tests for training.auxiliary on small hand-written files in each source's layout."""

from pathlib import Path

import pytest
from datasets import Dataset

from tonlage.model.labels import LABELS
from tonlage.training.auxiliary import (
    AUX_SOURCES,
    AuxiliaryDataError,
    clean_text,
    load_auxiliary,
    load_germeval2018,
    load_goemotions_de,
    load_goemotions_en,
    load_isarcasmeval_en,
    load_speech_acts_de,
    mask_handles,
)


@pytest.fixture(scope="module")
def aux(aux_datasets) -> Path:
    return aux_datasets


def by_text(records: list[dict]) -> dict[str, list[str]]:
    return {r["text"]: r["labels"] for r in records}


def test_registry():
    assert set(AUX_SOURCES) == {"germeval2018", "goemotions_de", "goemotions_en", "isarcasmeval_en", "speech_acts_de"}
    assert AUX_SOURCES["germeval2018"].labels == ("insult",)
    assert AUX_SOURCES["goemotions_de"].labels == ("gratitude",)
    assert AUX_SOURCES["goemotions_en"].labels == ("gratitude",)
    assert AUX_SOURCES["isarcasmeval_en"].labels == ("sarcasm",)
    assert AUX_SOURCES["speech_acts_de"].labels == ("warning", "gratitude")
    for source in AUX_SOURCES.values():
        assert set(source.labels) <= set(LABELS)


def test_cleaning_helpers():
    assert clean_text("a|LBR|b  |LBR| c\n") == "a b c"
    assert mask_handles("@a_1 und @B: schreib an x@y.de") == "@user und @user: schreib an x@y.de"


def test_germeval2018(aux):
    train = load_germeval2018(aux / "germeval2018")
    assert len(train) == 6
    assert [r["labels"] for r in train] == [[], ["insult"], [], [], [], ["insult"]]  # ABUSE/PROFANITY are not insult
    assert all(r["label_mask"] == ["insult"] and r["source"] == "germeval2018" for r in train)
    assert train[0]["text"].startswith("@user Danke")
    assert train[2]["text"] == "So ein Mist, schon wieder fällt die Bahn aus. Dritter Tag in Folge."
    assert train[3]["text"].startswith("@user @user Diese")
    assert train[5]["text"] == "@user Ihr seid doch alle nur hirnlose Papageien."
    assert [r["orig_label"] for r in train] == ["OTHER", "INSULT", "PROFANITY", "ABUSE", "OTHER", "INSULT"]
    test = load_germeval2018(aux / "germeval2018", split="test")
    assert [r["labels"] for r in test] == [["insult"], [], []]
    assert "mail@beispiel.de" in test[2]["text"]
    # A file given directly: its split is taken from its name.
    assert load_germeval2018(aux / "germeval2018" / "germeval2018.test.txt")[0]["id"] == "germeval2018:test:1"


def test_goemotions_de_groups_rows_of_one_text(aux):
    recs = load_goemotions_de(aux / "goemotions_de")
    assert [r["text"] for r in recs] == [
        "Vielen Dank für die schnelle Antwort!",
        "Das ist, ehrlich gesagt, ziemlich ärgerlich.",
        "Wo hast du das Rezept gefunden?",
        "Danke dir für alles!",
        "Das ist gut so.",
        "Danke dir für alles!",  # same text again later in the file: a separate text, as in GoEmotions
    ]
    assert [r["labels"] for r in recs] == [["gratitude"], [], [], ["gratitude"], [], []]
    assert recs[0]["orig_labels"] == ["gratitude", "joy"]
    assert recs[2]["orig_labels"] == ["curiosity", "neutral"]
    assert all(r["label_mask"] == ["gratitude"] for r in recs)
    test = load_goemotions_de(aux / "goemotions_de", split="test")
    assert by_text(test) == {
        "Ich bin dir sehr dankbar für die Hilfe beim Umzug.": ["gratitude"],
        "Heute regnet es schon wieder.": [],
    }


def test_goemotions_en_splits_and_label_ids(aux):
    train = load_goemotions_en(aux / "goemotions_en")
    assert [r["labels"] for r in train] == [["gratitude"], [], [], ["gratitude"], []]
    assert train[3]["orig_labels"] == ["gratitude", "love"]
    assert train[0]["id"] == "goemotions_en:aa0001"
    assert all(r["label_mask"] == ["gratitude"] for r in train)
    assert by_text(load_goemotions_en(aux / "goemotions_en", split="dev")) == {
        "Much appreciated, friend.": ["gratitude"],
        "Not sure what to think about this.": [],
    }
    test = load_goemotions_en(aux / "goemotions_en", split="test")
    assert by_text(test)["Great, thanks for nothing."] == []  # annoyance, not gratitude


def test_isarcasmeval_train_and_test_layouts(aux):
    train = load_isarcasmeval_en(aux / "isarcasmeval_en")
    assert [r["labels"] for r in train] == [["sarcasm"], [], ["sarcasm"], [], ["sarcasm"]]  # empty tweet skipped
    assert train[2]["text"] == "I just love waiting forty minutes for a bus that never arrives. Best day ever @user"
    assert all(r["label_mask"] == ["sarcasm"] for r in train)
    test = load_isarcasmeval_en(aux / "isarcasmeval_en", split="test")
    assert [r["labels"] for r in test] == [["sarcasm"], [], []]
    assert test[2]["text"] == "Thanks @user for the very smooth ride"


def test_speech_acts_per_sentence(aux):
    recs = load_speech_acts_de(aux / "speech_acts_de")
    assert by_text(recs) == {
        "Vielen Dank für die Blumen!": ["gratitude"],
        "Das Fest war wunderbar.": [],
        "Wenn ihr so weitermacht,": [],
        "werdet ihr das noch bitter bereuen, @user!": ["warning"],
        "Wann fährt der letzte Bus?": [],
        "Bis morgen dann.": [],
    }  # handle-only and emoji-only sentences are skipped
    assert all(r["label_mask"] == ["warning", "gratitude"] for r in recs)
    ids = [r["id"] for r in recs if r["tweet"] == "s1_Tweet_3_3_other.xml"]
    # sentences in numeric order of their keys ("10" after "1")
    assert ids == ["speech_acts_de:s1_Tweet_3_3_other.xml:1", "speech_acts_de:s1_Tweet_3_3_other.xml:10"]


@pytest.mark.parametrize(
    ("name", "split", "rows", "positives"),
    [
        ("germeval2018", None, 6, 2),
        ("goemotions_de", None, 6, 2),
        ("goemotions_en", "train", 5, 2),
        ("isarcasmeval_en", "test", 3, 1),
        ("speech_acts_de", None, 6, 2),
    ],
)
def test_load_auxiliary_dataset(aux, name, split, rows, positives):
    ds = load_auxiliary(name, aux / name, split=split)
    assert isinstance(ds, Dataset)
    assert set(ds.column_names) >= {"text", "labels", "label_mask", "source"}
    assert len(ds) == rows
    assert sum(bool(labels) for labels in ds["labels"]) == positives
    assert all(mask == list(AUX_SOURCES[name].labels) for mask in ds["label_mask"])
    assert set(ds["source"]) == {name}


def test_load_auxiliary_max_rows_is_seeded_subsample(aux):
    full = load_auxiliary("germeval2018", aux / "germeval2018")
    a = load_auxiliary("germeval2018", aux / "germeval2018", max_rows=3, seed=1)
    b = load_auxiliary("germeval2018", aux / "germeval2018", max_rows=3, seed=1)
    assert len(a) == 3 and a["id"] == b["id"]
    assert set(a["id"]) <= set(full["id"])
    assert a["id"] == sorted(a["id"], key=full["id"].index)  # kept in file order
    assert len(load_auxiliary("germeval2018", aux / "germeval2018", max_rows=100)) == 6
    empty = load_auxiliary("germeval2018", aux / "germeval2018", max_rows=0)
    assert len(empty) == 0 and "labels" in empty.column_names


def test_clear_errors(aux, tmp_path):
    with pytest.raises(AuxiliaryDataError, match="no such folder or file"):
        load_auxiliary("germeval2018", tmp_path / "nowhere")
    with pytest.raises(AuxiliaryDataError, match="germeval2018.training.txt: not found"):
        load_auxiliary("germeval2018", tmp_path)
    with pytest.raises(AuxiliaryDataError, match="unknown auxiliary source"):
        load_auxiliary("imdb", tmp_path)
    with pytest.raises(AuxiliaryDataError, match="unknown split 'validation'"):
        load_auxiliary("goemotions_en", aux / "goemotions_en", split="validation")
    bad = tmp_path / "germeval2018.training.txt"
    bad.write_text("only text without columns\n", encoding="utf-8")
    with pytest.raises(AuxiliaryDataError, match=r"germeval2018.training.txt:1: expected 3 tab-separated fields"):
        load_auxiliary("germeval2018", tmp_path)
    csv_file = tmp_path / "dev.csv"
    csv_file.write_text("idx,text\n0,x\n", encoding="utf-8")
    with pytest.raises(AuxiliaryDataError, match="missing column"):
        load_auxiliary("goemotions_de", tmp_path)
    tsv = tmp_path / "train.tsv"
    tsv.write_text("hello\t15\tid1\n", encoding="utf-8")
    with pytest.raises(AuxiliaryDataError, match="labels.txt: not found"):
        load_auxiliary("goemotions_en", tmp_path)
