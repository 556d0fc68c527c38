"""The model artifact: a folder with a LoRA adapter, a head and ``tonlage.json``.

Layout::

    tonlage.json               labels, base model, layers, thresholds, temperatures, metrics, provenance
    adapter/                   peft LoRA adapter (adapter_config.json, adapter_model.safetensors)
    head.safetensors           the classification head
    training_log.jsonl         one line per epoch (optional)
    MODEL_CARD.md              generated from the evaluation (optional)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tonlage.model.errors import TonlageError
from tonlage.model.labels import LABELS

CONFIG_NAME = "tonlage.json"
ADAPTER_DIR = "adapter"
HEAD_NAME = "head.safetensors"
FORMAT_VERSION = 1
DEFAULT_ARTIFACT = Path(__file__).parent / "artifacts" / "default"


class ArtifactError(TonlageError, ValueError):
    """A model artifact folder is missing, incomplete or malformed."""


@dataclass
class ArtifactConfig:
    """Everything needed to rebuild and trust a fine-tuned model, stored as ``tonlage.json``.

    Attributes:
        labels: Label names in output order.
        num_layers: Decoder layers of the base model kept.
        pooling: ``mean`` or ``mean_last`` (see ``model.modeling.ToneModel``).
        max_length: Maximum tokens per window at inference.
        thresholds: Per-label decision thresholds on calibrated probabilities.
        temperatures: Per-label temperatures applied to logits before the sigmoid.
        base_model: Name, source package and GGUF hash of the base model.
        lora: LoRA settings (r, alpha, dropout, target modules).
        training: The training configuration used, as a dict.
        data: Hashes and row counts of the training data.
        metrics: Dev/test metrics recorded at training time.
    """

    labels: list[str] = field(default_factory=lambda: list(LABELS))
    num_layers: int = 12
    max_length: int = 256
    pooling: str = "mean"
    thresholds: dict[str, float] = field(default_factory=lambda: {label: 0.5 for label in LABELS})
    temperatures: dict[str, float] = field(default_factory=lambda: {label: 1.0 for label in LABELS})
    base_model: dict[str, Any] = field(default_factory=dict)
    lora: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArtifactConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ArtifactError(f"{CONFIG_NAME} has unknown fields: {', '.join(sorted(unknown))}")
        config = cls(**data)
        missing = [label for label in config.labels if label not in config.thresholds or label not in config.temperatures]
        if missing:
            raise ArtifactError(f"{CONFIG_NAME} lacks a threshold or temperature for: {', '.join(missing)}")
        return config


def read_config(path: str | Path) -> ArtifactConfig:
    """Read ``tonlage.json`` from an artifact folder, with a clear error when it is not one."""
    folder = Path(path)
    file = folder / CONFIG_NAME
    if not folder.is_dir():
        raise ArtifactError(f"Model folder not found: {folder}")
    if not file.is_file():
        raise ArtifactError(f"{folder} is not a Tonlage model: {CONFIG_NAME} is missing")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ArtifactError(f"{file} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{file} must hold a JSON object")
    for name in (HEAD_NAME, f"{ADAPTER_DIR}/adapter_model.safetensors", f"{ADAPTER_DIR}/adapter_config.json"):
        if not (folder / name).is_file():
            raise ArtifactError(f"{folder} is incomplete: {name} is missing")
    return ArtifactConfig.from_dict(data)


def write_config(path: str | Path, config: ArtifactConfig) -> None:
    """Write ``tonlage.json`` into ``path``."""
    Path(path, CONFIG_NAME).write_text(config.to_json(), encoding="utf-8")


def artifact_hash(path: str | Path) -> str:
    """SHA-256 over the weight files and config of an artifact (first 16 hex digits)."""
    folder = Path(path)
    digest = hashlib.sha256()
    for name in (CONFIG_NAME, HEAD_NAME, f"{ADAPTER_DIR}/adapter_config.json", f"{ADAPTER_DIR}/adapter_model.safetensors"):
        digest.update(name.encode())
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]
