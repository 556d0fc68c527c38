"""Parquet in and out of `tonlage score`: columns kept, typed score columns, error rows, atomic output, no resume."""

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tonlage.model.scoring import ScoreError, score_file, segment_file

TEXTS = [
    "Wir warnen Moskau ausdrücklich vor weiteren Schritten",
    "Herzlichen Dank an unsere Partner für die schnelle Hilfe",
    "",
    None,
    "Danke für nichts, liebe Freunde in Brüssel",
]


def _parquet_input(path, n_groups=3, per_group=5):
    """n_groups row groups of per_group rows; row i has text TEXTS[i % 5] (rows 2, 3 mod 5 cannot be scored)."""
    schema = pa.schema([("id", pa.int64()), ("text", pa.string()), ("when", pa.timestamp("s")), ("tags", pa.list_(pa.string()))])
    with pq.ParquetWriter(path, schema) as writer:
        for g in range(n_groups):
            ids = list(range(g * per_group, (g + 1) * per_group))
            writer.write_table(pa.table({
                "id": ids, "text": [TEXTS[i % 5] for i in ids],
                "when": [dt.datetime(2024, 1, 1) + dt.timedelta(days=i) for i in ids], "tags": [["x", str(i)] for i in ids],
            }, schema=schema))
    return path


def test_parquet_in_parquet_out_keeps_columns_and_types(tiny_classifier, tmp_path):
    src, out = _parquet_input(tmp_path / "in.parquet"), tmp_path / "out.parquet"
    summary = score_file(tiny_classifier, src, out, batch_size=4)
    table = pq.read_table(out)
    labels = tiny_classifier.labels
    assert table.schema.names == ["id", "text", "when", "tags", "labels", *(f"score_{x}" for x in labels), "error"]
    # Parquet stores a timestamp[s] column as timestamp[ms]; the output keeps what the input file holds.
    assert table.schema.field("when").type == pa.timestamp("ms") and table.schema.field("id").type == pa.int64()
    assert table.schema.field("labels").type == pa.list_(pa.string())
    assert all(table.schema.field(f"score_{x}").type == pa.float64() for x in labels)
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == list(range(15))
    assert rows[7]["when"] == dt.datetime(2024, 1, 8) and rows[7]["tags"] == ["x", "7"]
    assert (summary.rows, summary.scored, summary.failed) == (15, 9, 6)
    failed = [r["id"] for r in rows if r["error"]]
    assert failed == [2, 3, 7, 8, 12, 13]
    assert rows[2]["error"] == "row 3: field 'text' is empty"
    assert rows[3]["error"] == "row 4: field 'text' is NoneType, not a string"
    assert rows[2]["labels"] is None and rows[2][f"score_{labels[0]}"] is None
    good = rows[0]
    assert good["error"] is None and all(0.0 <= good[f"score_{x}"] <= 1.0 for x in labels)
    assert not (tmp_path / "out.parquet.partial").exists() and not (tmp_path / "out.parquet.lock").exists()


def test_parquet_scores_match_the_jsonl_run(tiny_classifier, tmp_path):
    src = _parquet_input(tmp_path / "in.parquet", n_groups=1)
    score_file(tiny_classifier, src, tmp_path / "out.parquet")
    score_file(tiny_classifier, src, tmp_path / "out.jsonl")
    from_parquet = pq.read_table(tmp_path / "out.parquet").to_pylist()
    from_jsonl = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert from_jsonl[0]["when"] == "2024-01-01 00:00:00"  # a timestamp JSON has no type for, as text
    for p, j in zip(from_parquet, from_jsonl):
        assert p["id"] == j["id"]
        if "error" in j:
            assert p["error"] == j["error"]
            continue
        assert p["labels"] == j["labels"]
        assert {x: p[f"score_{x}"] for x in tiny_classifier.labels} == j["scores"]


def test_jsonl_and_csv_into_parquet(tiny_classifier, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": 1, "text": "Danke f\xc3\xbcr die Hilfe", "n": 1, "x": 1.5, "mixed": 1}\n'
        b"{not json\n"
        b'{"id": 3, "text": "Wir warnen Moskau", "n": 2, "x": 2, "mixed": "a", "extra": [1, 2]}\n'
    )
    score_file(tiny_classifier, src, tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    types = {f.name: f.type for f in table.schema}
    assert types["id"] == pa.int64() and types["n"] == pa.int64() and types["x"] == pa.float64()
    assert types["mixed"] == pa.string() and types["extra"] == pa.string()
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [1, None, 3]
    assert rows[2]["mixed"] == "a" and rows[0]["mixed"] == "1" and rows[2]["extra"] == "[1, 2]"
    assert rows[1]["error"].startswith("line 2: invalid JSON")
    csv_src = tmp_path / "in.csv"
    csv_src.write_text("id,text\r\na,Danke für die Hilfe\r\nb,\r\n", encoding="utf-8")
    score_file(tiny_classifier, csv_src, tmp_path / "csv.parquet")
    rows = pq.read_table(tmp_path / "csv.parquet").to_pylist()
    assert [r["id"] for r in rows] == ["a", "b"] and rows[1]["error"] == "line 3: field 'text' is empty"


def test_parquet_segment_mode(tiny_classifier, tmp_path):
    src = tmp_path / "articles.parquet"
    pq.write_table(pa.table({"id": ["a1", "a2"], "text": ["Der Minister sagte: „Wir danken Ihnen.“ Dann ging er.", "   "]}), src)
    summary = segment_file(tiny_classifier, src, tmp_path / "out.parquet")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert summary.rows == 2 and summary.failed == 1
    assert rows[-1]["id"] == "a2" and rows[-1]["error"] == "row 2: field 'text' is empty"
    statements = [r for r in rows if r["id"] == "a1"]
    assert [r["statement"] for r in statements] == list(range(len(statements))) and statements


def test_parquet_fatal_errors_and_no_resume(tiny_classifier, tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ScoreError, match="not a readable Parquet file"):
        score_file(tiny_classifier, bad, tmp_path / "o.parquet")
    numbers = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), numbers)
    with pytest.raises(ScoreError, match="column 'text' .* holds int64, not strings"):
        score_file(tiny_classifier, numbers, tmp_path / "o.parquet")
    src, out = _parquet_input(tmp_path / "in.parquet"), tmp_path / "out.parquet"

    def stop(read, total, rows):
        if rows >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(tiny_classifier, src, out, on_progress=stop)
    assert (tmp_path / "out.parquet.partial").exists() and not out.exists()
    with pytest.raises(ScoreError, match="Cannot resume out.parquet.partial: a Parquet file is unreadable"):
        score_file(tiny_classifier, src, out, resume=True)
    assert score_file(tiny_classifier, src, out).rows == 15  # without --resume it starts over
    assert pq.read_table(out).num_rows == 15


def test_cli_parquet(tiny_run, tiny_base, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tonlage.cli import app

    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    src = _parquet_input(tmp_path / "in.parquet")
    result = CliRunner().invoke(app, ["score", str(src), "-o", str(tmp_path / "o.parquet"), "--model", str(tiny_run[1]), "-q"])
    assert result.exit_code == 0, result.output
    assert "15 rows" in result.output and "6 failed" in result.output
