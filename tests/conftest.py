"""Shared fixtures: a tiny, randomly initialised Gemma 3 "base model" built in memory (no download)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


def build_tiny_base(out: Path, seed: int = 0) -> Path:
    """Save a 2-layer Gemma 3 text model and a word-level tokenizer in the base-model folder layout."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

    pre = pre_tokenizers.Whitespace()
    words = set()
    for file in sorted((FIXTURES / "tiny_corpus").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            words.update(w for w, _ in pre.pre_tokenize_str(json.loads(line)["text"].lower()))
    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for w in sorted(words):
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre
    from tokenizers.processors import TemplateProcessing

    tok.post_processor = TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    config = Gemma3TextConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=3,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=512,
        sliding_window=16,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
    )
    torch.manual_seed(seed)
    model = Gemma3ForCausalLM(config)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """Folder with a tiny random Gemma 3 model and tokenizer, loadable like the converted base."""
    return build_tiny_base(tmp_path_factory.mktemp("tiny-base"))


@pytest.fixture(scope="session")
def tiny_corpus() -> dict[str, Path]:
    """Small train/dev/test corpus files in the project schema."""
    folder = FIXTURES / "tiny_corpus"
    return {split: folder / f"{split}.jsonl" for split in ("train", "dev", "test")}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_run(tiny_base, tiny_corpus, tmp_path_factory):
    """A trainer fitted for a few steps on the tiny corpus with the tiny base, and its saved artifact."""
    from tonlage.training.trainer import Trainer
    from tonlage.training.training_args import DataArgs, ModelArgs, TrainArgs, TrainingArgs

    out = tmp_path_factory.mktemp("tiny-run")
    args = TrainingArgs(
        DataArgs(train=str(tiny_corpus["train"]), dev=str(tiny_corpus["dev"]), test=str(tiny_corpus["test"])),
        ModelArgs(num_layers=2, max_length=32), TrainArgs(epochs=2, batch_size=4, output=str(out), checkpoint_every=0),
    )
    trainer = Trainer(args, base_dir=tiny_base, progress=False).fit()
    return trainer, trainer.save(out / "model")


@pytest.fixture(scope="session")
def tiny_classifier(tiny_run, tiny_base):
    from tonlage.model.classifier import Classifier

    return Classifier.from_dir(tiny_run[1], base_dir=tiny_base, precision="fp32")


@pytest.fixture(autouse=True)
def _isolated_cache(request, tmp_path_factory, monkeypatch):
    """Unit tests keep their prepared-model caches out of the user's ~/.cache (slow tests use the real one)."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("TONLAGE_HOME", str(tmp_path_factory.getbasetemp() / "tonlage-home"))


# Tracked under neutral names so no file in the repository looks like a copy of a real dataset;
# the loaders expect the real file names, so the fixture lays them out in a temporary folder.
REAL_NAMES = {
    "germeval2018/training.txt": "germeval2018/germeval2018.training.txt",
    "germeval2018/test.txt": "germeval2018/germeval2018.test.txt",
    "isarcasmeval_en/train.csv": "isarcasmeval_en/train.En.csv",
    "isarcasmeval_en/test.csv": "isarcasmeval_en/task_A_En_test.csv",
    "speech_acts_de/sentences.json": "speech_acts_de/version_1-1.json",
}


@pytest.fixture(scope="session")
def aux_datasets(tmp_path_factory) -> Path:
    """The fixture files in each source's real folder layout."""
    import shutil

    root = tmp_path_factory.mktemp("aux")
    for file in (FIXTURES / "aux").rglob("*"):
        if file.is_file() and file.name != "README.md":
            relative = file.relative_to(FIXTURES / "aux").as_posix()
            target = root / REAL_NAMES.get(relative, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, target)
    return root
