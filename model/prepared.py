"""Cache of prepared inference models: LoRA merged, layers truncated, weights in bf16.

Merging the adapter into a fresh copy of the base weights on every start costs time and memory;
the merged backbone is saved once under ``$TONLAGE_HOME/prepared/<key>`` and loaded directly afterwards.

Guarantees:

* The key depends only on what the merged weights depend on: the base weights (sample hash) and
  ``config.json``, the adapter's weights and config, and the number of layers kept. Thresholds,
  temperatures or metrics in ``tonlage.json`` do not change it; the base folder's path does not either.
* ``tonlage-prepared.json`` records the size, sample hash and full hash of ``model.safetensors``; a
  folder whose size or sample hash differs is deleted and rebuilt (a warning is logged), never used.
* At most :data:`KEEP` prepared folders are kept (least recently used go first); folders left by
  killed runs or older versions are deleted.
* Caching is best effort: on a read-only or full disk a warning is logged and inference goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

from tonlage.model.base import file_sha256, remove_stale_tmp, sample_sha256, tonlage_home

logger = logging.getLogger(__name__)

KEEP = 3  # prepared models kept (about 450 MB each)
FORMAT = 2  # bump when what is saved changes; old folders are then pruned
META = "tonlage-prepared.json"
_WEIGHTS = "model.safetensors"


def prepared_key(adapter_dir: Path, base_dir: Path, num_layers: int) -> str:
    """A stable key of the merged weights: base and adapter content, and the layers kept."""
    adapter_dir, base_dir = Path(adapter_dir), Path(base_dir)
    parts = [
        f"format={FORMAT}",
        f"layers={num_layers}",
        f"base={sample_sha256(base_dir / _WEIGHTS)}",
        f"base-config={file_sha256(base_dir / 'config.json')}",
        f"adapter={file_sha256(adapter_dir / 'adapter_model.safetensors')}",
        f"adapter-config={file_sha256(adapter_dir / 'adapter_config.json')}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def prepared_dir(key: str) -> Path:
    """Cache folder for a key from :func:`prepared_key`."""
    return tonlage_home() / "prepared" / key


def _read_meta(path: Path) -> dict | None:
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def prepared_problem(path: Path) -> str | None:
    """Why the prepared folder ``path`` must not be used, or ``None`` when it is sound."""
    meta = _read_meta(path)
    if meta is None:
        return f"{META} is missing, unreadable or from another version"
    if not (path / "config.json").is_file() or not (path / _WEIGHTS).is_file():
        return f"config.json or {_WEIGHTS} is missing"
    size = (path / _WEIGHTS).stat().st_size
    if size != meta.get("weights_bytes"):
        return f"{_WEIGHTS} is {size} bytes, {meta.get('weights_bytes')} were written (truncated?)"
    if sample_sha256(path / _WEIGHTS) != meta.get("weights_sample_sha256"):
        return f"{_WEIGHTS} does not match the content hash recorded when it was written"
    return None


def is_prepared(path: Path) -> bool:
    """Whether ``path`` holds a sound prepared model."""
    return prepared_problem(path) is None


def load_prepared(path: Path):
    """Load a prepared backbone (bf16) saved by :func:`save_prepared`, or ``None`` to rebuild it.

    A folder that fails its checks or does not load is deleted (a warning is logged).
    """
    from transformers import Gemma3TextModel
    from transformers.utils import logging as hf_logging

    if not path.exists():
        return None
    problem = prepared_problem(path)
    if problem is None:
        hf_logging.disable_progress_bar()
        try:
            model = Gemma3TextModel.from_pretrained(path, dtype=torch.bfloat16, local_files_only=True)
        except Exception as exc:  # a damaged file that still matches its sample hash
            problem = f"it does not load: {exc}"
        finally:
            hf_logging.enable_progress_bar()
    if problem is not None:
        logger.warning("the prepared model cache at %s is corrupt (%s); rebuilding it.", path, problem)
        shutil.rmtree(path, ignore_errors=True)
        return None
    try:
        os.utime(path / META)  # least recently used are pruned first
    except OSError:
        pass
    return model


def save_prepared(backbone, path: Path, provenance: dict | None = None) -> None:
    """Save a merged backbone in bf16, atomically, then prune old folders.

    Failures (read-only or full disk) only log a warning: the cache is an optimisation.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_tmp(path.parent, ".tmp-")
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
        state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in backbone.state_dict().items()}
        save_file(state, str(tmp / _WEIGHTS), metadata={"format": "pt"})
        backbone.config.save_pretrained(tmp)
        meta = {
            "format": FORMAT,
            "weights_bytes": (tmp / _WEIGHTS).stat().st_size,
            "weights_sample_sha256": sample_sha256(tmp / _WEIGHTS),
            "weights_sha256": file_sha256(tmp / _WEIGHTS),
            **(provenance or {}),
        }
        (tmp / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
        tmp = None
    except Exception as exc:  # OSError, or safetensors' own error on a full disk
        logger.warning("could not cache the prepared model in %s (%s); going on without the cache.", path.parent, exc)
        return
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    prune(path.parent, keep=KEEP, current=path)


def prune(folder: Path, keep: int = KEEP, current: Path | None = None) -> list[Path]:
    """Delete all but the ``keep`` most recently used prepared folders, and any not of this format.

    Returns:
        The folders deleted.
    """
    ranked: list[tuple[bool, float, Path]] = []
    removed: list[Path] = []
    try:
        entries = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".tmp-")]
    except OSError:
        return removed
    for entry in entries:
        if _read_meta(entry) is None:
            removed.append(entry)
        else:
            ranked.append((entry == current, _mtime(entry / META), entry))
    ranked.sort(reverse=True)
    removed += [entry for _, _, entry in ranked[keep:]]
    for entry in removed:
        shutil.rmtree(entry, ignore_errors=True)
    if removed:
        logger.info("removed %d old prepared model(s) from %s", len(removed), folder)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()
