import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from tonlage.model.artifact import ArtifactError, artifact_hash, read_config
from tonlage.model.classifier import Classifier, InputError, check_texts


def test_check_texts_names_the_bad_position():
    assert check_texts(["a", "b"]) == ["a", "b"]
    with pytest.raises(InputError, match="Text 1 is empty"):
        check_texts(["gut", "   "])
    with pytest.raises(InputError, match="Text 0 is int"):
        check_texts([3])
    with pytest.raises(InputError, match="single string"):
        check_texts("nur ein Text")


def test_predict_proba_is_in_input_order(tiny_classifier):
    texts = [
        "Die Gespräche sollen am Dienstag in Genf fortgesetzt werden.",
        "Danke für nichts",
        "Diese Regierung ist eine verlogene Bande von Versagern und Clowns und Marionetten.",
    ]
    together = tiny_classifier.predict_proba(texts, batch_size=2)
    one_by_one = np.vstack([tiny_classifier.predict_proba([t]) for t in texts])
    assert together.shape == (3, 4)
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert ((together > 0) & (together < 1)).all()


def test_predict_applies_thresholds_and_overrides(tiny_classifier):
    texts = ["Wir warnen Moskau", "Herzlichen Dank"]
    proba = tiny_classifier.predict_proba(texts)
    everything = tiny_classifier.predict(texts, thresholds={label: 0.0 for label in tiny_classifier.labels})
    nothing = tiny_classifier.predict(texts, thresholds={label: 1.01 for label in tiny_classifier.labels})
    assert everything == [tiny_classifier.labels] * 2
    assert nothing == [[], []]
    assert proba.shape == (2, 4)
    with pytest.raises(InputError, match="Unknown label"):
        tiny_classifier.tags(proba, thresholds={"anger": 0.5})


def test_tags_compare_each_column_with_its_threshold(tiny_classifier):
    assert tiny_classifier.labels == ["warning", "insult", "sarcasm", "gratitude"]
    proba = np.array([[0.6, 0.2, 0.5, 0.49], [0.1, 0.9, 0.3, 0.7]])
    half = {"warning": 0.5, "insult": 0.5, "sarcasm": 0.5, "gratitude": 0.5}
    assert tiny_classifier.tags(proba, half) == [["warning", "sarcasm"], ["insult", "gratitude"]]
    assert tiny_classifier.tags(proba, {**half, "sarcasm": 0.55, "gratitude": 0.75}) == [["warning"], ["insult"]]


def test_long_text_is_split_and_max_combined(tiny_classifier):
    limit = tiny_classifier.config.max_length
    sentence = "Die Gespräche sollen am Dienstag in Genf fortgesetzt werden."
    threat = "Das Terrorregime wird einen hohen Preis zahlen, warnte der Minister."
    long_text = " ".join([sentence] * 12 + [threat])
    pieces = tiny_classifier._split_long(long_text, limit)
    assert len(pieces) > 1
    assert all(len(p) <= limit for p in pieces)
    decoded = " ".join(tiny_classifier.tokenizer.decode(p, skip_special_tokens=True) for p in pieces)
    assert decoded.split() == tiny_classifier.tokenizer.decode(
        tiny_classifier.tokenizer(long_text)["input_ids"], skip_special_tokens=True
    ).split()  # every token lands in exactly one window, in order
    with torch.inference_mode():  # each window alone, unpadded, straight through the model
        alone = [tiny_classifier.model(torch.tensor([p]), torch.ones(1, len(p), dtype=torch.long))[0].numpy() for p in pieces]
    np.testing.assert_allclose(tiny_classifier.logits([long_text])[0], np.max(alone, axis=0), atol=1e-5)
    short = tiny_classifier.logits([sentence])
    assert short.shape == (1, 4)


def test_artifact_round_trip_and_hash(tiny_run, tiny_base):
    trainer, path = tiny_run
    config = read_config(path)
    assert config.labels == ["warning", "insult", "sarcasm", "gratitude"]
    assert config.thresholds == trainer.thresholds_
    assert config.data["corpus_sha256"]
    assert len(artifact_hash(path)) == 16
    loaded = Classifier.from_dir(path, base_dir=tiny_base, precision="fp32")
    texts = ["Wir warnen Moskau ausdrücklich", "Danke für nichts"]
    np.testing.assert_allclose(loaded.predict_proba(texts), trainer.classifier().predict_proba(texts), atol=1e-4)


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_fast_precisions_agree_with_fp32(tiny_run, tiny_base, precision):
    path = tiny_run[1]
    texts = ["Wir warnen Moskau ausdrücklich vor weiteren Schritten", "Herzlichen Dank an unsere Partner"]
    reference = Classifier.from_dir(path, base_dir=tiny_base, precision="fp32").predict_proba(texts)
    fast = Classifier.from_dir(path, base_dir=tiny_base, precision=precision).predict_proba(texts)
    np.testing.assert_allclose(fast, reference, atol=0.05)


def test_incomplete_artifact_gives_clear_error(tmp_path, tiny_run):
    with pytest.raises(ArtifactError, match="not found"):
        read_config(tmp_path / "nope")
    with pytest.raises(ArtifactError, match="tonlage.json is missing"):
        read_config(tmp_path)
    (tmp_path / "tonlage.json").write_text(json.dumps({"labels": ["warning"]}))
    with pytest.raises(ArtifactError, match="head.safetensors is missing"):
        read_config(tmp_path)


def test_prepared_cache_is_written_once_and_reused(tiny_run, tiny_base):
    from tonlage.model.prepared import is_prepared, prepared_dir, prepared_key

    path = tiny_run[1]
    cache = prepared_dir(prepared_key(path / "adapter", tiny_base, 2))
    texts = ["Wir warnen Moskau ausdrücklich vor weiteren Schritten"]
    first = Classifier.from_dir(path, base_dir=tiny_base, precision="bf16").predict_proba(texts)
    assert is_prepared(cache)
    stamp = (cache / "model.safetensors").stat().st_mtime_ns
    second = Classifier.from_dir(path, base_dir=tiny_base, precision="bf16").predict_proba(texts)
    assert (cache / "model.safetensors").stat().st_mtime_ns == stamp
    np.testing.assert_allclose(first, second)


TEXTS = ["Wir warnen Moskau ausdrücklich vor weiteren Schritten", "Herzlichen Dank an unsere Partner"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A TONLAGE_HOME of this test alone, so its prepared/ folder can be counted."""
    folder = tmp_path / "home"
    monkeypatch.setenv("TONLAGE_HOME", str(folder))
    return folder


def _prepared(home):
    return sorted(p for p in (home / "prepared").iterdir() if p.is_dir())


def test_same_size_corruption_of_the_prepared_model_is_rebuilt(tiny_run, tiny_base, home, caplog):
    """Regression: only the existence of the files was checked, so damaged weights were loaded."""
    path = tiny_run[1]
    reference = Classifier.from_dir(path, base_dir=tiny_base).predict_proba(TEXTS)
    [cache] = _prepared(home)
    weights = cache / "model.safetensors"
    data = bytearray(weights.read_bytes())
    half = len(data) // 2
    data[half:] = bytes(len(data) - half)  # zero the second half of the tensors: same size
    weights.write_bytes(bytes(data))
    again = Classifier.from_dir(path, base_dir=tiny_base).predict_proba(TEXTS)
    np.testing.assert_allclose(again, reference, atol=1e-6)
    assert "prepared model cache" in caplog.text and "does not match the content hash" in caplog.text
    assert weights.read_bytes()[half:] != bytes(len(data) - half)


def test_cache_key_does_not_depend_on_the_base_folder_path(tiny_run, tiny_base, home, tmp_path):
    """Regression: a base folder without tonlage-base.json was keyed on Python's salted hash() of its path."""
    copies = [shutil.copytree(tiny_base, tmp_path / name) for name in ("a", "b")]
    for copy in copies:
        Classifier.from_dir(tiny_run[1], base_dir=copy)
    assert len(_prepared(home)) == 1


def test_cache_key_is_stable_across_processes(tiny_run, tiny_base, home):
    """Regression: every new process (another hash seed) wrote a new 450 MB prepared folder."""
    script = f"from tonlage.model.classifier import Classifier; Classifier.from_dir({str(tiny_run[1])!r}, base_dir={str(tiny_base)!r})"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TONLAGE_HOME": str(home)}
        subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    assert len(_prepared(home)) == 1


def test_threshold_change_reuses_the_prepared_model(tiny_run, tiny_base, home, tmp_path):
    """Regression: the key hashed tonlage.json, so editing a threshold wrote a new prepared copy."""
    edited = shutil.copytree(tiny_run[1], tmp_path / "edited")
    config = json.loads((edited / "tonlage.json").read_text())
    config["thresholds"]["sarcasm"] = 0.9
    (edited / "tonlage.json").write_text(json.dumps(config))
    Classifier.from_dir(tiny_run[1], base_dir=tiny_base)
    [cache] = _prepared(home)
    stamp = (cache / "model.safetensors").stat().st_mtime_ns
    assert Classifier.from_dir(edited, base_dir=tiny_base).thresholds["sarcasm"] == 0.9
    assert _prepared(home) == [cache] and (cache / "model.safetensors").stat().st_mtime_ns == stamp


def test_old_prepared_folders_are_pruned(tiny_run, tiny_base, home):
    """Regression: prepared folders (450 MB each) were never deleted. The 3 most recently used stay."""
    from tonlage.model import prepared

    root = home / "prepared"
    for age, name in enumerate(["recent", "older", "oldest", "ancient"], 1):
        (root / name).mkdir(parents=True)
        (root / name / prepared.META).write_text(json.dumps({"format": prepared.FORMAT}))
        os.utime(root / name / prepared.META, (time.time() - 3600 * age,) * 2)
    (root / "legacy-key-a5fd3b62230a-v1").mkdir()  # written by older versions, without metadata
    (root / ".tmp-killed").mkdir()
    os.utime(root / ".tmp-killed", (time.time() - 7200,) * 2)
    (root / ".tmp-running").mkdir()  # a fresh temporary folder may belong to another process
    Classifier.from_dir(tiny_run[1], base_dir=tiny_base)
    names = sorted(p.name for p in root.iterdir())
    key = prepared.prepared_key(tiny_run[1] / "adapter", tiny_base, 2)
    assert names == sorted([".tmp-running", key, "recent", "older"])
