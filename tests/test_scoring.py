import csv
import json
import random

import pytest
from typer.testing import CliRunner

from tonlage.cli import app
from tonlage.model.scoring import ScoreError, score_file

STATEMENTS = [
    "Wir warnen Moskau ausdrücklich vor weiteren Schritten",
    "Herzlichen Dank an unsere Partner für die schnelle Hilfe",
    "Die Gespräche sollen am Dienstag in Genf fortgesetzt werden",
    "Danke für nichts, liebe Freunde in Brüssel",
]


def make_jsonl(path, n, bad_share=0.03, seed=0):
    """n input rows; about bad_share of them malformed in assorted ways. Returns the bad row numbers."""
    rng = random.Random(seed)
    bad = set(rng.sample(range(n), int(n * bad_share)))
    kinds = [b"{not json\n", b'{"id": 1, "text": ""}\n', b'{"id": 2, "text": 42}\n', b'{"id": 3}\n',
             b'{"id": 4, "text": "\xff\xfe kaputt"}\n', b"[1, 2]\n"]
    with open(path, "wb") as f:
        for i in range(n):
            if i in bad:
                f.write(kinds[i % len(kinds)])
            else:
                f.write((json.dumps({"id": f"r{i}", "text": STATEMENTS[i % 4], "meta": i}, ensure_ascii=False) + "\n").encode())
    return bad


def _interrupt(read, total, rows):
    raise KeyboardInterrupt


def test_every_row_yields_exactly_one_output_row(tiny_classifier, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    bad = make_jsonl(src, 10_000)
    summary = score_file(tiny_classifier, src, out, batch_size=256)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10_000 == summary.rows
    assert summary.failed == len(bad) == 300
    errors = [i for i, r in enumerate(rows) if "error" in r]
    assert errors == sorted(bad)
    good = rows[0] if 0 not in bad else rows[1]
    assert set(good["scores"]) == set(tiny_classifier.labels)
    assert good["meta"] in (0, 1) and good["id"].startswith("r")
    assert not (tmp_path / "out.jsonl.partial").exists()
    assert "line" in rows[errors[0]]["error"]


def test_killed_run_resumes_to_identical_output(tiny_classifier, tmp_path):
    src = tmp_path / "in.jsonl"
    make_jsonl(src, 10_000)
    full = tmp_path / "full.jsonl"
    score_file(tiny_classifier, src, full, batch_size=128)

    out = tmp_path / "out.jsonl"

    def kill(read, total, rows):
        if rows >= 5_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(tiny_classifier, src, out, batch_size=128, on_progress=kill)
    partial = tmp_path / "out.jsonl.partial"
    assert partial.exists() and not out.exists()
    with open(partial, "ab") as f:  # a torn last line, as a kill mid-write leaves
        f.write(b'{"id": "torn", "te')
    summary = score_file(tiny_classifier, src, out, batch_size=128, resume=True)
    assert summary.resumed_from >= 5_000
    assert out.read_bytes() == full.read_bytes()


def test_csv_in_csv_out(tiny_classifier, tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "source"])
        w.writerow(["a", STATEMENTS[0], "x"])
        w.writerow(["b", "", "y"])
        w.writerow(["c", STATEMENTS[1]])  # too few fields
        w.writerow(["d", "Zeile mit, Komma und „Zitat“", "z"])
    with open(src, "ab") as f:
        f.write(b"e,\xff\xfe kaputt,q\r\n")
    summary = score_file(tiny_classifier, src, out)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert summary.failed == 3
    assert rows[0]["error"] == "" and rows[0]["score_warning"] and "labels" in rows[0]
    assert "empty" in rows[1]["error"] and "fields" in rows[2]["error"] and "undecodable" in rows[4]["error"]
    assert rows[3]["text"] == "Zeile mit, Komma und „Zitat“"


def test_fatal_errors(tiny_classifier, tmp_path):
    with pytest.raises(ScoreError, match="not found"):
        score_file(tiny_classifier, tmp_path / "missing.jsonl", tmp_path / "o.jsonl")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(ScoreError, match="--format"):
        score_file(tiny_classifier, tmp_path / "x.txt", tmp_path / "o.txt")
    (tmp_path / "h.csv").write_text("id,body\n1,hallo\n")
    with pytest.raises(ScoreError, match="no column 'text'"):
        score_file(tiny_classifier, tmp_path / "h.csv", tmp_path / "o.csv")


def test_cli_exit_codes(tiny_run, tiny_base, tmp_path, monkeypatch):
    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    src = tmp_path / "in.jsonl"
    make_jsonl(src, 200, bad_share=0.05)
    model = str(tiny_run[1])
    runner = CliRunner()
    ok = runner.invoke(app, ["score", str(src), "-o", str(tmp_path / "o.jsonl"), "--model", model, "-q", "--precision", "fp32"])
    assert ok.exit_code == 0, ok.output
    assert "200 rows" in ok.output and "10 failed" in ok.output
    strict = runner.invoke(app, ["score", str(src), "-o", str(tmp_path / "o2.jsonl"), "--model", model, "-q", "--strict"])
    assert strict.exit_code == 1
    fatal = runner.invoke(app, ["score", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o3.jsonl"), "--model", model])
    assert fatal.exit_code == 2 and "Error: Input file not found" in fatal.output
    bad_option = runner.invoke(app, ["score", str(src), "-o", str(tmp_path / "o4.jsonl"), "--model", model, "--batch-size", "0"])
    assert bad_option.exit_code == 2


def test_segment_mode_writes_one_row_per_statement(tiny_classifier, tmp_path):
    from conftest import REPO

    from tonlage.model.scoring import segment_file

    article = (REPO / "seeds" / "kasachstan-2022-01.txt").read_text(encoding="utf-8")
    src, out = tmp_path / "docs.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "kz", "text": article}, ensure_ascii=False) + "\n" + '{"id": "leer", "text": ""}\n', encoding="utf-8")
    summary = segment_file(tiny_classifier, src, out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    statements = [r for r in rows if r["id"] == "kz"]
    assert [r["statement"] for r in statements] == list(range(len(statements))) and len(statements) > 10
    assert all(article[r["start"] : r["end"]] == r["text"] for r in statements)
    assert rows[-1] == {"id": "leer", "error": "line 2: field 'text' is empty"}
    assert (summary.rows, summary.scored, summary.failed) == (2, 1, 1)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_segment_mode_resume_after_a_kill_is_byte_identical(tiny_classifier, tmp_path, fmt):
    from conftest import REPO

    from tonlage.model.scoring import PARTIAL_SUFFIX, segment_file

    articles = [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests" / "fixtures" / "articles").glob("*.txt"))[:4]]
    docs = [{"id": f"d{i}", "text": text} for i, text in enumerate(articles)]
    docs.insert(2, {"id": "leer", "text": ""})
    src = tmp_path / f"docs.{fmt}"
    if fmt == "jsonl":
        src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    else:
        with open(src, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "text"])
            writer.writeheader()
            writer.writerows(docs)
    full = tmp_path / f"full.{fmt}"
    segment_file(tiny_classifier, src, full)
    data = full.read_bytes()
    # killed in the middle of the fourth document, with a torn last line
    cut = data.index(b"d3") + 40
    out = tmp_path / f"out.{fmt}"
    with pytest.raises(KeyboardInterrupt):  # a real interrupted run leaves the partial file and its record
        segment_file(tiny_classifier, src, out, on_progress=_interrupt)
    out.with_name(out.name + PARTIAL_SUFFIX).write_bytes(data[:cut])
    summary = segment_file(tiny_classifier, src, out, resume=True)
    assert out.read_bytes() == data
    assert summary.resumed_from == 3  # d0, d1, the empty document; d2, the last one seen, is scored again
    assert (summary.rows, summary.scored, summary.failed) == (5, 4, 1)
    assert not out.with_name(out.name + PARTIAL_SUFFIX).exists()


# -- regressions: nothing lost, nothing overwritten ---------------------------------------------------


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_input_fields_are_never_overwritten(tiny_classifier, tmp_path):
    gold = [{"id": "a", "text": STATEMENTS[0], "labels": ["warning"]}, {"id": "b", "text": STATEMENTS[1], "labels": []}]
    src, out = _jsonl(tmp_path / "test.jsonl", gold), tmp_path / "out.jsonl"
    with pytest.raises(ScoreError, match=r"already has a field 'labels'.*--prefix"):
        score_file(tiny_classifier, src, out)
    assert not out.exists()
    score_file(tiny_classifier, src, out, prefix="pred_")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["labels"] for r in rows] == [["warning"], []]  # the gold labels survive
    assert all(set(r) == {"id", "text", "labels", "pred_labels", "pred_scores"} for r in rows)
    csv_src = tmp_path / "gold.csv"
    csv_src.write_text("id,text,labels\r\na,Danke für die Hilfe,gratitude\r\n", encoding="utf-8")
    with pytest.raises(ScoreError, match="'labels'"):
        score_file(tiny_classifier, csv_src, tmp_path / "gold-out.csv")
    score_file(tiny_classifier, csv_src, tmp_path / "gold-out.csv", prefix="pred_")
    with open(tmp_path / "gold-out.csv", newline="", encoding="utf-8") as f:
        header, row = list(csv.reader(f))
    assert header[:5] == ["id", "text", "labels", "pred_labels", "pred_score_warning"] and header[-1] == "pred_error"
    assert row[2] == "gratitude"


def test_a_second_run_on_the_same_output_is_refused(tiny_classifier, tmp_path):
    import fcntl

    src, out = _jsonl(tmp_path / "in.jsonl", [{"text": STATEMENTS[0]}]), tmp_path / "out.jsonl"
    with open(tmp_path / "out.jsonl.lock", "w") as held:  # what the first run holds while it writes
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ScoreError, match="another tonlage score is writing .*out.jsonl"):
            score_file(tiny_classifier, src, out)
    assert not out.exists()
    score_file(tiny_classifier, src, out)  # released: the next run goes ahead and removes the lock file
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 and not (tmp_path / "out.jsonl.lock").exists()


def test_resume_refuses_a_partial_made_from_another_input(tiny_classifier, tmp_path):
    first = _jsonl(tmp_path / "first.jsonl", [{"id": i, "text": STATEMENTS[i % 4]} for i in range(6)])
    other = _jsonl(tmp_path / "other.jsonl", [{"id": i, "text": STATEMENTS[(i + 1) % 4]} for i in range(9)])
    out = tmp_path / "out.jsonl"

    def stop(read, total, rows):
        if rows >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(tiny_classifier, first, out, batch_size=1, on_progress=stop)
    with pytest.raises(ScoreError, match=r"Cannot resume.*input_size: \d+ then, \d+ now"):
        score_file(tiny_classifier, other, out, resume=True)
    with pytest.raises(ScoreError, match="text_field: 'text' then, 'body' now"):
        score_file(tiny_classifier, first, out, resume=True, text_field="body")
    assert not out.exists()
    summary = score_file(tiny_classifier, first, out, resume=True)
    assert (summary.resumed_from, summary.rows) == (3, 6)


def test_csv_resume_torn_inside_a_multiline_field_keeps_the_next_record(tiny_classifier, tmp_path):
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(6):
            w.writerow([f"r{i}", f"{STATEMENTS[i % 4]}\nzweite Zeile {i}\ndritte Zeile"])
    full = tmp_path / "full.csv"
    score_file(tiny_classifier, src, full)
    data = full.read_bytes()
    cut = data.index(b"zweite Zeile 3") + len(b"zweite Zeile 3\n")  # the kill left r3's text open at a line end
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        score_file(tiny_classifier, src, out, on_progress=_interrupt)
    (tmp_path / "out.csv.partial").write_bytes(data[:cut])
    summary = score_file(tiny_classifier, src, out, resume=True)
    assert summary.resumed_from == 3 and summary.rows == 6
    assert out.read_bytes() == data


def test_an_input_named_like_the_partial_is_refused_and_kept(tiny_classifier, tmp_path):
    src = _jsonl(tmp_path / "data.jsonl.partial", [{"text": STATEMENTS[0]}])
    before = src.read_bytes()
    for target in ("data.jsonl", "data.jsonl.partial"):
        with pytest.raises(ScoreError, match="choose another -o"):
            score_file(tiny_classifier, src, tmp_path / target, fmt="jsonl", resume=True)
    assert src.read_bytes() == before and not (tmp_path / "data.jsonl").exists()
