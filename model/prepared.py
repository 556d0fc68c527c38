"""Cache of prepared inference models: LoRA merged, layers truncated, weights in bf16.

Merging the adapter into a fresh copy of the base weights on every start costs time and memory;
the merged backbone is saved once per artifact (keyed by the artifact's hash and the base model)
under ``$TONLAGE_HOME/prepared`` and loaded directly afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import save_file

from tonlage.model.base import tonlage_home


def prepared_dir(artifact_key: str, base_dir: Path) -> Path:
    """Cache folder for an artifact on a given base model."""
    try:
        marker = json.loads((Path(base_dir) / "tonlage-base.json").read_text(encoding="utf-8"))
        base_key = f"{marker['gguf_sha256'][:12]}-v{marker['conversion_version']}"
    except (OSError, ValueError, KeyError):
        base_key = "custom-" + str(abs(hash(str(Path(base_dir).resolve()))))[:12]
    return tonlage_home() / "prepared" / f"{artifact_key}-{base_key}"


def is_prepared(path: Path) -> bool:
    return (path / "model.safetensors").is_file() and (path / "config.json").is_file()


def save_prepared(backbone, path: Path) -> None:
    """Save a merged backbone in bf16, atomically; failures (read-only or full disk) are ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
        state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in backbone.state_dict().items()}
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        backbone.config.save_pretrained(tmp)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def load_prepared(path: Path):
    """Load a prepared backbone (bf16) saved by :func:`save_prepared`."""
    from transformers import Gemma3TextModel
    from transformers.utils import logging

    logging.disable_progress_bar()
    try:
        return Gemma3TextModel.from_pretrained(path, dtype=torch.bfloat16, local_files_only=True)
    finally:
        logging.enable_progress_bar()
