"""Auxiliary sources: public labelled datasets mapped onto Tonlage's labels.

Each loader reads one dataset from a path the user gives (its folder, or one of
its files) and returns corpus-schema records::

    {"id", "text", "labels", "label_mask", "source", "split", ...}

`label_mask` lists the labels the source speaks for; training should mask the
loss of the other labels (an insult corpus says nothing about gratitude). None of
these datasets is diplomatic text, and none is copied into the project.

`AUX_SOURCES` maps a name to its `AuxSource` (callable, with `labels`), and
`load_auxiliary` returns a `datasets.Dataset`.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from datasets import Dataset, Features, List, Value

from tonlage.model.errors import TonlageError

StrPath = str | PathLike[str]

FEATURES = Features(
    {
        "id": Value("string"),
        "text": Value("string"),
        "labels": List(Value("string")),
        "label_mask": List(Value("string")),
        "source": Value("string"),
    }
)
"""Columns of the datasets `load_auxiliary` returns."""

_WHITESPACE = re.compile(r"\s+")
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_WORD = re.compile(r"\w")


class AuxiliaryDataError(TonlageError, ValueError):
    """An auxiliary dataset is missing, or its files are not in the expected format."""


def clean_text(text: str) -> str:
    """Replace GermEval's "|LBR|" line-break marker by a space and fold whitespace."""
    return _WHITESPACE.sub(" ", text.replace("|LBR|", " ")).strip()


def mask_handles(text: str) -> str:
    """Replace Twitter handles ("@name") by "@user" (e-mail addresses are left alone)."""
    return _HANDLE.sub("@user", text)


def _resolve(path: StrPath, split: str, files: dict[str, str], source: str) -> tuple[Path, str]:
    """Find the file of `split` in a dataset folder, or accept a file as is.

    Returns:
        The file and its split (for a file given directly, the split its
        standard name stands for, else `split`).
    """
    given = Path(path)
    if split not in files:
        raise AuxiliaryDataError(f"{source}: unknown split {split!r} (known: {', '.join(files)})")
    if not given.exists():
        raise AuxiliaryDataError(f"{given}: no such folder or file (expected the {source} dataset)")
    if given.is_file():
        named = [s for s, name in files.items() if name == given.name]
        return given, (named[0] if named else split)
    file = given / files[split]
    if not file.is_file():
        raise AuxiliaryDataError(f"{file}: not found (expected the {source} {split} file in {given})")
    return file, split


def _record(source: str, rid: str, text: str, labels: list[str], mask: tuple[str, ...], split: str, **extra) -> dict:
    return {
        "id": f"{source}:{rid}",
        "text": text,
        "labels": labels,
        "label_mask": list(mask),
        "source": source,
        "split": split,
        **extra,
    }


def _read_tsv_lines(file: Path, columns: int) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) of a TSV file without quoting; the first field may hold tabs."""
    with open(file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.rsplit("\t", columns - 1)
            if len(fields) != columns:
                raise AuxiliaryDataError(f"{file}:{number}: expected {columns} tab-separated fields, got {len(fields)}")
            yield number, fields


def _csv_rows(file: Path, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a CSV file with a header, checking its columns."""
    with open(file, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise AuxiliaryDataError(
                f"{file}: missing column(s) {', '.join(sorted(missing))} (found: {', '.join(reader.fieldnames or ())})"
            )
        for row in reader:
            yield reader.line_num, row


GERMEVAL_LABELS: tuple[str, ...] = ("insult",)


def load_germeval2018(path: StrPath, split: str = "train") -> list[dict]:
    """Load GermEval 2018 (German offensive tweets; TSV text, coarse, fine).

    fine == INSULT gives ["insult"]; ABUSE, PROFANITY and OTHER give []. Handles
    become "@user" and "|LBR|" a space.

    Args:
        path: The dataset folder (germeval2018.training.txt, germeval2018.test.txt) or one file.
        split: "train" or "test" (ignored when `path` is a file).

    Returns:
        Records speaking for ["insult"], with the original `fine` label.
    """
    files = {"train": "germeval2018.training.txt", "test": "germeval2018.test.txt"}
    file, split = _resolve(path, split, files, "germeval2018")
    records = []
    for number, (text, _coarse, fine) in _read_tsv_lines(file, 3):
        labels = ["insult"] if fine.strip() == "INSULT" else []
        text = clean_text(mask_handles(text))
        if text:
            rid = f"{split}:{number}"
            records.append(_record("germeval2018", rid, text, labels, GERMEVAL_LABELS, split, orig_label=fine.strip()))
    return records


GOEMOTIONS_LABELS: tuple[str, ...] = ("gratitude",)


def load_goemotions_de(path: StrPath, split: str = "dev") -> list[dict]:
    """Load GoEmotions machine-translated to German (CSV idx,de_text,ekman_label,en_text,original_label).

    The file has one row per (text, label) and `idx` numbers rows, not texts: the
    rows of one text are consecutive, so consecutive rows with the same text are
    grouped into one record. "gratitude" among the original labels gives
    ["gratitude"].

    Args:
        path: The dataset folder (dev.csv, test.csv) or one file.
        split: "dev" or "test" (ignored when `path` is a file).

    Returns:
        One record per text, speaking for ["gratitude"], with its original labels.
    """
    file, split = _resolve(path, split, {"dev": "dev.csv", "test": "test.csv"}, "goemotions_de")
    groups: list[tuple[str, str, str, list[str]]] = []  # (first idx, de_text, en_text, labels)
    for _, row in _csv_rows(file, {"idx", "de_text", "en_text", "original_label"}):
        key = (row["de_text"], row["en_text"])
        if groups and (groups[-1][1], groups[-1][2]) == key:
            groups[-1][3].append(row["original_label"])
        else:
            groups.append((row["idx"], row["de_text"], row["en_text"], [row["original_label"]]))
    records = []
    for idx, de_text, en_text, originals in groups:
        text = clean_text(de_text)
        if text:
            labels = ["gratitude"] if "gratitude" in originals else []
            extra = {"orig_labels": sorted(set(originals)), "en_text": en_text}
            records.append(_record("goemotions_de", f"{split}:{idx}", text, labels, GOEMOTIONS_LABELS, split, **extra))
    return records


def load_goemotions_en(path: StrPath, split: str = "train") -> list[dict]:
    """Load GoEmotions (English Reddit; TSV text, comma-separated label ids, id; names in labels.txt).

    "gratitude" among the labels gives ["gratitude"].

    Args:
        path: The dataset folder (train.tsv, dev.tsv, test.tsv, labels.txt) or
            one TSV file with labels.txt beside it.
        split: "train", "dev" or "test" (ignored when `path` is a file).

    Returns:
        Records speaking for ["gratitude"], with their original label names.
    """
    files = {"train": "train.tsv", "dev": "dev.tsv", "test": "test.tsv"}
    file, split = _resolve(path, split, files, "goemotions_en")
    names_file = file.parent / "labels.txt"
    if not names_file.is_file():
        raise AuxiliaryDataError(f"{names_file}: not found (GoEmotions label names, one per line)")
    names = [line.strip() for line in names_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = []
    for number, (text, ids, rid) in _read_tsv_lines(file, 3):
        try:
            originals = [names[int(i)] for i in ids.split(",") if i.strip()]
        except (ValueError, IndexError):
            raise AuxiliaryDataError(
                f"{file}:{number}: bad label ids {ids!r} ({len(names)} names in {names_file})"
            ) from None
        text = clean_text(text)
        if text:
            labels = ["gratitude"] if "gratitude" in originals else []
            rid = rid.strip() or f"{split}:{number}"
            records.append(_record("goemotions_en", rid, text, labels, GOEMOTIONS_LABELS, split, orig_labels=originals))
    return records


ISARCASM_LABELS: tuple[str, ...] = ("sarcasm",)


def load_isarcasmeval_en(path: StrPath, split: str = "train") -> list[dict]:
    """Load iSarcasmEval task A (English tweets labelled by their authors).

    The train file has columns ",tweet,sarcastic,rephrase,sarcasm,irony,..." and
    the task A test file only "text,sarcastic"; both are handled. sarcastic == 1
    gives ["sarcasm"]. Rows with an empty tweet are skipped; handles become "@user".

    Args:
        path: The dataset folder (train.En.csv, task_A_En_test.csv) or one file.
        split: "train" or "test" (ignored when `path` is a file).

    Returns:
        Records speaking for ["sarcasm"].
    """
    files = {"train": "train.En.csv", "test": "task_A_En_test.csv"}
    file, split = _resolve(path, split, files, "isarcasmeval_en")
    with open(file, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    text_column = "tweet" if "tweet" in header else "text"
    records = []
    for number, (line, row) in enumerate(_csv_rows(file, {text_column, "sarcastic"})):
        value = (row["sarcastic"] or "").strip()
        if value not in {"0", "1", "0.0", "1.0"}:
            raise AuxiliaryDataError(f"{file}:{line}: 'sarcastic' must be 0 or 1, got {row['sarcastic']!r}")
        text = clean_text(mask_handles(row[text_column] or ""))
        if text:
            labels = ["sarcasm"] if float(value) == 1 else []
            records.append(_record("isarcasmeval_en", f"{split}:{number}", text, labels, ISARCASM_LABELS, split))
    return records


SPEECH_ACT_LABELS: tuple[str, ...] = ("warning", "gratitude")
SPEECH_ACT_MAP: dict[str, str] = {"THREAT": "warning", "THANK": "gratitude"}
"""Fine speech-act label -> Tonlage label."""


def load_speech_acts_de(path: StrPath, split: str = "all") -> list[dict]:
    """Load German tweets annotated with speech acts per sentence (JSON).

    One record per sentence: fine THREAT gives ["warning"], THANK gives
    ["gratitude"], anything else []. "|LBR|" becomes a space and handles
    "@user"; sentences left without any word (only handles or emoji) are skipped.

    Args:
        path: The dataset folder (version_1-1.json) or the JSON file.
        split: Only "all" (the dataset has no splits).

    Returns:
        Records speaking for ["warning", "gratitude"], with the fine label and
        the tweet's key.
    """
    file, split = _resolve(path, split, {"all": "version_1-1.json"}, "speech_acts_de")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise AuxiliaryDataError(f"{file}:{err.lineno}: malformed JSON: {err.msg}") from None
    if not isinstance(data, dict):
        raise AuxiliaryDataError(f"{file}: expected a JSON object of tweets")
    records = []
    for key, tweet in data.items():
        try:
            sentences = tweet["tweet"]["sentences"]
            items = sorted(sentences.items(), key=lambda item: int(item[0]))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise AuxiliaryDataError(f"{file}: tweet {key!r} has no tweet.sentences object") from None
        for number, sentence in items:
            fine = sentence.get("fine", "")
            text = clean_text(mask_handles(sentence.get("text", "")))
            if not _WORD.search(text.replace("@user", "")):
                continue
            labels = [SPEECH_ACT_MAP[fine]] if fine in SPEECH_ACT_MAP else []
            extra = {"orig_label": fine, "tweet": key}
            rid = f"{key}:{number}"
            records.append(_record("speech_acts_de", rid, text, labels, SPEECH_ACT_LABELS, split, **extra))
    return records


@dataclass(frozen=True)
class AuxSource:
    """An auxiliary dataset and how it maps onto Tonlage's labels.

    Attributes:
        name: Registry name, also the records' `source`.
        labels: The labels the source speaks for (its records' `label_mask`).
        splits: The splits it has; the first is the default.
        loader: Function (path, split) -> records.
        description: One line on what it is.
    """

    name: str
    labels: tuple[str, ...]
    splits: tuple[str, ...]
    loader: Callable[[StrPath, str], list[dict]]
    description: str

    def __call__(self, path: StrPath, split: str | None = None) -> list[dict]:
        """Load the records of `split` (default: the first split) from `path`."""
        return self.loader(path, split or self.splits[0])


_SOURCES: tuple[AuxSource, ...] = (
    AuxSource(
        name="germeval2018",
        labels=GERMEVAL_LABELS,
        splits=("train", "test"),
        loader=load_germeval2018,
        description="GermEval 2018 German offensive tweets; fine INSULT -> insult",
    ),
    AuxSource(
        name="goemotions_de",
        labels=GOEMOTIONS_LABELS,
        splits=("dev", "test"),
        loader=load_goemotions_de,
        description="GoEmotions machine-translated to German; gratitude -> gratitude",
    ),
    AuxSource(
        name="goemotions_en",
        labels=GOEMOTIONS_LABELS,
        splits=("train", "dev", "test"),
        loader=load_goemotions_en,
        description="GoEmotions English Reddit comments; gratitude -> gratitude",
    ),
    AuxSource(
        name="isarcasmeval_en",
        labels=ISARCASM_LABELS,
        splits=("train", "test"),
        loader=load_isarcasmeval_en,
        description="iSarcasmEval task A English tweets; sarcastic == 1 -> sarcasm",
    ),
    AuxSource(
        name="speech_acts_de",
        labels=SPEECH_ACT_LABELS,
        splits=("all",),
        loader=load_speech_acts_de,
        description="German tweets with per-sentence speech acts; THREAT -> warning, THANK -> gratitude",
    ),
)
AUX_SOURCES: dict[str, AuxSource] = {source.name: source for source in _SOURCES}
"""Name -> auxiliary source (callable; `labels` is what it speaks for)."""


def load_auxiliary(
    name: str,
    path: StrPath,
    max_rows: int | None = None,
    seed: int = 0,
    split: str | None = None,
) -> Dataset:
    """Load an auxiliary source as a `datasets.Dataset`.

    Args:
        name: A key of `AUX_SOURCES`.
        path: The dataset's folder (or one of its files).
        max_rows: Keep at most this many records, drawn uniformly at random
            (with `seed`) and kept in file order; None keeps all.
        seed: Seed of the draw.
        split: The split to read (default: the source's first split).

    Returns:
        A dataset with columns id, text, labels (list of str), label_mask (list
        of str) and source.

    Raises:
        AuxiliaryDataError: For an unknown name or split, a missing folder or
            file, or a file not in the expected format.
    """
    if name not in AUX_SOURCES:
        raise AuxiliaryDataError(f"unknown auxiliary source {name!r} (known: {', '.join(AUX_SOURCES)})")
    if max_rows is not None and max_rows < 0:
        raise AuxiliaryDataError(f"max_rows must be >= 0, got {max_rows}")
    records = AUX_SOURCES[name](path, split)
    if max_rows is not None and max_rows < len(records):
        keep = sorted(random.Random(seed).sample(range(len(records)), max_rows))
        records = [records[i] for i in keep]
    columns = {column: [r[column] for r in records] for column in FEATURES}
    return Dataset.from_dict(columns, features=FEATURES)


__all__ = [
    "AUX_SOURCES",
    "FEATURES",
    "AuxSource",
    "AuxiliaryDataError",
    "clean_text",
    "load_auxiliary",
    "load_germeval2018",
    "load_goemotions_de",
    "load_goemotions_en",
    "load_isarcasmeval_en",
    "load_speech_acts_de",
    "mask_handles",
]
