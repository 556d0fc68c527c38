import json

import numpy as np
import pytest

from tonlage.training.corpus import CorpusError
from tonlage.training.trainer import Trainer, length_batches
from tonlage.training.training_args import TrainingArgs


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


