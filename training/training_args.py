"""Training settings: one dataclass per TOML section, validated on construction, overridable key by key.

The defaults below are the single source of every setting; ``training/configs/default.toml`` writes
the same values out in full (the shipped model was trained with it). A setting is addressed as
``section.key`` everywhere: in error messages, in ``overrides`` and on the command line
(``tonlage train --train.epochs 2``).
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from tonlage.model.errors import TonlageError
from tonlage.model.modeling import POOLINGS

POS_WEIGHTS = ("none", "sqrt", "full")


class ConfigError(TonlageError, ValueError):
    """A training configuration file or override is invalid; ``key`` is the ``section.key`` at fault, if one is."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


def _check_type(where: str, value: Any, kind: Any) -> Any:
    """``value`` if it fits the annotation ``kind`` (int for float is widened), else :class:`ConfigError`."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        kind = next(k for k in options if k is not type(None))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(kind, type) and isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
        return value
    expected = getattr(kind, "__name__", str(kind))
    raise ConfigError(f"{where} must be {expected}, got {value!r}", key=where)


class _Section:
    """Shared behaviour of the section dataclasses: type checks, then the range checks in ``RULES``."""

    NAME: ClassVar[str]
    # field -> (is the value allowed, what it must be); None values of Optional fields are not checked.
    RULES: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {}

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            where = f"{self.NAME}.{f.name}"
            value = getattr(self, f.name)
            if f.name != "auxiliary":
                value = _check_type(where, value, hints[f.name])
                object.__setattr__(self, f.name, value)
            rule = self.RULES.get(f.name)
            if rule and value is not None and not rule[0](value):
                raise ConfigError(f"{where} must be {rule[1]}, got {value!r}", key=where)

    @classmethod
    def keys(cls) -> dict[str, Any]:
        """Field name -> resolved type annotation."""
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class AuxiliarySource:
    """An auxiliary dataset to mix in: a name from ``training.auxiliary.AUX_SOURCES`` and a path."""

    name: str
    path: str
    max_rows: int | None = None

    def __post_init__(self) -> None:
        for key in ("name", "path"):
            _check_type(f"data.auxiliary.{key}", getattr(self, key), str)
        _check_type("data.auxiliary.max_rows", self.max_rows, int | None)
        if self.max_rows is not None and self.max_rows < 1:
            raise ConfigError(f"data.auxiliary.max_rows must be >= 1, got {self.max_rows}")


def _nonempty(value: str) -> bool:
    return bool(value.strip())


@dataclass(frozen=True)
class DataArgs(_Section):
    """``[data]``: corpus files (relative paths resolve against the working directory) and auxiliary sources."""

    NAME: ClassVar[str] = "data"
    RULES: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {
        "train": (_nonempty, "a file path"),
        "dev": (_nonempty, "a file path"),
        "test": (_nonempty, "a file path or none"),
    }

    train: str = "training/data/train.jsonl"
    dev: str = "training/data/dev.jsonl"
    test: str | None = "training/data/test.jsonl"
    auxiliary: list[AuxiliarySource] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.auxiliary, list):
            raise ConfigError(f"data.auxiliary must be a list of [[data.auxiliary]] tables, got {self.auxiliary!r}")
        entries = []
        for i, entry in enumerate(self.auxiliary):
            if isinstance(entry, Mapping):
                unknown = sorted(set(entry) - {"name", "path", "max_rows"})
                if unknown:
                    raise ConfigError(f"data.auxiliary[{i}]: unknown key(s) {', '.join(unknown)} (use name, path, max_rows)")
                if not {"name", "path"} <= set(entry):
                    raise ConfigError(f"data.auxiliary[{i}] needs a name and a path")
                entry = AuxiliarySource(**entry)
            elif not isinstance(entry, AuxiliarySource):
                raise ConfigError(f"data.auxiliary[{i}] must be a table with name and path, got {entry!r}")
            entries.append(entry)
        object.__setattr__(self, "auxiliary", entries)
        super().__post_init__()


@dataclass(frozen=True)
class ModelArgs(_Section):
    """``[model]``: the shape of the tone model and its LoRA adapter."""

    NAME: ClassVar[str] = "model"
    RULES: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {
        "num_layers": (lambda v: v >= 1, ">= 1"),
        "max_length": (lambda v: v >= 8, ">= 8"),
        "pooling": (lambda v: v in POOLINGS, f"one of {', '.join(POOLINGS)}"),
        "lora_r": (lambda v: v >= 1, ">= 1"),
        "lora_alpha": (lambda v: v >= 1, ">= 1"),
        "lora_dropout": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "dropout": (lambda v: 0 <= v < 1, "in [0, 1)"),
    }

    num_layers: int = 12  # decoder layers of the base model kept (the base has 18)
    max_length: int = 192  # tokens per statement in training, and per window at inference
    pooling: str = "mean_last"
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    dropout: float = 0.1  # before the head, in training only


@dataclass(frozen=True)
class TrainArgs(_Section):
    """``[train]``: optimisation, early stopping, checkpoints and the run folder."""

    NAME: ClassVar[str] = "train"
    RULES: ClassVar[dict[str, tuple[typing.Callable[[Any], bool], str]]] = {
        "epochs": (lambda v: v >= 1, ">= 1"),
        "batch_size": (lambda v: v >= 1, ">= 1"),
        "grad_accum": (lambda v: v >= 1, ">= 1"),
        "lr": (lambda v: v > 0, "> 0"),
        "head_lr": (lambda v: v > 0, "> 0"),
        "weight_decay": (lambda v: v >= 0, ">= 0"),
        "warmup_ratio": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "patience": (lambda v: v >= 1, ">= 1"),
        "pos_weight": (lambda v: v in POS_WEIGHTS, f"one of {', '.join(POS_WEIGHTS)}"),
        "threads": (lambda v: v >= 1, ">= 1 (or none for torch's default)"),
        "max_steps": (lambda v: v >= 1, ">= 1 (or none for no limit)"),
        "checkpoint_every": (lambda v: v >= 0, ">= 0 (0: checkpoint only between epochs)"),
        "output": (_nonempty, "a folder path"),
    }

    seed: int = 13
    epochs: int = 3
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 4e-4  # LoRA
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    patience: int = 2  # epochs without a better dev macro-F1 before stopping
    pos_weight: str = "sqrt"  # "none", "sqrt" (sqrt of neg/pos per label) or "full" (neg/pos)
    bf16: bool = True
    threads: int | None = None
    max_steps: int | None = None  # stop after this many optimiser steps (smoke tests)
    checkpoint_every: int = 40
    output: str = "runs/default"


SECTIONS: dict[str, type[_Section]] = {"data": DataArgs, "model": ModelArgs, "train": TrainArgs}


@dataclass(frozen=True)
class TrainingArgs:
    """All settings of a training run: the TOML sections ``[data]``, ``[model]`` and ``[train]``."""

    data: DataArgs = field(default_factory=DataArgs)
    model: ModelArgs = field(default_factory=ModelArgs)
    train: TrainArgs = field(default_factory=TrainArgs)

    def __post_init__(self) -> None:
        for name, kind in SECTIONS.items():
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"TrainingArgs.{name} must be a {kind.__name__}, got {getattr(self, name)!r}")

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> TrainingArgs:
        """Read a TOML config and apply ``{"section.key": value}`` overrides (``None`` values are ignored).

        Raises:
            ConfigError: The file is missing or not TOML, or a setting is unknown, misplaced or invalid;
                the message starts with the file and names ``section.key``.
        """
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"Config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
        return cls.from_dict(raw, origin=str(path), overrides=overrides)

    @classmethod
    def from_dict(
        cls, values: Mapping[str, Any], origin: str = "config", overrides: Mapping[str, Any] | None = None
    ) -> TrainingArgs:
        """Build from ``{"data": {...}, "model": {...}, "train": {...}}`` (any section may be left out)."""
        sections: dict[str, dict[str, Any]] = {}
        for section, entries in values.items():
            if section not in SECTIONS or not isinstance(entries, Mapping):
                raise ConfigError(f"{origin}: unknown section [{section}] (use [data], [model], [train])")
            sections[section] = dict(entries)
            for key in entries:
                if key not in SECTIONS[section].keys():
                    raise ConfigError(f"{origin}: unknown setting {section}.{key}{_hint(key)}")
        overridden = set()
        for dotted, value in (overrides or {}).items():
            if value is not None:
                section, key = resolve_key(dotted)
                sections.setdefault(section, {})[key] = value
                overridden.add(f"{section}.{key}")
        try:
            return cls(**{name: SECTIONS[name](**sections.get(name, {})) for name in SECTIONS})  # type: ignore[arg-type]
        except ConfigError as exc:
            source = "override" if exc.key in overridden else origin
            raise ConfigError(f"{source}: {exc}", key=exc.key) from exc

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{"data": {...}, "model": {...}, "train": {...}}``, loadable with :meth:`from_dict`."""
        return dataclasses.asdict(self)


def _hint(key: str) -> str:
    """`` (it belongs in [train])`` when ``key`` is a setting of another section."""
    homes = [name for name, kind in SECTIONS.items() if key in kind.keys()]
    return f" (it belongs in [{homes[0]}])" if homes else ""


def resolve_key(name: str) -> tuple[str, str]:
    """``"train.epochs"`` (or the short ``"epochs"``; dashes count as underscores) → ``("train", "epochs")``.

    Raises:
        ConfigError: No setting has that name.
    """
    name = name.replace("-", "_")
    section, dot, key = name.rpartition(".")
    if dot and section in SECTIONS and key in SECTIONS[section].keys():
        return section, key
    homes = [s for s, kind in SECTIONS.items() if key in kind.keys()]
    if not dot and len(homes) == 1:
        return homes[0], key
    raise ConfigError(f"unknown setting {name}{_hint(key) if dot else ''}")


_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


def parse_value(section: str, key: str, text: str) -> Any:
    """Convert the command-line text of ``section.key`` to the field's type (``none`` for optional ones)."""
    kind = SECTIONS[section].keys()[key]
    where = f"{section}.{key}"
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        if text.lower() in ("none", "null", ""):
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise ConfigError(f"{where} must be true or false, got {text!r}")
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            raise ConfigError(f"{where} must be {kind.__name__}, got {text!r}") from None
    if kind is str:
        return text
    raise ConfigError(f"{where} cannot be set on the command line; set it in the config file")


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """``["--train.epochs", "2", "--model.pooling=mean"]`` → ``{"train.epochs": 2, "model.pooling": "mean"}``.

    A boolean given without a value is true (``--train.bf16``). Values are typed by the dataclass field.

    Raises:
        ConfigError: An argument is not ``--section.key``, names no setting, lacks a value or has a bad one.
    """
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise ConfigError(f"unexpected argument {arg!r}: settings are given as --section.key VALUE")
        name, eq, text = arg[2:].partition("=")
        section, key = resolve_key(name)
        if not eq:
            follows = i + 1 < len(args) and not args[i + 1].startswith("--")
            if SECTIONS[section].keys()[key] is bool and not follows:
                text = "true"
            elif not follows:
                raise ConfigError(f"--{name} needs a value")
            else:
                text = args[i + 1]
                i += 1
        out[f"{section}.{key}"] = parse_value(section, key, text)
        i += 1
    return out
