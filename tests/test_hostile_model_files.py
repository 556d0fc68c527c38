"""Hostile model files and inputs: damaged caches are rebuilt, bad folders and inputs give one clean error.

Every case runs `tonlage classify` through typer's CliRunner on the tiny model and checks the exit code,
that no traceback escaped, and that the message (or the logged warning) names the problem.
"""

from __future__ import annotations

import json
import logging
import shutil
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.model import base, prepared

runner = CliRunner()
TEXT = "Wir warnen Moskau ausdrücklich"


def _classify(model, *args, input=None):
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def _clean(result, code):
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    monkeypatch.setenv("TONLAGE_HOME", str(folder))
    monkeypatch.delenv("TONLAGE_BASE_DIR", raising=False)
    return folder


@pytest.fixture
def conversions(home, tiny_base, monkeypatch):
    """The base cache is "converted" by copying the tiny base; the list records each conversion."""
    calls = []

    def fake_convert(package, out):
        calls.append(out)
        shutil.copytree(tiny_base, out, dirs_exist_ok=True)
        base.write_marker(out, package.EXPECTED_SHA256)

    monkeypatch.setattr(base, "_gguf_package", lambda: types.SimpleNamespace(EXPECTED_SHA256="a" * 64))
    monkeypatch.setattr(base, "_convert", fake_convert)
    return calls


def _overwrite_same_size(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _marker_edit(**changes):
    def edit(folder: Path) -> None:
        marker = json.loads((folder / "tonlage-base.json").read_text())
        (folder / "tonlage-base.json").write_text(json.dumps({**marker, **changes}))

    return edit


# (case, damage done to the base cache folder, what the warning must name)
BASE_CACHE_CASES = [
    ("weights-same-size", lambda f: _overwrite_same_size(f / "model.safetensors"), "model.safetensors does not match the content hash"),
    ("weights-truncated", lambda f: _truncate(f / "model.safetensors"), "were written (truncated?)"),
    ("weights-empty", lambda f: (f / "model.safetensors").write_bytes(b""), "model.safetensors is 0 bytes"),
    ("weights-a-folder", lambda f: _replace_with_folder(f / "model.safetensors"), "model.safetensors missing"),
    ("tokenizer-truncated", lambda f: _truncate(f / "tokenizer.json"), "tokenizer.json is"),
    ("tokenizer-same-size", lambda f: _overwrite_same_size(f / "tokenizer.json"), "tokenizer.json does not match"),
    ("tokenizer-config-missing", lambda f: (f / "tokenizer_config.json").unlink(), "tokenizer_config.json missing"),
    ("config-missing", lambda f: (f / "config.json").unlink(), "config.json missing"),
    ("marker-missing", lambda f: (f / "tonlage-base.json").unlink(), "tonlage-base.json missing"),
    ("marker-not-json", lambda f: (f / "tonlage-base.json").write_text("{\"conv"), "unreadable"),
    ("marker-other-version", _marker_edit(conversion_version=0), "another version of the conversion"),
    ("marker-hash-edited", _marker_edit(weights_sample_sha256="0" * 64), "does not match the content hash"),
]


@pytest.mark.parametrize(("damage", "problem"), [c[1:] for c in BASE_CACHE_CASES], ids=[c[0] for c in BASE_CACHE_CASES])
def test_damaged_base_cache_is_rebuilt(tiny_run, conversions, damage, problem, caplog):
    first = _classify(tiny_run[1], TEXT, "--json")
    _clean(first, 0)
    target = base.base_model_dir()
    damage(target)
    with caplog.at_level(logging.WARNING):
        again = _classify(tiny_run[1], TEXT, "--json")
    _clean(again, 0)
    assert len(conversions) == 2 and base.is_valid_base_dir(target)
    assert "base model cache" in caplog.text and problem in caplog.text
    assert json.loads(again.stdout) == json.loads(first.stdout)


def _prepared_folder(home: Path) -> Path:
    [folder] = [p for p in (home / "prepared").iterdir() if p.is_dir()]
    return folder


def _meta_edit(**changes):
    def edit(folder: Path) -> None:
        meta = json.loads((folder / prepared.META).read_text())
        (folder / prepared.META).write_text(json.dumps({**meta, **changes}))

    return edit


PREPARED_CASES = [
    ("weights-truncated", lambda f: _truncate(f / "model.safetensors"), "were written (truncated?)"),
    ("weights-same-size", lambda f: _overwrite_same_size(f / "model.safetensors"), "does not match the content hash"),
    ("weights-empty", lambda f: (f / "model.safetensors").write_bytes(b""), "model.safetensors is 0 bytes"),
    ("weights-missing", lambda f: (f / "model.safetensors").unlink(), "config.json or model.safetensors is missing"),
    ("config-missing", lambda f: (f / "config.json").unlink(), "config.json or model.safetensors is missing"),
    ("config-not-json", lambda f: (f / "config.json").write_text("{"), "it does not load"),
    ("meta-missing", lambda f: (f / prepared.META).unlink(), "tonlage-prepared.json is missing"),
    ("meta-not-json", lambda f: (f / prepared.META).write_text("[1,"), "tonlage-prepared.json is missing, unreadable"),
    ("meta-old-format", _meta_edit(format=1), "from another version"),
]


@pytest.mark.parametrize(("damage", "problem"), [c[1:] for c in PREPARED_CASES], ids=[c[0] for c in PREPARED_CASES])
def test_damaged_prepared_model_is_rebuilt(tiny_run, tiny_base, home, monkeypatch, damage, problem, caplog):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    first = _classify(tiny_run[1], TEXT, "--json")
    _clean(first, 0)
    folder = _prepared_folder(home)
    damage(folder)
    with caplog.at_level(logging.WARNING):
        again = _classify(tiny_run[1], TEXT, "--json")
    _clean(again, 0)
    assert "prepared model cache" in caplog.text and problem in caplog.text
    assert prepared.is_prepared(folder)
    assert json.loads(again.stdout) == json.loads(first.stdout)


def _base_only_config(folder: Path, tiny_base: Path) -> None:
    shutil.copy(tiny_base / "config.json", folder)


def _base_with_bin(folder: Path, tiny_base: Path) -> None:
    shutil.copytree(tiny_base, folder, dirs_exist_ok=True)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")


def _base_copy(change):
    def make(folder: Path, tiny_base: Path) -> None:
        shutil.copytree(tiny_base, folder, dirs_exist_ok=True)
        change(folder)

    return make


def _copy_with_marker_then_damage(folder: Path) -> None:
    base.write_marker(folder, "b" * 64)
    _overwrite_same_size(folder / "model.safetensors")


# (case, how the TONLAGE_BASE_DIR folder is made, fragments the error must hold)
BAD_BASE_DIR_CASES = [
    ("only-config", _base_only_config, ["incomplete: model.safetensors, tokenizer.json, tokenizer_config.json missing"]),
    ("pytorch-bin", _base_with_bin, ["model.safetensors missing", "pytorch_model.bin", "never .bin"]),
    ("empty-folder", lambda f, t: None, ["config.json, model.safetensors"]),
    ("weights-truncated", _base_copy(lambda f: _truncate(f / "model.safetensors")), ["damaged: model.safetensors is truncated or damaged"]),
    ("weights-not-safetensors", _base_copy(lambda f: (f / "model.safetensors").write_bytes(b"PK\3\4" * 100)), ["not a safetensors file"]),
    ("tokenizer-missing", _base_copy(lambda f: (f / "tokenizer.json").unlink()), ["tokenizer.json missing"]),
    ("tokenizer-truncated", _base_copy(lambda f: _truncate(f / "tokenizer.json")), ["tokenizer.json cannot be read"]),
    ("tokenizer-config-broken", _base_copy(lambda f: (f / "tokenizer_config.json").write_text("[")), ["no readable tokenizer_config.json"]),
    ("marker-and-damaged-weights", _base_copy(_copy_with_marker_then_damage), ["model.safetensors does not match the content hash"]),
]


@pytest.mark.parametrize(("make", "fragments"), [c[1:] for c in BAD_BASE_DIR_CASES], ids=[c[0] for c in BAD_BASE_DIR_CASES])
def test_bad_base_dir_is_a_clean_error(tiny_run, tiny_base, home, tmp_path, monkeypatch, make, fragments):
    import torch

    folder = tmp_path / "custom-base"
    folder.mkdir()
    make(folder, tiny_base)
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(folder))
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("a pickle must never be loaded"))
    result = _classify(tiny_run[1], TEXT)
    _clean(result, 2)
    assert result.output.startswith("Error: ") and str(folder) in result.output
    for fragment in fragments:
        assert fragment in result.output


@pytest.mark.parametrize("where", ["missing", "a-file"])
def test_base_dir_that_is_no_folder_is_a_clean_error(tiny_run, home, tmp_path, monkeypatch, where):
    path = tmp_path / "base"
    if where == "a-file":
        path.write_text("not a folder")
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(path))
    result = _classify(tiny_run[1], TEXT)
    _clean(result, 2)
    assert f"Error: TONLAGE_BASE_DIR: Base model folder {path} does not exist or is not a folder" in result.output


def _unwritable(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("breakage", "problem"),
    [("mkdtemp-denied", "Permission denied"), ("home-under-a-file", "Not a directory"), ("save-disk-full", "No space left")],
)
def test_unwritable_home_still_classifies(tiny_run, tiny_base, home, monkeypatch, caplog, breakage, problem):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    if breakage == "mkdtemp-denied":
        monkeypatch.setattr(prepared.tempfile, "mkdtemp", _unwritable)
    elif breakage == "home-under-a-file":
        home.parent.joinpath("file").write_text("x")
        monkeypatch.setenv("TONLAGE_HOME", str(home.parent / "file" / "home"))
    else:
        monkeypatch.setattr(prepared, "save_file", _disk_full)
    with caplog.at_level(logging.WARNING):
        result = _classify(tiny_run[1], TEXT, "--json")
    _clean(result, 0)
    assert json.loads(result.stdout)["text"] == TEXT
    assert "could not cache the prepared model" in caplog.text and problem in caplog.text
    assert not (home / "prepared").exists() or not any((home / "prepared").iterdir())


def test_unwritable_home_without_base_is_a_clean_error(tiny_run, conversions, home, monkeypatch):
    home.parent.joinpath("file").write_text("x")
    monkeypatch.setenv("TONLAGE_HOME", str(home.parent / "file" / "home"))
    result = _classify(tiny_run[1], TEXT)
    _clean(result, 2)
    assert "Error: Could not prepare the base model in" in result.output and "Set TONLAGE_HOME to a writable folder" in result.output


# (case, arguments after "classify", stdin, fragments of the one-line error)
BAD_INPUT_CASES = [
    ("stdin-empty-lines", ["-", "--lines"], "", ["Error: stdin is empty"]),
    ("stdin-blank-lines", ["-", "--lines"], "\n  \n\t\n", ["Error: stdin is empty"]),
    ("stdin-empty-article", ["-"], "", ["Error: stdin is empty"]),
    ("stdin-latin1-lines", ["-", "--lines"], b"gut\n\xffschlecht\n", ["stdin is not UTF-8", "0xff at byte offset 4 (line 2)"]),
    ("stdin-latin1-article", ["-"], "Er sagte: »Danke.«\n".encode() + "Gemäß".encode("latin-1"), ["byte 0xe4 at byte offset 24 (line 2)"]),
    ("argument-not-utf8", ["gut", "abc\udcffdef"], None, ["statement 2 is not UTF-8 text: byte 0xff at byte offset 3"]),
    ("argument-lone-surrogate", ["x\ud800"], None, ["statement 1 holds a lone surrogate (U+D800) at character 1"]),
]


@pytest.mark.parametrize(("args", "stdin", "fragments"), [c[1:] for c in BAD_INPUT_CASES], ids=[c[0] for c in BAD_INPUT_CASES])
def test_bad_input_is_a_clean_error(tiny_run, tiny_base, home, monkeypatch, args, stdin, fragments):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    result = _classify(tiny_run[1], *args, input=stdin)
    _clean(result, 2)
    assert len(result.output.splitlines()) == 1
    for fragment in fragments:
        assert fragment in result.output


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "is empty"), (b"Gut.\nNoch gut.\nSchlecht: \xc3\x28", "byte 0xc3 at byte offset 25 (line 3)"), (None, "cannot read")],
    ids=["empty", "broken-utf8", "a-folder"],
)
def test_bad_file_is_a_clean_error(tiny_run, tiny_base, home, tmp_path, monkeypatch, content, fragment):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    path = tmp_path / "article.txt"
    path.mkdir() if content is None else path.write_bytes(content)
    result = _classify(tiny_run[1], "--file", str(path))
    _clean(result, 2)
    assert f"Error: {path}" in result.output or f"Error: cannot read {path}" in result.output
    assert fragment in result.output


# (case, statement, what the table must show instead)
CONTROL_CASES = [
    ("ansi-colour", "Danke \x1b[31mrot\x1b[0m", ["Danke \\x1b[31mrot\\x1b[0m"]),
    ("bell-backspace-cr", "Wir\x07 warnen\x08\rMoskau", ["Wir\\x07 warnen\\x08\\x0dMoskau"]),
    ("c1-csi", "Danke \x9b2J", ["Danke \\x9b2J"]),
    ("bidi-override", "Danke \u202eknatS", ["Danke \\u202eknatS"]),
    ("rich-markup", "Danke [bold]x[/] [/foo] [red]", ["Danke [bold]x[/] [/foo] [red]"]),
]


@pytest.mark.parametrize(("text", "shown"), [c[1:] for c in CONTROL_CASES], ids=[c[0] for c in CONTROL_CASES])
def test_control_characters_are_escaped_in_the_table_only(tiny_run, tiny_base, home, monkeypatch, text, shown):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    table = _classify(tiny_run[1], text)
    _clean(table, 0)
    assert not any(ch in table.stdout for ch in "\x1b\x07\x08\r\x9b\u202e")
    for fragment in shown:
        assert fragment in table.stdout
    as_json = _classify(tiny_run[1], text, "--json")
    _clean(as_json, 0)
    assert json.loads(as_json.stdout)["text"] == text
