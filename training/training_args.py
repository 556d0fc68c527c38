"""Training settings: one dataclass, loaded from a sectioned TOML file, overridable field by field."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tonlage.model.errors import TonlageError


class ConfigError(TonlageError, ValueError):
    """A training configuration file or override is invalid."""


@dataclass
class AuxiliarySource:
    """An auxiliary dataset to mix in: a name from ``training.auxiliary.AUX_SOURCES`` and a path."""

    name: str
    path: str
    max_rows: int | None = None


@dataclass
class TrainingArgs:
    """All settings of a training run. TOML sections ``[data]``, ``[model]`` and ``[train]`` map onto these fields.

    Relative data paths are resolved against the working directory.
    """

    # [data]
    train: str = "training/data/train.jsonl"
    dev: str = "training/data/dev.jsonl"
    test: str | None = "training/data/test.jsonl"
    auxiliary: list[AuxiliarySource] = field(default_factory=list)
    # [model]
    num_layers: int = 12
    max_length: int = 192
    pooling: str = "mean_last"
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    dropout: float = 0.1
    # [train]
    seed: int = 13
    epochs: int = 4
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 4e-4
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    patience: int = 2
    pos_weight: str = "sqrt"  # "none", "sqrt" (sqrt of neg/pos per label) or "full" (neg/pos)
    bf16: bool = True
    threads: int | None = None
    max_steps: int | None = None  # stop after this many optimiser steps (smoke tests)
    checkpoint_every: int = 40
    output: str = "runs/default"

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> TrainingArgs:
        """Read a TOML config and apply keyword overrides (``None`` values are ignored)."""
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"Config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
        flat: dict[str, Any] = {}
        for section, values in raw.items():
            if section not in ("data", "model", "train") or not isinstance(values, dict):
                raise ConfigError(f"{path}: unknown section [{section}] (use [data], [model], [train])")
            flat.update(values)
        flat.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(flat, origin=str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], origin: str = "config") -> TrainingArgs:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError(f"{origin}: unknown setting(s): {', '.join(unknown)}")
        values = dict(values)
        try:
            values["auxiliary"] = [
                a if isinstance(a, AuxiliarySource) else AuxiliarySource(**a) for a in values.get("auxiliary", [])
            ]
        except TypeError as exc:
            raise ConfigError(f"{origin}: bad [[data.auxiliary]] entry: {exc}") from exc
        args = cls(**values)
        args.validate(origin)
        return args

    def validate(self, origin: str = "config") -> None:
        """Raise :class:`ConfigError` for out-of-range values."""
        checks = [
            (self.num_layers >= 1, "num_layers must be >= 1"),
            (self.max_length >= 8, "max_length must be >= 8"),
            (self.epochs >= 1, "epochs must be >= 1"),
            (self.batch_size >= 1 and self.grad_accum >= 1, "batch_size and grad_accum must be >= 1"),
            (self.lr > 0 and self.head_lr > 0, "learning rates must be > 0"),
            (self.pos_weight in ("none", "sqrt", "full"), "pos_weight must be none, sqrt or full"),
            (self.pooling in ("mean", "mean_last"), "pooling must be mean or mean_last"),
            (0 <= self.dropout < 1 and 0 <= self.lora_dropout < 1, "dropouts must be in [0, 1)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"{origin}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
