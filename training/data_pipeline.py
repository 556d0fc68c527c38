"""From corpus files and auxiliary sources to tokenised arrays, through one `datasets` pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from datasets import Dataset, concatenate_datasets

from tonlage.model.labels import LABELS
from tonlage.training.corpus import CorpusError, corpus_hash, read_jsonl
from tonlage.training.training_args import TrainingArgs
from tonlage.training.validate import check_files

COLUMNS = ("text", "labels", "label_mask", "source")


@dataclass
class Split:
    """A tokenised split: token ids, multi-hot targets and loss masks (1 where the source speaks for a label)."""

    input_ids: list[list[int]]
    targets: np.ndarray
    masks: np.ndarray
    texts: list[str] = field(default_factory=list)


@dataclass
class TrainingData:
    train: Split
    dev: Split
    test: Split | None
    provenance: dict


def corpus_dataset(path: str | Path) -> Dataset:
    """A corpus JSONL file as a Dataset with the shared columns; every label is supervised."""
    records = read_jsonl(path)
    return Dataset.from_dict(
        {
            "text": [r["text"] for r in records],
            "labels": [list(r["labels"]) for r in records],
            "label_mask": [list(LABELS)] * len(records),
            "source": ["corpus"] * len(records),
        }
    )


def tokenize(dataset: Dataset, tokenizer, max_length: int) -> Split:
    """Tokenise (truncating to ``max_length``) and build target/mask arrays."""
    encoded = dataset.map(
        lambda batch: {"input_ids": tokenizer(batch["text"], truncation=True, max_length=max_length)["input_ids"]},
        batched=True,
        desc=None,
    )
    index = {label: i for i, label in enumerate(LABELS)}
    targets = np.zeros((len(dataset), len(LABELS)), dtype=np.float32)
    masks = np.zeros_like(targets)
    for row, (labels, mask) in enumerate(zip(dataset["labels"], dataset["label_mask"])):
        for label in labels:
            targets[row, index[label]] = 1.0
        for label in mask:
            masks[row, index[label]] = 1.0
    return Split(input_ids=list(encoded["input_ids"]), targets=targets, masks=masks, texts=list(dataset["text"]))


def load_training_data(args: TrainingArgs, tokenizer) -> TrainingData:
    """Validate the corpus files, add auxiliary sources to train, tokenise every split.

    Raises:
        CorpusError: The corpus files have problems; each names its file and line.
    """
    files, length = args.data, args.model.max_length
    paths = [p for p in (files.train, files.dev, files.test) if p]
    report = check_files(paths)
    if not report.ok:
        raise CorpusError(list(report.problems))
    parts = [corpus_dataset(files.train)]
    aux_counts = {}
    if files.auxiliary:
        from tonlage.training.auxiliary import load_auxiliary

        for source in files.auxiliary:
            aux = load_auxiliary(source.name, source.path, max_rows=source.max_rows, seed=args.train.seed)
            aux = aux.select_columns(list(COLUMNS))
            aux_counts[source.name] = len(aux)
            parts.append(aux)
    train = concatenate_datasets(parts) if len(parts) > 1 else parts[0]
    provenance = {
        "corpus_sha256": corpus_hash(paths),
        "files": {Path(p).name: len(read_jsonl(p)) for p in paths},
        "auxiliary": aux_counts,
    }
    return TrainingData(
        train=tokenize(train, tokenizer, length),
        dev=tokenize(corpus_dataset(files.dev), tokenizer, length),
        test=tokenize(corpus_dataset(files.test), tokenizer, length) if files.test else None,
        provenance=provenance,
    )
