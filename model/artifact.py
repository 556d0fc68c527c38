"""The model artifact: a folder with a LoRA adapter, a head and ``tonlage.json``.

Layout::

    tonlage.json               format version, labels, model shape, LoRA, calibration, base model, settings, data
    adapter/                   peft LoRA adapter (adapter_config.json, adapter_model.safetensors)
    head.safetensors           the classification head (its metadata records the label order)
    metrics.json               dev/test metrics at training time (optional)
    training_log.jsonl         one line per epoch (optional)
    MODEL_CARD.md              generated from the evaluation (optional)

:func:`read_config` checks ``tonlage.json`` against itself and against the weight files' headers (shapes,
label order, LoRA rank, layers), so a broken or mismatched artifact fails on load with the field named,
not later with wrong scores. Weight files are only ever read as safetensors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tonlage.model.errors import TonlageError
from tonlage.model.labels import LABELS

CONFIG_NAME = "tonlage.json"
ADAPTER_DIR = "adapter"
ADAPTER_CONFIG = f"{ADAPTER_DIR}/adapter_config.json"
ADAPTER_WEIGHTS = f"{ADAPTER_DIR}/adapter_model.safetensors"
HEAD_NAME = "head.safetensors"
METRICS_NAME = "metrics.json"
# 2: model shape and LoRA stored once, training settings by section, metrics only in metrics.json.
FORMAT_VERSION = 2
DEFAULT_ARTIFACT = Path(__file__).parent / "artifacts" / "default"
# Decoder layers of the base models an artifact may name, for checking num_layers without loading them.
KNOWN_BASE_LAYERS = {"gemma-3-270m": 18}
# Head inputs per hidden unit for each pooling of model.modeling.ToneModel (kept here so that checking an
# artifact needs no torch import; tests/test_artifact.py checks the names against modeling.POOLINGS).
POOLING_WIDTH = {"mean": 1, "mean_last": 2}
# Training settings of the [model] section that the artifact stores as its shape: setting -> (field, key).
SHAPE_SETTINGS = {
    "num_layers": ("num_layers", None),
    "max_length": ("max_length", None),
    "pooling": ("pooling", None),
    "lora_r": ("lora", "r"),
    "lora_alpha": ("lora", "alpha"),
    "lora_dropout": ("lora", "dropout"),
}


class ArtifactError(TonlageError, ValueError):
    """A model artifact folder is missing, incomplete or malformed."""


@dataclass
class ArtifactConfig:
    """Everything needed to rebuild and trust a fine-tuned model, stored as ``tonlage.json``.

    Attributes:
        labels: Label names in output order (the order of the head's rows).
        num_layers: Decoder layers of the base model kept.
        max_length: Maximum tokens per window at inference.
        pooling: One of ``model.modeling.POOLINGS``.
        lora: LoRA settings (``r``, ``alpha``, ``dropout``, ``target_modules``).
        thresholds: Per-label decision thresholds on calibrated probabilities, in (0, 1).
        temperatures: Per-label temperatures (> 0) applied to logits before the sigmoid.
        base_model: Name, source package and GGUF hash of the base model.
        training: The other training settings, by section (see :meth:`settings` for all of them).
        data: Hashes and row counts of the training data.
        format_version: Version of this file's layout.
    """

    labels: list[str]
    num_layers: int
    max_length: int
    pooling: str
    lora: dict[str, Any]
    thresholds: dict[str, float]
    temperatures: dict[str, float]
    base_model: dict[str, Any] = field(default_factory=dict)
    training: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @classmethod
    def from_settings(cls, settings: dict[str, dict[str, Any]], target_modules: list[str], **fields: Any) -> ArtifactConfig:
        """Build from sectioned training settings: the shape goes into its fields, the rest into ``training``."""
        training = {section: dict(values) for section, values in settings.items()}
        model = training.get("model", {})
        shape: dict[str, Any] = {"lora": {"target_modules": list(target_modules)}}
        for setting, (name, key) in SHAPE_SETTINGS.items():
            value = model.pop(setting)
            if key is None:
                shape[name] = value
            else:
                shape[name][key] = value
        return cls(**shape, training=training, **fields)

    def settings(self) -> dict[str, dict[str, Any]]:
        """All training settings by section (as ``TrainingArgs.to_dict()``), the shape put back in ``[model]``."""
        out = {section: dict(values) for section, values in self.training.items()}
        model = out.setdefault("model", {})
        for setting, (name, key) in SHAPE_SETTINGS.items():
            value = getattr(self, name)
            model[setting] = value if key is None else value.get(key)
        return out

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        ordered = {"format_version": data.pop("format_version"), **data}
        return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArtifactConfig:
        """Check every field (see :func:`check_fields`) and build the config; version 1 files are upgraded."""
        data = upgrade(data)
        check_fields(data)
        return cls(**data)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """``tonlage.json`` contents in the current format; version 1 (metrics and shape copied in) is converted.

    Raises:
        ArtifactError: The version is missing, unknown or newer than this code reads.
    """
    version = data.get("format_version")
    if version == FORMAT_VERSION:
        return data
    if version != 1:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        hint = "upgrade Tonlage to read it" if newer else f"this Tonlage reads versions 1 to {FORMAT_VERSION}"
        raise ArtifactError(f"{CONFIG_NAME}: unsupported format_version {version!r}; {hint}")
    data = {k: v for k, v in data.items() if k != "metrics"}  # metrics.json holds them
    flat = data.get("training") or {}
    sections: dict[str, dict[str, Any]] = {"data": {}, "model": {}, "train": {}}
    for key, value in flat.items():
        if key in SHAPE_SETTINGS:
            continue
        section = "data" if key in ("train", "dev", "test", "auxiliary") else "model" if key == "dropout" else "train"
        sections[section][key] = value
    return {**data, "training": sections if flat else {}, "format_version": FORMAT_VERSION}


def _fail(field_name: str, message: str) -> ArtifactError:
    return ArtifactError(f"{CONFIG_NAME}: {field_name} {message}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_fields(data: dict[str, Any]) -> None:
    """Raise :class:`ArtifactError` naming the first field of ``tonlage.json`` that is missing, unknown or invalid."""
    names = [f.name for f in dataclasses.fields(ArtifactConfig)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ArtifactError(f"{CONFIG_NAME} has unknown field(s): {', '.join(unknown)}")
    required = [f.name for f in dataclasses.fields(ArtifactConfig) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise ArtifactError(f"{CONFIG_NAME} lacks field(s): {', '.join(missing)}")
    labels = data["labels"]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x for x in labels):
        raise _fail("labels", f"must be a non-empty list of label names, got {labels!r}")
    if len(set(labels)) != len(labels):
        raise _fail("labels", f"has duplicates: {labels}")
    if not _is_int(data["num_layers"]) or data["num_layers"] < 1:
        raise _fail("num_layers", f"must be an integer >= 1, got {data['num_layers']!r}")
    if not _is_int(data["max_length"]) or data["max_length"] < 8:
        raise _fail("max_length", f"must be an integer >= 8, got {data['max_length']!r}")
    if data["pooling"] not in POOLING_WIDTH:
        raise _fail("pooling", f"must be one of {', '.join(POOLING_WIDTH)}, got {data['pooling']!r}")
    _check_per_label(data, "thresholds", lambda v: 0 < v < 1, "a number in (0, 1)")
    _check_per_label(data, "temperatures", lambda v: 0 < v < float("inf"), "a number > 0")
    _check_lora(data["lora"])
    for name in ("base_model", "training", "data"):
        if not isinstance(data.get(name, {}), dict):
            raise _fail(name, f"must be an object, got {data[name]!r}")
    for section, values in data.get("training", {}).items():
        if not isinstance(values, dict):
            raise _fail(f"training.{section}", f"must be an object, got {values!r}")
    limit = KNOWN_BASE_LAYERS.get(str(data.get("base_model", {}).get("name")))
    if limit is not None and data["num_layers"] > limit:
        raise _fail("num_layers", f"is {data['num_layers']}, beyond the {limit} layers of {data['base_model']['name']}")


def _check_per_label(data: dict[str, Any], name: str, ok: Any, what: str) -> None:
    values = data[name]
    if not isinstance(values, dict):
        raise _fail(name, f"must be an object mapping each label to {what}, got {values!r}")
    missing = [label for label in data["labels"] if label not in values]
    if missing:
        raise _fail(name, f"lacks a value for: {', '.join(missing)}")
    extra = sorted(set(values) - set(data["labels"]))
    if extra:
        raise _fail(name, f"has values for labels not in labels: {', '.join(extra)}")
    for label, value in values.items():
        if not _is_number(value) or not ok(value):
            raise _fail(f"{name}.{label}", f"must be {what}, got {value!r}")


def _check_lora(lora: Any) -> None:
    if not isinstance(lora, dict):
        raise _fail("lora", f"must be an object with r, alpha, dropout, target_modules, got {lora!r}")
    missing = [key for key in ("r", "alpha", "dropout", "target_modules") if key not in lora]
    if missing:
        raise _fail("lora", f"lacks: {', '.join(missing)}")
    if not _is_int(lora["r"]) or lora["r"] < 1:
        raise _fail("lora.r", f"must be an integer >= 1, got {lora['r']!r}")
    if not _is_number(lora["alpha"]) or lora["alpha"] <= 0:
        raise _fail("lora.alpha", f"must be a number > 0, got {lora['alpha']!r}")
    if not _is_number(lora["dropout"]) or not 0 <= lora["dropout"] < 1:
        raise _fail("lora.dropout", f"must be a number in [0, 1), got {lora['dropout']!r}")
    modules = lora["target_modules"]
    if not isinstance(modules, list) or not modules or not all(isinstance(m, str) for m in modules):
        raise _fail("lora.target_modules", f"must be a non-empty list of module names, got {modules!r}")


# -- weights -------------------------------------------------------------------------------------

_LORA_KEY = re.compile(r"base_model\.model\.layers\.(\d+)\.\w+\.(\w+)\.lora_([AB])\.weight")
_HIDDEN_INPUTS = ("q_proj", "k_proj", "v_proj", "gate_proj", "up_proj")  # projections that read the hidden state


def _tensor_header(folder: Path, name: str) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Shapes and metadata of a safetensors file, read from its header only (never unpickled)."""
    from safetensors import safe_open

    try:
        with safe_open(str(folder / name), framework="numpy") as f:
            return {key: list(f.get_slice(key).get_shape()) for key in f.keys()}, dict(f.metadata() or {})
    except Exception as exc:  # safetensors raises its own SafetensorError for a bad or truncated header
        raise ArtifactError(f"{folder / name} is not a valid safetensors file ({exc})") from exc


def head_metadata(labels: list[str]) -> dict[str, str]:
    """Metadata written into ``head.safetensors``: the label order of its rows."""
    return {"labels": json.dumps(list(labels), ensure_ascii=False)}


def check_weights(folder: Path, config: ArtifactConfig, base_dir: str | Path | None = None) -> None:
    """Check the adapter and head files against ``config`` (and the base model's config.json if given).

    Raises:
        ArtifactError: Naming the file and the field that disagree.
    """
    base = _read_json(Path(base_dir) / "config.json") if base_dir is not None else {}
    layers, size = base.get("num_hidden_layers"), base.get("hidden_size")
    if isinstance(layers, int) and config.num_layers > layers:
        raise _fail("num_layers", f"is {config.num_layers}, beyond the {layers} layers of the base model in {base_dir}")
    hidden = _check_adapter(folder, config)
    if _is_int(size) and hidden is not None and hidden != size:
        raise ArtifactError(f"{folder / ADAPTER_WEIGHTS}: made for hidden size {hidden}, the base model in {base_dir} has {size}")
    _check_head(folder, config, hidden)


def _check_adapter(folder: Path, config: ArtifactConfig) -> int | None:
    """Check the LoRA adapter; returns the hidden size its input projections imply (None if none found)."""
    peft = _read_json(folder / ADAPTER_CONFIG)
    for key, ours in (("r", "r"), ("lora_alpha", "alpha")):
        if peft.get(key) != config.lora[ours]:
            raise ArtifactError(f"{folder / ADAPTER_CONFIG}: {key} is {peft.get(key)!r} but {CONFIG_NAME} lora.{ours} is {config.lora[ours]!r}")
    if sorted(peft.get("target_modules") or []) != sorted(config.lora["target_modules"]):
        raise ArtifactError(f"{folder / ADAPTER_CONFIG}: target_modules differ from {CONFIG_NAME} lora.target_modules")
    shapes, _ = _tensor_header(folder, ADAPTER_WEIGHTS)
    file, layers, hidden = folder / ADAPTER_WEIGHTS, set(), None
    for key, shape in shapes.items():
        match = _LORA_KEY.fullmatch(key)
        if not match or match[2] not in config.lora["target_modules"] or len(shape) != 2:
            raise ArtifactError(f"{file}: unexpected tensor {key} {shape}")
        layers.add(int(match[1]))
        rank = shape[0] if match[3] == "A" else shape[1]
        if rank != config.lora["r"]:
            raise ArtifactError(f"{file}: {key} has rank {rank} but {CONFIG_NAME} lora.r is {config.lora['r']}")
        if match[3] == "A" and match[2] in _HIDDEN_INPUTS:
            hidden = shape[1]
    if layers != set(range(config.num_layers)):
        span = f"layers {min(layers)}-{max(layers)}" if layers else "no layers"
        raise ArtifactError(f"{file} holds LoRA weights for {span} but {CONFIG_NAME} num_layers is {config.num_layers}")
    return hidden


def _check_head(folder: Path, config: ArtifactConfig, hidden: int | None) -> None:
    file = folder / HEAD_NAME
    shapes, metadata = _tensor_header(folder, HEAD_NAME)
    if set(shapes) != {"head.weight", "head.bias"}:
        raise ArtifactError(f"{file}: expected tensors head.weight and head.bias, found {', '.join(sorted(shapes)) or 'none'}")
    n = len(config.labels)
    width = None if hidden is None else hidden * POOLING_WIDTH[config.pooling]
    weight = shapes["head.weight"]
    if len(weight) != 2 or weight[0] != n or shapes["head.bias"] != [n]:
        raise ArtifactError(f"{file}: head has shape {weight} for {n} labels in {CONFIG_NAME} labels")
    if width is not None and weight[1] != width:
        raise ArtifactError(f"{file}: head takes {weight[1]} inputs, but pooling {config.pooling!r} over hidden size {hidden} gives {width}")
    # Heads written before the label order was recorded were all in LABELS order.
    stored = json.loads(metadata["labels"]) if "labels" in metadata else list(LABELS)
    if stored != config.labels:
        raise _fail("labels", f"are {config.labels} but the head's rows are {stored} ({file})")


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{file} is not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{file} must hold a JSON object")
    return data


# -- files ---------------------------------------------------------------------------------------


def read_config(path: str | Path, base_dir: str | Path | None = None) -> ArtifactConfig:
    """Read ``tonlage.json`` from an artifact folder and check it against the weight files.

    Args:
        path: The artifact folder.
        base_dir: The converted base model folder, to check layers and hidden size against; optional.

    Raises:
        ArtifactError: The folder is not a complete, consistent artifact; the message names the file and field.
    """
    folder = Path(path)
    file = folder / CONFIG_NAME
    if not folder.is_dir():
        raise ArtifactError(f"Model folder not found: {folder}")
    if not file.is_file():
        raise ArtifactError(f"{folder} is not a Tonlage model: {CONFIG_NAME} is missing")
    data = _read_json(file)
    for name in (HEAD_NAME, ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        if not (folder / name).is_file():
            raise ArtifactError(f"{folder} is incomplete: {name} is missing")
    try:
        config = ArtifactConfig.from_dict(data)
    except ArtifactError as exc:
        raise ArtifactError(f"{folder}/{exc}") from exc
    check_weights(folder, config, base_dir)
    return config


def read_metrics(path: str | Path, labels: list[str]) -> dict[str, Any]:
    """``metrics.json`` of an artifact (``{}`` when absent), checked to hold macro and per-label F1 per split.

    Raises:
        ArtifactError: The file is not JSON or lacks a value, which the message names.
    """
    file = Path(path) / METRICS_NAME
    if not file.is_file():
        return {}
    metrics = _read_json(file)
    for split, scores in metrics.items():
        if not isinstance(scores, dict) or not _is_number(scores.get("macro_f1")):
            raise ArtifactError(f"{file}: {split}.macro_f1 is missing or not a number")
        for label in labels:
            f1 = (scores.get("per_label") or {}).get(label, {})
            if not isinstance(f1, dict) or not _is_number(f1.get("f1")):
                raise ArtifactError(f"{file}: {split}.per_label.{label}.f1 is missing or not a number")
    return metrics


def write_config(path: str | Path, config: ArtifactConfig) -> None:
    """Write ``tonlage.json`` into ``path``."""
    Path(path, CONFIG_NAME).write_text(config.to_json(), encoding="utf-8")


def artifact_hash(path: str | Path) -> str:
    """SHA-256 over the weight files and config of an artifact (first 16 hex digits)."""
    folder = Path(path)
    digest = hashlib.sha256()
    for name in (CONFIG_NAME, HEAD_NAME, ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]
