"""`--engine ray`: the same rows, labels and scores as the local path, every row once even when an actor dies."""

import json
import sys

import pytest

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

from tonlage.model.scoring import ScoreError, score_file, segment_file  # noqa: E402
from tonlage.ray_backend import CRASH_ENV, SUMMARY, score_corpus  # noqa: E402

STATEMENTS = [
    "Wir warnen Moskau ausdrücklich vor weiteren Schritten",
    "Herzlichen Dank an unsere Partner für die schnelle Hilfe",
    "Die Gespräche sollen am Dienstag in Genf fortgesetzt werden",
    "Danke für nichts, liebe Freunde in Brüssel",
]
BAD = {5: b"{not json\n", 11: b'{"id": "r11", "text": ""}\n', 17: b'{"id": "r17", "text": 42}\n', 23: b"[1, 2]\n"}


@pytest.fixture(scope="session")
def ray_local(tmp_path_factory):
    home = tmp_path_factory.getbasetemp() / "tonlage-home"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"TONLAGE_HOME": str(home)}})
    yield
    ray.shutdown()


@pytest.fixture
def engine(ray_local, tiny_run, tiny_base):
    """Options of a Ray run with the tiny model, two actors of half a CPU each (reading needs a CPU of the two too)."""
    return {"model": tiny_run[1], "base_dir": tiny_base, "precision": "fp32", "workers": 2, "cpus_per_worker": 0.5, "batch_size": 8}


def _corpus(path, n=60):
    """n JSONL rows with ids r0..r{n-1}; the rows in BAD are malformed (two of them cannot even be parsed)."""
    with open(path, "wb") as f:
        for i in range(n):
            f.write(BAD.get(i) or (json.dumps({"id": f"r{i}", "text": STATEMENTS[i % 4], "n": i}, ensure_ascii=False) + "\n").encode())
    return path


def _shard_rows(folder):
    rows = []
    for shard in sorted(folder.glob("part-*")):
        if shard.suffix == ".parquet":
            rows += pq.read_table(shard).to_pylist()
        else:
            rows += [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    return rows


def test_ray_gives_the_local_labels_and_scores_in_input_order(engine, tiny_classifier, tmp_path):
    src = _corpus(tmp_path / "in.jsonl")
    score_file(tiny_classifier, src, tmp_path / "local.jsonl", batch_size=8)
    local = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = score_corpus([src], tmp_path / "out", preserve_order=True, **engine)
    rows = _shard_rows(tmp_path / "out")
    assert (summary["rows"], summary["scored"], summary["failed"]) == (60, 56, 4)
    assert json.loads((tmp_path / "out" / SUMMARY).read_text())["rows"] == 60
    assert sum(s["rows"] for s in summary["shards"]) == 60 and all((tmp_path / "out" / s["file"]).exists() for s in summary["shards"])
    # --preserve-order: shards in name order hold the input order; unparseable lines keep their line number
    assert [r.get("id") or r.get("line") for r in rows] == [BAD.get(i) and (f"r{i}" if i in (11, 17) else i + 1) or f"r{i}" for i in range(60)]
    assert rows[5]["error"].startswith("in.jsonl: line 6: invalid JSON") and rows[23]["error"] == "in.jsonl: line 24: expected a JSON object, got list"
    assert rows[11]["error"] == "in.jsonl: line 12: field 'text' is empty"
    for ray_row, local_row in zip(rows, local):
        assert ("error" in ray_row) == ("error" in local_row)
        if "error" in local_row:
            continue
        assert ray_row["id"] == local_row["id"] and ray_row["n"] == local_row["n"]
        assert ray_row["labels"] == local_row["labels"]
        assert ray_row["scores"].keys() == local_row["scores"].keys()
        assert all(abs(ray_row["scores"][k] - v) <= 1e-6 for k, v in local_row["scores"].items())


def test_parquet_in_parquet_shards_out_match_the_local_parquet_run(engine, tiny_classifier, tmp_path):
    (tmp_path / "corpus").mkdir()
    src = tmp_path / "corpus" / "in.parquet"
    texts = [STATEMENTS[i % 4] if i % 7 else "" for i in range(40)]
    pq.write_table(pa.table({"id": list(range(40)), "text": texts}), src, row_group_size=10)
    score_file(tiny_classifier, src, tmp_path / "local.parquet", batch_size=8)
    local = {r["id"]: r for r in pq.read_table(tmp_path / "local.parquet").to_pylist()}
    summary = score_corpus([tmp_path / "corpus"], tmp_path / "out", **{**engine, "workers": 1})  # a folder as input
    rows = _shard_rows(tmp_path / "out")
    assert summary["shard_format"] == "parquet" and (summary["rows"], summary["failed"]) == (40, 6)
    assert sorted(r["id"] for r in rows) == list(range(40))
    for row in rows:
        expected = local[row["id"]]
        assert row["labels"] == expected["labels"]
        assert (row["error"] is None) == (expected["error"] is None)
        for label in tiny_classifier.labels:
            assert (row[f"score_{label}"] is None) == (expected[f"score_{label}"] is None)
            assert row[f"score_{label}"] is None or abs(row[f"score_{label}"] - expected[f"score_{label}"]) <= 1e-6
    assert pq.read_schema(next((tmp_path / "out").glob("part-*"))).field("id").type == pa.int64()


def test_a_killed_actor_is_retried_and_every_row_is_written_once(engine, tmp_path, monkeypatch):
    src = _corpus(tmp_path / "in.jsonl", n=120)
    marker = tmp_path / "crashed"
    monkeypatch.setenv(CRASH_ENV, f"16:{marker}")  # the first actor to reach 16 rows exits the process, once
    summary = score_corpus([src], tmp_path / "out", **engine)
    assert marker.exists()
    rows = _shard_rows(tmp_path / "out")
    ids = [r.get("id") or f"line{r['line']}" for r in rows]
    assert len(ids) == 120 == summary["rows"] and summary["failed"] == 4
    assert sorted(ids) == sorted(f"r{i}" if i not in (5, 23) else f"line{i + 1}" for i in range(120))


def test_segment_mode_matches_the_local_path(engine, tiny_classifier, tmp_path):
    src = tmp_path / "articles.jsonl"
    articles = [
        {"id": "a1", "text": "Der Minister sagte: „Wir danken Ihnen.“ Dann warnte er Moskau vor weiteren Schritten."},
        {"id": "a2", "text": "  "},
        {"id": "a3", "text": "Die Sprecherin erklärte, man sei enttäuscht. „Danke für nichts“, sagte sie."},
    ]
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    segment_file(tiny_classifier, src, tmp_path / "local.jsonl")
    local = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = score_corpus([src], tmp_path / "out", segment=True, preserve_order=True, **engine)
    rows = _shard_rows(tmp_path / "out")
    assert (summary["rows"], summary["failed"], summary["output_rows"]) == (3, 1, len(local))
    assert [(r["id"], r.get("statement"), r.get("labels"), r.get("scores")) for r in rows] == [
        (r["id"], r.get("statement"), r.get("labels"), r.get("scores")) for r in local
    ]


def test_a_second_run_on_the_same_folder_is_refused(engine, tmp_path):
    src = _corpus(tmp_path / "in.jsonl", n=10)
    score_corpus([src], tmp_path / "out", **engine)
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    with pytest.raises(ScoreError, match="already holds a finished run"):
        score_corpus([src], tmp_path / "out", **engine)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "part-000000-000-deadbeef.jsonl").write_text("{}\n")
    with pytest.raises(ScoreError, match="shards of an interrupted run"):
        score_corpus([src], tmp_path / "half", **engine)
    with pytest.raises(ScoreError, match="--shard-format jsonl"):
        score_corpus([src], tmp_path / "pq", shard_format="parquet", **engine)


def test_cli_engine_ray_and_the_install_hint(engine, tiny_run, tiny_base, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tonlage.cli import app
    from tonlage.ray_backend import require_ray

    monkeypatch.setenv("TONLAGE_BASE_DIR", str(tiny_base))
    src = _corpus(tmp_path / "in.jsonl", n=20)
    args = ["score", str(src), "-o", str(tmp_path / "out"), "--model", str(tiny_run[1]), "--precision", "fp32"]
    result = CliRunner().invoke(app, [*args, "--engine", "ray", "--workers", "1", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert "20 rows" in result.output and "3 failed" in result.output  # rows 5, 11 and 17 of BAD and (tmp_path / "out" / SUMMARY).exists()
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ScoreError, match=r'pip install -e "\.\[ray\]"'):
        require_ray()
    missing = CliRunner().invoke(app, [*args[:3], str(tmp_path / "out2"), *args[4:], "--engine", "ray"])
    assert missing.exit_code == 2 and "needs Ray, which is not installed" in missing.output
