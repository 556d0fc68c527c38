import json

import numpy as np
import pytest
from conftest import REPO
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.training.corpus import CorpusError
from tonlage.training.trainer import Trainer, length_batches
from tonlage.training.training_args import (
    AuxiliarySource,
    ConfigError,
    DataArgs,
    ModelArgs,
    TrainArgs,
    TrainingArgs,
    parse_overrides,
)


def _args(tiny_corpus, out, **overrides):
    """The tiny run's settings (as in conftest's ``tiny_run``), with ``{"section.key": value}`` overrides."""
    settings = {
        "data": {"train": str(tiny_corpus["train"]), "dev": str(tiny_corpus["dev"]), "test": str(tiny_corpus["test"])},
        "model": {"num_layers": 2, "max_length": 32},
        "train": {"epochs": 2, "batch_size": 4, "output": str(out), "checkpoint_every": 0},
    }
    return TrainingArgs.from_dict(settings, overrides=overrides)


def test_length_batches_cover_every_row_once():
    lengths = np.array([5, 9, 3, 7, 1, 8, 2, 6, 4, 10])
    batches = length_batches(lengths, 3, np.random.default_rng(0), bucket=2)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(10))
    assert all(len(b) <= 3 for b in batches)
    again = length_batches(lengths, 3, np.random.default_rng(0), bucket=2)
    assert [b.tolist() for b in batches] == [b.tolist() for b in again]


def test_same_seed_gives_identical_metrics(tiny_run, tiny_base, tiny_corpus, tmp_path):
    first, _ = tiny_run
    second = Trainer(_args(tiny_corpus, tmp_path), base_dir=tiny_base, progress=False).fit()
    assert second.metrics_ == first.metrics_
    assert [h.train_loss for h in second.history_] == [h.train_loss for h in first.history_]
    assert second.thresholds_ == first.thresholds_


def test_interrupted_run_resumes_to_the_same_result(tiny_run, tiny_base, tiny_corpus, tmp_path):
    first, _ = tiny_run
    # Kill the run after 2 checkpointed steps, then start it again with the same settings.
    interrupted = Trainer(_args(tiny_corpus, tmp_path, **{"train.checkpoint_every": 1}), base_dir=tiny_base, progress=False)
    _stop_after(interrupted, steps=2)
    assert (tmp_path / "checkpoint" / "state.json").is_file()
    assert json.loads((tmp_path / "checkpoint" / "state.json").read_text())["step"] == 2
    resumed = Trainer(_args(tiny_corpus, tmp_path, **{"train.checkpoint_every": 1}), base_dir=tiny_base, progress=False).fit()
    assert [h.train_loss for h in resumed.history_] == pytest.approx([h.train_loss for h in first.history_], abs=1e-6)
    assert resumed.metrics_ == first.metrics_
    assert not (tmp_path / "checkpoint").exists()


def _stop_after(trainer, steps):
    """Run fit() but raise out of it once ``steps`` optimiser steps are checkpointed (a simulated kill)."""
    import tonlage.training.trainer as module

    original = module.Trainer._save_checkpoint

    def save_then_stop(self, run, state):
        original(self, run, state)
        if state.step >= steps:
            raise KeyboardInterrupt

    module.Trainer._save_checkpoint = save_then_stop
    try:
        with pytest.raises(KeyboardInterrupt):
            trainer.fit()
    finally:
        module.Trainer._save_checkpoint = original


def test_bad_corpus_stops_with_file_and_line(tiny_base, tiny_corpus, tmp_path):
    bad = tmp_path / "train.jsonl"
    lines = tiny_corpus["train"].read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[2])
    row["labels"] = ["anger"]
    lines[2] = json.dumps(row, ensure_ascii=False)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        Trainer(_args(tiny_corpus, tmp_path / "run", **{"data.train": str(bad)}), base_dir=tiny_base, progress=False).fit()
    assert f"{bad}:3" in str(info.value)




# -- settings --------------------------------------------------------------------------------------

DEFAULT_TOML = REPO / "training" / "configs" / "default.toml"


def test_defaults_are_the_shipped_config():
    args = TrainingArgs()
    assert (args.train.epochs, args.model.max_length, args.model.pooling, args.model.num_layers) == (3, 192, "mean_last", 12)
    assert (args.train.lr, args.train.checkpoint_every, args.data.test) == (4e-4, 40, "training/data/test.jsonl")
    assert TrainingArgs.from_toml(DEFAULT_TOML) == args


def test_shipped_model_was_trained_with_the_defaults():
    from tonlage.model.artifact import DEFAULT_ARTIFACT, read_config

    settings = read_config(DEFAULT_ARTIFACT).settings()
    settings["train"].pop("output")  # the run folder is where it was written, not how it was trained
    defaults = TrainingArgs().to_dict()
    defaults["train"].pop("output")
    assert settings == defaults


def test_artifact_records_the_run_settings(tiny_run):
    from tonlage.model.artifact import read_config

    trainer, path = tiny_run
    recorded = TrainingArgs.from_dict(read_config(path).settings())
    assert recorded == trainer.args
    assert (recorded.model.num_layers, recorded.train.epochs, recorded.train.batch_size) == (2, 2, 4)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ModelArgs(pooling="max"), "model.pooling must be one of mean, mean_last, got 'max'"),
        (lambda: ModelArgs(num_layers=0), "model.num_layers must be >= 1, got 0"),
        (lambda: ModelArgs(dropout=1.0), "model.dropout must be in [0, 1), got 1.0"),
        (lambda: TrainArgs(epochs=0), "train.epochs must be >= 1, got 0"),
        (lambda: TrainArgs(threads=-3), "train.threads must be >= 1"),
        (lambda: TrainArgs(epochs="3"), "train.epochs must be int, got '3'"),
        (lambda: TrainArgs(epochs=True), "train.epochs must be int, got True"),
        (lambda: TrainArgs(bf16="yes"), "train.bf16 must be bool, got 'yes'"),
        (lambda: TrainArgs(pos_weight="half"), "train.pos_weight must be one of none, sqrt, full, got 'half'"),
        (lambda: DataArgs(train=""), "data.train must be a file path"),
        (lambda: DataArgs(auxiliary=[{"name": "germeval2018"}]), "data.auxiliary[0] needs a name and a path"),
        (lambda: DataArgs(auxiliary=[{"name": "g", "path": "x", "rows": 3}]), "data.auxiliary[0]: unknown key(s) rows"),
    ],
)
def test_a_bad_value_fails_at_construction_naming_section_and_key(build, message):
    with pytest.raises(ConfigError) as info:
        build()
    assert message in str(info.value)


def test_numbers_are_typed_by_the_field():
    args = TrainArgs(lr=1, max_steps=None)
    assert args.lr == 1.0 and isinstance(args.lr, float)


def test_config_from_toml_with_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[model]\nnum_layers = 6\n[train]\nepochs = 4\n[[data.auxiliary]]\nname = "germeval2018"\npath = "x"\n')
    args = TrainingArgs.from_toml(path, overrides={"train.epochs": 5, "seed": None})
    assert (args.model.num_layers, args.train.epochs, args.train.seed) == (6, 5, 13)
    assert args.data.auxiliary == [AuxiliarySource(name="germeval2018", path="x")]
    with pytest.raises(ConfigError, match="not found"):
        TrainingArgs.from_toml(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[train]\nepocs = 3\n", "c.toml: unknown setting train.epocs"),
        ("[data]\nseed = 3\n", "c.toml: unknown setting data.seed (it belongs in [train])"),
        ("[optim]\nlr = 0.1\n", "c.toml: unknown section [optim]"),
        ("[train]\nepochs = 0\n", "c.toml: train.epochs must be >= 1, got 0"),
        ("[model]\npooling = 'max'\n", "c.toml: model.pooling must be one of mean, mean_last"),
        ("[train\n", "c.toml: invalid TOML"),
    ],
)
def test_bad_config_file_names_file_and_setting(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        TrainingArgs.from_toml(path)
    assert message in str(info.value)


def test_command_line_overrides_are_typed():
    args = ["--train.epochs", "2", "--model.num_layers=6", "--data.test", "none", "--train.bf16", "--lr", "1e-3",
            "--num-layers", "5", "--threads", "-3", "--train.bf16", "false"]
    assert parse_overrides(args) == {
        "train.epochs": 2, "model.num_layers": 5, "data.test": None, "train.bf16": False, "train.lr": 0.001, "train.threads": -3,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train.epocs", "2"], "unknown setting train.epocs"),
        (["--model.seed", "2"], "unknown setting model.seed (it belongs in [train])"),
        (["--train.epochs", "two"], "train.epochs must be int, got 'two'"),
        (["--train.bf16", "maybe"], "train.bf16 must be true or false, got 'maybe'"),
        (["--epochs"], "--epochs needs a value"),
        (["--data.auxiliary", "x"], "data.auxiliary cannot be set on the command line"),
        (["runs/x"], "unexpected argument 'runs/x'"),
    ],
)
def test_bad_command_line_override(args, message):
    with pytest.raises(ConfigError) as info:
        parse_overrides(args)
    assert message in str(info.value)


def test_num_layers_beyond_the_base_stops_before_training(tiny_base, tiny_corpus, tmp_path):
    args = _args(tiny_corpus, tmp_path, **{"model.num_layers": 4, "train.checkpoint_every": 1})
    trainer = Trainer(args, base_dir=tiny_base, progress=False)
    with pytest.raises(ConfigError, match=r"model.num_layers is 4, beyond the 3 layers of the base model in"):
        trainer.fit()
    assert not hasattr(trainer, "data_") and not (tmp_path / "checkpoint").exists()


runner = CliRunner()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--num-layers", "99"], "model.num_layers is 99, beyond the 3 layers of the base model"),
        (["--threads", "-3"], "Error: override: train.threads must be >= 1 (or none for torch's default), got -3"),
        (["--train.epocs", "2"], "unknown setting train.epocs"),
        (["--model.pooling", "max"], "model.pooling must be one of mean, mean_last, got 'max'"),
    ],
)
def test_train_command_rejects_bad_settings_cleanly(tiny_base, tiny_corpus, tmp_path, flags, message):
    data = ["--data.train", str(tiny_corpus["train"]), "--dev", str(tiny_corpus["dev"]), "--data.test", "none"]
    result = runner.invoke(app, ["train", "--config", str(DEFAULT_TOML), *data, *flags, "--output", str(tmp_path / "run"),
                                 "--base-dir", str(tiny_base), "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()
