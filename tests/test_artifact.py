"""Broken artifacts fail on load with the field or file named; `tonlage info` reports them without a traceback.

Every case starts from a copy of the tiny trained artifact (2 layers, hidden size 32, mean_last pooling,
so the head is 4 x 64; LoRA r = 8) and breaks one thing.
"""

import json
import pickle
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.model.artifact import (
    FORMAT_VERSION,
    POOLING_WIDTH,
    ArtifactError,
    read_config,
)
from tonlage.model.modeling import POOLINGS

LABELS = ["warning", "insult", "sarcasm", "gratitude"]


@pytest.fixture
def artifact(tiny_run, tmp_path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(tiny_run[1], folder)
    return folder


def _edit(change):
    """A breaker that rewrites tonlage.json through ``change(data)``."""

    def apply(folder: Path) -> None:
        file = folder / "tonlage.json"
        data = json.loads(file.read_text(encoding="utf-8"))
        change(data)
        file.write_text(json.dumps(data), encoding="utf-8")

    return apply


def _set(*path_and_value):
    *path, value = path_and_value

    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return _edit(change)


def _drop(*path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return _edit(change)


def _truncate(name):
    def apply(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) // 2])

    return apply


def _overwrite(name, data: bytes):
    return lambda folder: (folder / name).write_bytes(data)


class _Exploit:
    """Unpickling this creates the file ``marker``: the proof a loader unpickled it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickle_as(name):
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(pickle.dumps(_Exploit(folder / "UNPICKLED")))

    return apply


def _head_with(tensors=None, labels=None):
    """Rewrite head.safetensors with other tensors or another recorded label order."""

    def apply(folder: Path) -> None:
        from safetensors.torch import load_file, save_file

        state = load_file(str(folder / "head.safetensors"))
        metadata = {"labels": json.dumps(labels)} if labels else None
        save_file(tensors(state) if tensors else state, str(folder / "head.safetensors"), metadata=metadata)

    return apply


PERMUTED = ["insult", "warning", "sarcasm", "gratitude"]

BROKEN = {
    "labels-too-few": (_edit(lambda d: d.update(
        labels=LABELS[:3], thresholds={k: 0.5 for k in LABELS[:3]}, temperatures={k: 1.0 for k in LABELS[:3]})),
        "head has shape [4, 64] for 3 labels in tonlage.json labels"),
    "labels-permuted": (_set("labels", PERMUTED), "labels are ['insult', 'warning', 'sarcasm', 'gratitude'] but the head's rows are"),
    "labels-duplicated": (_set("labels", ["warning", "warning", "sarcasm", "gratitude"]), "labels has duplicates"),
    "labels-not-a-list": (_set("labels", "warning,insult"), "labels must be a non-empty list"),
    "threshold-string": (_set("thresholds", "warning", "0.5"), "thresholds.warning must be a number in (0, 1), got '0.5'"),
    "threshold-zero": (_set("thresholds", "insult", 0), "thresholds.insult must be a number in (0, 1), got 0"),
    "threshold-one": (_set("thresholds", "sarcasm", 1.0), "thresholds.sarcasm must be a number in (0, 1), got 1.0"),
    "threshold-missing": (_drop("thresholds", "gratitude"), "thresholds lacks a value for: gratitude"),
    "threshold-extra-label": (_set("thresholds", "anger", 0.5), "thresholds has values for labels not in labels: anger"),
    "thresholds-field-missing": (_drop("thresholds"), "tonlage.json lacks field(s): thresholds"),
    "temperatures-field-missing": (_drop("temperatures"), "tonlage.json lacks field(s): temperatures"),
    "temperature-zero": (_set("temperatures", "sarcasm", 0.0), "temperatures.sarcasm must be a number > 0, got 0.0"),
    "temperature-negative": (_set("temperatures", "warning", -1.5), "temperatures.warning must be a number > 0, got -1.5"),
    "temperature-bool": (_set("temperatures", "insult", True), "temperatures.insult must be a number > 0, got True"),
    "num-layers-beyond-base": (_set("num_layers", 99), "num_layers is 99, beyond the 18 layers of gemma-3-270m"),
    "num-layers-beyond-adapter": (_set("num_layers", 3), "holds LoRA weights for layers 0-1 but tonlage.json num_layers is 3"),
    "num-layers-string": (_set("num_layers", "2"), "num_layers must be an integer >= 1, got '2'"),
    "max-length-too-small": (_set("max_length", 4), "max_length must be an integer >= 8, got 4"),
    "pooling-unknown": (_set("pooling", "max"), "pooling must be one of mean, mean_last, got 'max'"),
    "pooling-mismatches-head": (_set("pooling", "mean"), "head takes 64 inputs, but pooling 'mean' over hidden size 32 gives 32"),
    "lora-rank-mismatch": (_set("lora", "r", 4), "adapter_config.json: r is 8 but tonlage.json lora.r is 4"),
    "lora-missing": (_drop("lora"), "tonlage.json lacks field(s): lora"),
    "lora-dropout-out-of-range": (_set("lora", "dropout", 1.5), "lora.dropout must be a number in [0, 1), got 1.5"),
    "format-newer": (_set("format_version", FORMAT_VERSION + 1), f"unsupported format_version {FORMAT_VERSION + 1}; upgrade Tonlage"),
    "format-string": (_set("format_version", "2"), "unsupported format_version '2'"),
    "format-missing": (_drop("format_version"), "unsupported format_version None"),
    "metrics-copy-in-v2": (_set("metrics", {}), "tonlage.json has unknown field(s): metrics"),
    "config-not-json": (_overwrite("tonlage.json", b"{labels: "), "tonlage.json is not readable JSON"),
    "config-a-list": (_overwrite("tonlage.json", b"[1, 2]"), "tonlage.json must hold a JSON object"),
    "head-truncated": (_truncate("head.safetensors"), "head.safetensors is not a valid safetensors file"),
    "head-random": (_overwrite("head.safetensors", bytes(range(256)) * 40), "head.safetensors is not a valid safetensors file"),
    "head-empty": (_overwrite("head.safetensors", b""), "head.safetensors is not a valid safetensors file"),
    "head-pickle": (_pickle_as("head.safetensors"), "head.safetensors is not a valid safetensors file"),
    "head-wrong-tensor": (_head_with(tensors=lambda s: {"head.w": s["head.weight"], "head.bias": s["head.bias"]}),
                          "expected tensors head.weight and head.bias, found head.bias, head.w"),
    "head-rows-in-other-order": (_head_with(labels=PERMUTED), "but the head's rows are ['insult', 'warning'"),
    "adapter-truncated": (_truncate("adapter/adapter_model.safetensors"), "adapter_model.safetensors is not a valid safetensors file"),
    "adapter-pickle": (_pickle_as("adapter/adapter_model.safetensors"), "adapter_model.safetensors is not a valid safetensors file"),
    "adapter-config-not-json": (_overwrite("adapter/adapter_config.json", b"r = 8"), "adapter_config.json is not readable JSON"),
    "adapter-config-other-modules": (
        lambda f: (f / "adapter/adapter_config.json").write_text(json.dumps(
            {**json.loads((f / "adapter/adapter_config.json").read_text()), "target_modules": ["q_proj"]})),
        "target_modules differ from tonlage.json lora.target_modules"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_artifact_is_rejected_naming_the_field_or_file(artifact, case):
    breaker, message = BROKEN[case]
    breaker(artifact)
    with pytest.raises(ArtifactError) as info:
        read_config(artifact)
    assert message in str(info.value)
    assert str(artifact) in str(info.value)  # the folder (or file path) is named
    assert not (artifact / "UNPICKLED").exists()


def test_the_unpickle_probe_works(tmp_path):
    """The probe behind the pickle cases: unpickling the payload does create the marker."""
    marker = tmp_path / "UNPICKLED"
    pickle.loads(pickle.dumps(_Exploit(marker)))
    assert marker.exists()


def test_num_layers_beyond_a_given_base_is_rejected(artifact, tiny_base):
    _set("num_layers", 4)(artifact)
    with pytest.raises(ArtifactError, match=r"num_layers is 4, beyond the 3 layers of the base model in"):
        read_config(artifact, base_dir=tiny_base)


def test_intact_artifact_reads_and_records_its_label_order(artifact, tiny_base):
    from safetensors import safe_open

    config = read_config(artifact, base_dir=tiny_base)
    assert (config.labels, config.num_layers, config.max_length, config.pooling) == (LABELS, 2, 32, "mean_last")
    assert config.lora["r"] == 8 and config.format_version == 2
    with safe_open(str(artifact / "head.safetensors"), framework="numpy") as head:
        assert json.loads(head.metadata()["labels"]) == LABELS
    stored = json.loads((artifact / "tonlage.json").read_text(encoding="utf-8"))
    assert "metrics" not in stored and (artifact / "metrics.json").is_file()
    assert set(stored["training"]["model"]) == {"dropout"}  # the shape is stored once, at the top


def test_version_1_file_is_upgraded_on_load(artifact):
    current = read_config(artifact)
    v1 = json.loads((artifact / "tonlage.json").read_text(encoding="utf-8"))
    flat = {"train": "t.jsonl", "dev": "d.jsonl", "test": None, "auxiliary": [], "num_layers": 2, "max_length": 32,
            "pooling": "mean_last", "lora_r": 8, "lora_alpha": 16, "lora_dropout": 0.05, "dropout": 0.1, "seed": 13, "epochs": 2}
    v1.update(format_version=1, metrics={"dev": {"macro_f1": 0.5}}, training=flat)
    (artifact / "tonlage.json").write_text(json.dumps(v1), encoding="utf-8")
    upgraded = read_config(artifact)
    assert upgraded.format_version == 2 and upgraded.thresholds == current.thresholds
    assert upgraded.training == {"data": {"train": "t.jsonl", "dev": "d.jsonl", "test": None, "auxiliary": []},
                                 "model": {"dropout": 0.1}, "train": {"seed": 13, "epochs": 2}}


def test_pooling_widths_cover_the_model_poolings():
    assert set(POOLING_WIDTH) == set(POOLINGS)


def test_shipped_artifact_passes_every_check():
    from tonlage.model.artifact import DEFAULT_ARTIFACT

    config = read_config(DEFAULT_ARTIFACT)
    assert (config.num_layers, config.max_length, config.pooling, config.lora["r"]) == (12, 192, "mean_last", 8)
    assert set(config.thresholds) == set(config.labels) == {"warning", "insult", "sarcasm", "gratitude"}


# -- tonlage info ----------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("case", ["head-truncated", "threshold-string", "head-pickle", "labels-permuted", "format-newer"])
def test_info_reports_a_broken_artifact_in_one_line(artifact, case):
    breaker, message = BROKEN[case]
    breaker(artifact)
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["info", "--model", str(artifact), *extra])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: ") and message in result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_info_reports_broken_metrics(artifact):
    metrics = json.loads((artifact / "metrics.json").read_text(encoding="utf-8"))
    del metrics["dev"]["per_label"]["sarcasm"]
    (artifact / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = runner.invoke(app, ["info", "--model", str(artifact)])
    assert result.exit_code == 2
    assert "metrics.json: dev.per_label.sarcasm.f1 is missing or not a number" in result.output
    assert "Traceback" not in result.output


def test_info_shows_metrics_from_metrics_json(artifact):
    result = runner.invoke(app, ["info", "--model", str(artifact), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    stored = json.loads((artifact / "metrics.json").read_text(encoding="utf-8"))
    assert info["metrics"] == stored and set(info["metrics"]) == {"dev", "test"}
    assert info["format_version"] == 2 and info["lora"]["r"] == 8
