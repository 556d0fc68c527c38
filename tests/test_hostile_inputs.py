"""Hostile and odd inputs for `tonlage score`: a clear exit code and message, never a traceback, nothing lost.

The CLI runs in-process on the session's tiny classifier (``load_classifier`` is replaced, and records
whether it was reached, so fatal errors can be shown to come before the model loads).
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.model.scoring import score_file

OK = "Wir warnen ausdrücklich vor weiteren Schritten"
OK2 = "Herzlichen Dank an unsere Partner"


def jl(*rows) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n" for r in rows)


TWO = jl({"id": 1, "text": OK}, {"id": 2, "text": OK2})
CSV2 = f"id,text\r\n1,{OK}\r\n2,{OK2}\r\n".encode()


@dataclass
class Case:
    name: str
    files: dict[str, bytes]
    args: list[str]
    code: int = 0
    message: str | None = None  # must appear in the command's output
    rows: int | None = None  # output rows expected (one per input row)
    failed: int = 0  # of which error rows
    row_error: str | None = None  # must appear in an error row
    before_model: bool = False  # fatal error raised before the model loads
    setup: str | None = None
    extra: dict = field(default_factory=dict)


def fatal(name, files, args, message, **kw) -> Case:
    return Case(name, files, args, code=2, message=message, before_model=kw.pop("before_model", True), **kw)


def bad_row(name, files, args, rows, row_error, failed=1) -> Case:
    return Case(name, files, args, rows=rows, failed=failed, row_error=row_error)


J = ["in.jsonl", "-o", "out.jsonl"]
C = ["in.csv", "-o", "out.csv"]
T = ["in.tsv", "-o", "out.tsv"]
LONG = "Wort " * 20_001  # 100,005 characters: over the default --max-chars

CASES = [
    # JSONL rows
    Case("jsonl ok", {"in.jsonl": TWO}, J, rows=2),
    bad_row("invalid json", {"in.jsonl": jl({"text": OK}, b"{not json")}, J, 2, "line 2: invalid JSON"),
    bad_row("empty line", {"in.jsonl": jl({"text": OK}, b"", {"text": OK2})}, J, 3, "line 2: empty line"),
    bad_row("array", {"in.jsonl": jl(b"[1, 2]")}, J, 1, "expected a JSON object, got list"),
    bad_row("string", {"in.jsonl": jl(b'"hallo"')}, J, 1, "expected a JSON object, got str"),
    bad_row("missing text", {"in.jsonl": jl({"id": 1})}, J, 1, "missing field 'text'"),
    bad_row("text number", {"in.jsonl": jl({"text": 42})}, J, 1, "field 'text' is int"),
    bad_row("text null", {"in.jsonl": jl({"text": None})}, J, 1, "field 'text' is NoneType"),
    bad_row("text list", {"in.jsonl": jl({"text": [OK]})}, J, 1, "field 'text' is list"),
    bad_row("text blank", {"in.jsonl": jl({"text": " \t "})}, J, 1, "field 'text' is empty"),
    bad_row("not utf-8", {"in.jsonl": jl(b'{"text": "\xff\xfe kaputt"}')}, J, 1, "not UTF-8"),
    bad_row("NaN", {"in.jsonl": jl(b'{"text": "x", "p": NaN}')}, J, 1, "NaN is not valid JSON"),
    bad_row("Infinity", {"in.jsonl": jl(b'{"text": "x", "p": Infinity}')}, J, 1, "Infinity is not valid JSON"),
    bad_row("-Infinity", {"in.jsonl": jl({"text": OK}, b'{"text": "x", "p": -Infinity}')}, J, 2, "line 2: invalid JSON: -Infinity"),
    bad_row("lone surrogate", {"in.jsonl": jl(b'{"text": "a \\ud800 b"}')}, J, 1, "lone surrogate"),
    bad_row("deep nesting", {"in.jsonl": jl(b'{"text": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")}, J, 1, "nested too deeply"),
    bad_row("huge integer", {"in.jsonl": jl(b'{"text": "x", "n": ' + b"9" * 5000 + b"}")}, J, 1, "invalid JSON"),
    bad_row("over max chars", {"in.jsonl": jl({"id": "lang", "text": LONG})}, J, 1, "100,005 characters, over the --max-chars limit of 100,000"),
    bad_row("over --max-chars 20", {"in.jsonl": jl({"text": OK})}, [*J, "--max-chars", "20"], 1, "over the --max-chars limit of 20"),
    Case("--max-chars 0 is no cap", {"in.jsonl": jl({"text": OK})}, [*J, "--max-chars", "0"], rows=1),
    Case("BOM", {"in.jsonl": b"\xef\xbb\xbf" + TWO}, J, rows=2),
    Case("CR-only lines", {"in.jsonl": TWO.replace(b"\n", b"\r")}, J, rows=2),
    Case("CRLF lines", {"in.jsonl": TWO.replace(b"\n", b"\r\n")}, J, rows=2),
    Case("no final newline", {"in.jsonl": TWO[:-1]}, J, rows=2),
    Case("NUL and U+2028 in text", {"in.jsonl": jl({"text": OK + "\u0000 \u2028 Ende"})}, J, rows=1),
    Case("duplicate keys", {"in.jsonl": jl(b'{"text": "x", "text": "' + OK.encode() + b'"}')}, J, rows=1),
    Case("empty file", {"in.jsonl": b""}, J, rows=0),
    bad_row("only a newline", {"in.jsonl": b"\n"}, J, 1, "line 1: empty line"),
    Case("other text field", {"in.jsonl": jl({"body": OK})}, [*J, "--text-field", "body"], rows=1),
    fatal("UTF-16", {"in.jsonl": "\ufeff".encode("utf-16-le") + '{"text": "x"}\n'.encode("utf-16-le")}, J, "UTF-16"),
    # fields the output would overwrite
    fatal("labels field", {"in.jsonl": jl({"text": OK, "labels": ["warning"]})}, J, "already has a field 'labels'"),
    fatal("scores field", {"in.jsonl": jl({"text": OK}, {"text": OK2, "scores": {}})}, J, "already has a field 'scores'"),
    fatal("error field", {"in.jsonl": jl({"text": OK, "error": ""})}, J, "--prefix"),
    Case("--prefix keeps labels", {"in.jsonl": jl({"text": OK, "labels": ["warning"]})}, [*J, "--prefix", "pred_"], rows=1),
    fatal("prefix clash", {"in.jsonl": jl({"text": OK, "p_labels": 1})}, [*J, "--prefix", "p_"], "'p_labels'"),
    fatal("csv labels column", {"in.csv": b"text,labels\r\nx,y\r\n"}, C, "already has a field 'labels'"),
    fatal("csv score column", {"in.csv": b"text,score_warning\r\nx,1\r\n"}, C, "'score_warning'"),
    # CSV / TSV
    Case("csv ok", {"in.csv": CSV2}, C, rows=2),
    Case("csv BOM", {"in.csv": b"\xef\xbb\xbf" + CSV2}, C, rows=2),
    Case("csv CR-only", {"in.csv": CSV2.replace(b"\r\n", b"\r")}, C, rows=2),
    Case("csv LF", {"in.csv": CSV2.replace(b"\r\n", b"\n")}, C, rows=2),
    Case("csv multi-line field", {"in.csv": f'id,text\r\n1,"{OK}\nzweite Zeile"\r\n2,{OK2}\r\n'.encode()}, C, rows=2),
    Case("csv header only", {"in.csv": b"id,text\r\n"}, C, rows=0),
    Case("csv NUL", {"in.csv": f"text\r\n{OK}\x00!\r\n".encode()}, C, rows=1),
    Case("csv 200k-char other field", {"in.csv": f"text,blob\r\n{OK},{'b' * 200_000}\r\n".encode()}, C, rows=1),
    bad_row("csv 200k-char text", {"in.csv": f"id,text\r\n1,{OK}\r\nlang,{'w' * 200_000}\r\n".encode()}, C, 2, "line 3: field 'text' has 200,000"),
    bad_row("csv too few fields", {"in.csv": b"id,text,x\r\n1,hallo\r\n"}, C, 1, "line 2: 2 fields, header has 3"),
    bad_row("csv too many fields", {"in.csv": b"id,text\r\n1,hallo,zu viel\r\n"}, C, 1, "3 fields, header has 2"),
    bad_row("csv blank line", {"in.csv": f"text\r\n{OK}\r\n\r\n{OK2}\r\n".encode()}, C, 3, "line 3: empty line"),
    bad_row("csv not utf-8", {"in.csv": b"id,text\r\n1,\xff\xfe kaputt\r\n"}, C, 1, "line 2: undecodable"),
    bad_row("csv empty text", {"in.csv": b"id,text\r\n1,\r\n"}, C, 1, "field 'text' is empty"),
    fatal("csv no text column", {"in.csv": b"id,body\r\n1,x\r\n"}, C, "no column 'text'"),
    fatal("csv empty file", {"in.csv": b""}, C, "empty (no header row)"),
    fatal("csv duplicate columns", {"in.csv": b"text,a,a\r\nx,1,2\r\n"}, C, "'a' more than once"),
    fatal("csv header not utf-8", {"in.csv": b"text,\xff\r\nx,1\r\n"}, C, "header is not UTF-8"),
    Case("tsv ok", {"in.tsv": f"id\ttext\r\n1\t{OK}, mit Komma\n2\t{OK2}\n".encode()}, T, rows=2),
    fatal("tsv read as tsv", {"in.tsv": b"id\tbody\n1\tx\n"}, T, "no column 'text' (columns: id, body)"),
    Case("tsv to jsonl", {"in.tsv": f"text\n{OK}\n{OK2}\n".encode()}, ["in.tsv", "-o", "out.jsonl"], rows=2),
    Case("jsonl to csv", {"in.jsonl": jl({"text": OK}, {"text": OK2, "extra": {"a": 1}})}, ["in.jsonl", "-o", "out.csv"], rows=2),
    Case("jsonl to tsv", {"in.jsonl": TWO}, ["in.jsonl", "-o", "out.tsv"], rows=2),
    Case("csv to jsonl", {"in.csv": CSV2}, ["in.csv", "-o", "out.jsonl"], rows=2),
    Case("unknown output extension", {"in.jsonl": TWO}, ["in.jsonl", "-o", "out.txt"], rows=2),
    Case("--format tsv on .txt", {"in.txt": f"text\n{OK}\n".encode()}, ["in.txt", "-o", "out.tsv", "--format", "tsv"], rows=1),
    fatal("unknown input extension", {"in.txt": b"x"}, ["in.txt", "-o", "out.jsonl"], "--format jsonl, csv or tsv"),
    fatal("bad --format", {"in.jsonl": TWO}, [*J, "--format", "xml"], "--format must be one of"),
    # paths and options
    fatal("input missing", {}, J, "Input file not found"),
    fatal("input is a folder", {"in.jsonl/x": b""}, J, "is not a file"),
    fatal("output folder missing", {"in.jsonl": TWO}, ["in.jsonl", "-o", "nope/out.jsonl"], "does not exist"),
    fatal("output is a folder", {"in.jsonl": TWO, "out.jsonl/x": b""}, J, "is a directory"),
    fatal("output folder is a file", {"in.jsonl": TWO, "f": b""}, ["in.jsonl", "-o", "f/out.jsonl"], "is not a directory"),
    fatal("output not writable", {"in.jsonl": TWO}, ["in.jsonl", "-o", "/proc/self/out.jsonl"], "Cannot write in /proc/self"),
    fatal("output is the input", {"in.jsonl": TWO}, ["in.jsonl", "-o", "in.jsonl"], "is the output"),
    fatal("input is the partial", {"o.jsonl.partial": TWO}, ["o.jsonl.partial", "-o", "o.jsonl", "--format", "jsonl"], "o.jsonl.partial, which the run writes"),
    fatal("input is the sidecar", {"o.jsonl.partial.json": TWO}, ["o.jsonl.partial.json", "-o", "o.jsonl"], "which the run writes"),
    fatal("input is the lock", {"o.jsonl.lock": TWO}, ["o.jsonl.lock", "-o", "o.jsonl", "--format", "jsonl"], "o.jsonl.lock"),
    fatal("output hard-links the input", {"in.jsonl": TWO}, J, "is the output", setup="hardlink"),
    fatal("--batch-size 0", {"in.jsonl": TWO}, [*J, "--batch-size", "0"], "--batch-size must be at least 1"),
    fatal("--batch-size -3", {"in.jsonl": TWO}, [*J, "--batch-size", "-3"], "at least 1, got -3"),
    fatal("--segment --batch-size 0", {"in.jsonl": TWO}, [*J, "--segment", "--batch-size", "0"], "--batch-size must be at least 1"),
    fatal("--max-chars -1", {"in.jsonl": TWO}, [*J, "--max-chars", "-1"], "--max-chars must be"),
    fatal("bad threshold", {"in.jsonl": TWO}, [*J, "--threshold", "bogus=0.3"], "--threshold 'bogus=0.3'"),
    fatal("locked by another run", {"in.jsonl": TWO}, J, "another tonlage score is writing", setup="lock"),
    # resume
    Case("--resume without partial", {"in.jsonl": TWO}, [*J, "--resume"], rows=2),
    fatal("--resume partial without record", {"in.jsonl": TWO, "out.jsonl.partial": jl({"text": OK})}, [*J, "--resume"], "delete it to start over"),
    fatal("--resume CSV partial for JSONL run", {"in.jsonl": TWO}, [*J, "--resume"], "output_format: 'csv' then, 'jsonl' now", setup="csv-partial"),
    fatal("--resume other input", {"in.jsonl": TWO}, [*J, "--resume"], "input_size", setup="other-input"),
    fatal("--resume other text field", {"in.jsonl": TWO}, [*J, "--resume", "--text-field", "body"], "text_field: 'text' then, 'body' now", setup="partial"),
    fatal("--resume other prefix", {"in.jsonl": TWO}, [*J, "--resume", "--prefix", "p_"], "prefix: '' then, 'p_' now", setup="partial"),
    fatal("--resume damaged partial", {"in.jsonl": TWO}, [*J, "--resume"], "line 1 is damaged", setup="damaged"),
    fatal("--resume unreadable record", {"in.jsonl": TWO, "out.jsonl.partial": b"", "out.jsonl.partial.json": b"{"}, [*J, "--resume"], "cannot be read"),
    fatal("--resume more rows than input", {"in.jsonl": TWO}, [*J, "--resume"], "more rows (3) than the input", setup="too-long", before_model=False),
    Case("--resume after a kill", {"in.jsonl": TWO}, [*J, "--resume"], rows=2, setup="partial"),
    # segment
    Case("--segment ok", {"in.jsonl": jl({"id": "a", "text": f'Der Minister sagte: "{OK}."'})}, [*J, "--segment"]),
    Case("--segment empty doc", {"in.jsonl": jl({"id": "a", "text": ""})}, [*J, "--segment"], rows=1, failed=1, row_error="field 'text' is empty"),
    Case("--segment csv", {"in.csv": f"id,text\r\na,{OK}.\r\nb,\r\n".encode()}, [*C, "--segment"], failed=1, row_error="line 3"),
    fatal("--segment id clash", {"in.jsonl": TWO}, [*J, "--segment", "--id-field", "statement"], "--id-field 'statement'"),
]


def _prepare(case: Case, tmp_path, classifier) -> None:
    for name, data in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not name.endswith("/x"):
            path.write_bytes(data)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    if case.setup == "hardlink":
        os.link(src, out)
    elif case.setup in ("partial", "damaged", "too-long", "csv-partial", "other-input"):
        killed = src
        if case.setup == "other-input":
            killed = tmp_path / "other.jsonl"
            killed.write_bytes(TWO + TWO)
        if case.setup == "csv-partial":
            killed = tmp_path / "in.csv"
            killed.write_bytes(CSV2)
            (tmp_path / "out.csv").touch()
        target = out.with_suffix(".csv") if case.setup == "csv-partial" else out
        _killed_run(classifier, killed, target)
        if case.setup == "csv-partial":
            for suffix in (".partial", ".partial.json"):
                os.replace(tmp_path / f"out.csv{suffix}", tmp_path / f"out.jsonl{suffix}")
        if case.setup == "damaged":
            (tmp_path / "out.jsonl.partial").write_bytes(b"{kaputt\n" + jl({"text": OK}))
        if case.setup == "too-long":
            (tmp_path / "out.jsonl.partial").write_bytes(jl({"text": OK}) * 3)


def _killed_run(classifier, src, out) -> None:
    def stop(read, total, rows):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(classifier, src, out, on_progress=stop)


def _output_rows(path) -> list[dict]:
    data = path.read_text(encoding="utf-8")
    if path.suffix in (".csv", ".tsv"):
        return list(csv.DictReader(io.StringIO(data, newline=""), delimiter="\t" if path.suffix == ".tsv" else ","))
    return [json.loads(line) for line in data.split("\n") if line]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tiny_classifier, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _prepare(case, tmp_path, tiny_classifier)
    loaded = []

    def fake_load(model, precision):
        loaded.append(model)
        return tiny_classifier

    monkeypatch.setattr("tonlage.score_cmd.load_classifier", fake_load)
    held = None
    if case.setup == "lock":
        held = open(tmp_path / "out.jsonl.lock", "w")
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        result = CliRunner().invoke(app, ["score", *case.args, "-q"])
    finally:
        if held:
            held.close()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == case.code, result.output
    if case.message:
        assert case.message in result.output, result.output
    if case.code == 2:
        assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
        if case.before_model:
            assert loaded == []
        return
    out = tmp_path / case.args[2]
    rows = _output_rows(out)
    errors = [r for r in rows if r.get("error")]
    if case.rows is not None:
        assert len(rows) == case.rows
    assert len(errors) == case.failed, errors
    if case.row_error:
        assert any(case.row_error in r["error"] for r in errors), errors
    if "--segment" not in case.args:
        assert all(r.get("pred_labels" if "--prefix" in case.args else "labels") is not None for r in rows if not r.get("error"))
    assert not any(p.name.endswith((".partial", ".partial.json", ".lock")) for p in tmp_path.iterdir())


def test_the_table_is_big_enough():
    assert len(CASES) >= 60


# -- SIGKILL at random points, then --resume -----------------------------------------------------------

WORDS = "Wir warnen Moskau ausdrücklich vor weiteren Schritten Herzlichen Dank an unsere Partner „Zitat“, Komma".split()


def _corpus(path, fmt: str, n: int, rng: random.Random) -> None:
    rows = []
    for i in range(n):
        lines = [" ".join(rng.choices(WORDS, k=rng.randint(3, 12))) for _ in range(rng.randint(1, 3))]
        rows.append({"id": f"r{i}", "text": "\n".join(lines), "note": "x" * rng.randint(100, 400)})
    if fmt == "jsonl":
        path.write_bytes(jl(*rows))
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "text", "note"])
            writer.writeheader()
            writer.writerows(rows)


def _run_and_kill(classifier, src, out, after_rows: int) -> int:
    """Score in a forked child that SIGKILLs itself once ``after_rows`` rows are written; its exit signal."""
    pid = os.fork()
    if pid == 0:  # the child: a real kill, so nothing is flushed or cleaned up on the way out
        try:
            def die(read, total, rows):
                if rows >= after_rows:
                    os.kill(os.getpid(), signal.SIGKILL)

            score_file(classifier, src, out, batch_size=4, on_progress=die)
        finally:
            os._exit(3)
    deadline = time.time() + 30
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the scoring child hung")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_sigkill_then_resume_is_byte_identical(fmt, tiny_classifier, tmp_path):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same arithmetic in the forked child and here
    try:
        rng = random.Random(20240611 if fmt == "jsonl" else 7)
        n = 300
        src = tmp_path / f"in.{fmt}"
        _corpus(src, fmt, n, rng)
        full = tmp_path / f"full.{fmt}"
        score_file(tiny_classifier, src, full, batch_size=4)
        expected = full.read_bytes()
        torn = set()
        for k in sorted(rng.sample(range(1, n), 10)):
            out = tmp_path / f"out{k}.{fmt}"
            assert _run_and_kill(tiny_classifier, src, out, k) == signal.SIGKILL
            partial = out.with_name(out.name + ".partial")
            assert not out.exists() and partial.exists()
            torn.add(partial.stat().st_size)
            summary = score_file(tiny_classifier, src, out, batch_size=4, resume=True)
            assert out.read_bytes() == expected, f"killed after {k} rows"
            assert summary.rows == n and summary.resumed_from <= k
        assert len(torn) >= 5  # the kills left partial files of many different lengths
    finally:
        torch.set_num_threads(threads)


# -- the other commands: data check, evaluate, train, info -------------------------------------------------

VALID_ROW = {"id": "h-0001", "text": OK, "labels": ["warning"], "actor": "Sprecher", "form": "direct_quote", "topic": "T"}


@dataclass
class CommandCase:
    name: str
    files: dict[str, bytes]
    args: list[str]
    message: str
    code: int = 2  # `data check` exits 1 when it finds problems in the corpus, like a linter


COMMAND_CASES = [
    CommandCase("data check: missing file", {}, ["data", "check", "nope.jsonl"], "nope.jsonl", code=1),
    CommandCase("data check: not utf-8", {"c.jsonl": b'{"id": "x", "text": "\xff"}\n'}, ["data", "check", "c.jsonl"], "c.jsonl:1", code=1),
    CommandCase("data check: truncated line", {"c.jsonl": jl(VALID_ROW)[:-20]}, ["data", "check", "c.jsonl"], "c.jsonl:1", code=1),
    CommandCase("data check: bad label", {"c.jsonl": jl({**VALID_ROW, "labels": ["anger"]})}, ["data", "check", "c.jsonl"], "anger", code=1),
    CommandCase("data check: empty file", {"c.jsonl": b""}, ["data", "check", "c.jsonl"], "no records", code=1),
    CommandCase("data card: out is a folder", {"c.jsonl": jl(VALID_ROW), "card/x": b""}, ["data", "card", "c.jsonl", "--out", "card"], "card"),
    CommandCase("evaluate: data missing", {}, ["evaluate", "--data", "nope.jsonl", "--out", "rep", "--no-baselines",
                                               "--no-cross-domain", "--model", "{artifact}", "--base-dir", "{base}"], "nope.jsonl"),
    CommandCase("evaluate: out is a file", {"d.jsonl": jl(VALID_ROW), "rep": b"x"},
                ["evaluate", "--data", "d.jsonl", "--out", "rep", "--model", "{artifact}", "--base-dir", "{base}"], "rep"),
    CommandCase("evaluate: empty base dir", {"d.jsonl": jl(VALID_ROW), "empty/.keep": b""},
                ["evaluate", "--data", "d.jsonl", "--out", "rep", "--base-dir", "empty"], "empty"),
    CommandCase("evaluate: bad json in data", {"d.jsonl": jl(VALID_ROW, b"{oops")},
                ["evaluate", "--data", "d.jsonl", "--out", "rep", "--no-baselines", "--no-cross-domain",
                 "--model", "{artifact}", "--base-dir", "{base}"], "d.jsonl:2"),
    CommandCase("evaluate: bad precision", {"d.jsonl": jl(VALID_ROW)}, ["evaluate", "--data", "d.jsonl", "--out", "rep", "--precision", "fp8"], "fp8"),
    CommandCase("train: unknown setting", {}, ["train", "--config", "{config}", "--train.colour", "blau"], "colour"),
    CommandCase("train: too many layers", {}, ["train", "--config", "{config}", "--model.num_layers", "99", "--base-dir", "{base}"], "num_layers"),
    CommandCase("train: negative threads", {}, ["train", "--config", "{config}", "--train.threads", "-3"], "threads"),
    CommandCase("train: config missing", {}, ["train", "--config", "nope.toml"], "nope.toml"),
    CommandCase("train: bad auxiliary path", {"aux.toml": b'[data]\ntrain = "t.jsonl"\ndev = "d.jsonl"\ntest = "e.jsonl"\n'
                                              b'[[data.auxiliary]]\nname = "germeval2018"\npath = "missing-dir"\n',
                                              "t.jsonl": jl(VALID_ROW), "d.jsonl": jl({**VALID_ROW, "id": "h-0002", "text": OK2}),
                                              "e.jsonl": jl({**VALID_ROW, "id": "h-0003", "text": "Wir danken Japan für die Hilfe."})},
                ["train", "--config", "aux.toml", "--base-dir", "{base}", "--output", "run", "--model.num_layers", "2"], "missing-dir"),
    CommandCase("info: not an artifact", {"art/readme.txt": b"x"}, ["info", "--model", "art"], "art"),
    CommandCase("classify: precision", {}, ["classify", "Hallo Welt.", "--precision", "fp8"], "fp8"),
]


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[c.name for c in COMMAND_CASES])
def test_hostile_command(case: CommandCase, tiny_run, tiny_base, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, data in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    config = Path(__file__).resolve().parents[1] / "training" / "configs" / "default.toml"
    args = [a.format(artifact=tiny_run[1], base=tiny_base, config=config) for a in case.args]
    result = CliRunner().invoke(app, args)
    output = result.output + (result.stderr if result.stderr_bytes else "")
    assert result.exit_code == case.code, (result.exit_code, output, result.exception)
    assert "Traceback" not in output
    assert case.message in output, output
