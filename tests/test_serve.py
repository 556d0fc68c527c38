"""The HTTP API on the tiny model through FastAPI's TestClient: results, errors, limits, auth, batching."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import REPO

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from tonlage.serve.app import ServeSettings, create_app  # noqa: E402
from tonlage.serve.batcher import MicroBatcher  # noqa: E402

LABELS = ["warning", "insult", "sarcasm", "gratitude"]
TEXTS = ["Wer unsere rote Linie überschreitet, wird das bereuen.", "Herzlichen Dank an unsere Partner.", "Diese Marionetten haben nichts zu sagen."]


@pytest.fixture
def make_client(tiny_classifier, tiny_run):
    clients = []

    def make(**settings) -> TestClient:
        client = TestClient(create_app(tiny_classifier, tiny_run[1], ServeSettings(**settings)))
        client.__enter__()  # runs the lifespan: the batcher starts on the app's loop
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def test_health_page_and_model_info(client, tiny_run):
    assert client.get("/healthz").json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js">' in page.text
    assert client.get("/static/app.js").status_code == 200
    info = client.get("/v1/model").json()
    assert info["name"] == "model" and len(info["hash"]) == 16
    assert info["labels"] == LABELS and set(info["thresholds"]) == set(LABELS)
    metrics_file = tiny_run[1] / "metrics.json"
    assert info["metrics"] == (json.loads(metrics_file.read_text()) if metrics_file.exists() else None)
    assert "api_key" not in info["limits"] and info["limits"]["max_texts"] == 64


def test_classify_matches_the_library_and_applies_thresholds(client, tiny_classifier):
    from tonlage.model.article import classify_texts

    body = client.post("/v1/classify", json={"texts": TEXTS}).json()
    expected = classify_texts(tiny_classifier, TEXTS)
    assert [r["text"] for r in body["results"]] == TEXTS
    for got, want in zip(body["results"], expected):
        assert got["labels"] == want["labels"]
        assert got["scores"] == pytest.approx(want["scores"], abs=2e-4)
        assert "explanations" not in got
    everything = client.post("/v1/classify", json={"texts": TEXTS[:1], "thresholds": dict.fromkeys(LABELS, 0.0)}).json()
    assert everything["results"][0]["labels"] == LABELS  # every probability is >= 0
    nothing = client.post("/v1/classify", json={"texts": TEXTS[:1], "thresholds": dict.fromkeys(LABELS, 1.0)}).json()
    assert nothing["results"][0]["labels"] == []


def test_explanations_point_at_words_of_the_text(client):
    result = client.post("/v1/classify", json={"texts": TEXTS[:1], "explain": True}).json()["results"][0]
    assert set(result["explanations"]) == set(LABELS)
    listed = [w for words in result["explanations"].values() for w in words]
    assert listed, "a random model still moves some score when a word goes"
    for words in result["explanations"].values():
        assert len(words) <= 3
        assert [w["weight"] for w in words] == sorted((w["weight"] for w in words), reverse=True)
        for w in words:
            assert TEXTS[0][w["start"] : w["end"]] == w["word"] and w["weight"] > 0


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "texts"]),
        ({"texts": "ein Satz"}, ["body", "texts"]),
        ({"texts": []}, ["body", "texts"]),
        ({"texts": ["gut", "  "]}, ["body", "texts", 1]),
        ({"texts": ["gut", 3]}, ["body", "texts", 1]),
        ({"texts": ["gut"], "thresholds": {"sarcasm": 1.5}}, ["body", "thresholds", "sarcasm"]),
        ({"texts": ["gut"], "thresholds": {"anger": 0.5}}, ["body", "thresholds", "anger"]),
        ({"texts": ["gut"], "explain": "vielleicht"}, ["body", "explain"]),
        ({"texts": ["gut"], "colour": "red"}, ["body", "colour"]),
    ],
)
def test_validation_errors_are_422_naming_the_field(client, body, loc):
    response = client.post("/v1/classify", json=body)
    assert response.status_code == 422
    assert loc in [d["loc"] for d in response.json()["detail"]]


def test_invalid_json_and_empty_article_are_422(client):
    response = client.post("/v1/classify", content=b"{texts: nope", headers={"content-type": "application/json"})
    assert response.status_code == 422
    article = client.post("/v1/articles", json={"text": "   "})
    assert article.status_code == 422 and article.json()["detail"][0]["loc"] == ["body", "text"]


def test_limits_are_413_with_the_limit_in_the_message(make_client):
    client = make_client(max_texts=3, max_chars=40, max_article_chars=60, max_body_bytes=2000)
    too_many = client.post("/v1/classify", json={"texts": ["a", "b", "c", "d"]})
    assert too_many.status_code == 413 and "at most 3 texts per request, got 4" in too_many.json()["detail"]
    too_long = client.post("/v1/classify", json={"texts": ["kurz", "x" * 41]})
    assert too_long.status_code == 413 and too_long.json()["detail"] == "texts[1]: at most 40 characters, got 41"
    assert client.post("/v1/classify", json={"texts": ["x" * 40]}).status_code == 200  # the limit itself is allowed
    article = client.post("/v1/articles", json={"text": "y" * 61})
    assert article.status_code == 413 and "at most 60 characters" in article.json()["detail"]
    big = client.post("/v1/classify", content=json.dumps({"texts": ["z" * 3000]}), headers={"content-type": "application/json"})
    assert big.status_code == 413 and "at most 2000 bytes" in big.json()["detail"]

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        for _ in range(5):
            yield b" " * 500

    streamed = client.post("/v1/classify", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and "at most 2000 bytes" in streamed.json()["detail"]


def test_api_key(make_client):
    client = make_client(api_key="s3cret-ß")
    assert client.post("/v1/classify", json={"texts": ["gut"]}).status_code == 401
    wrong = client.post("/v1/classify", json={"texts": ["gut"]}, headers={"Authorization": "Bearer s3cret"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/model").status_code == 401
    assert client.post("/v1/classify", json={"texts": ["gut"]}, headers={"Authorization": "Bearer s3cret-ß".encode()}).status_code == 200
    assert client.get("/v1/model", headers={"X-API-Key": "s3cret-ß".encode()}).status_code == 200
    assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200


def test_article_statements_carry_speaker_and_offsets(client):
    article = (REPO / "seeds" / "kasachstan-2022-01.txt").read_text(encoding="utf-8")
    body = client.post("/v1/articles", json={"text": article, "explain": True}).json()
    statements = body["statements"]
    assert len(statements) > 10 and body["labels"] == LABELS
    for s in statements:
        assert article[s["start"] : s["end"]] == s["text"]
        assert s["kind"] in {"quote", "reported", "narrative"} and set(s["explanations"]) == set(LABELS)
    assert any(s["speaker"] and "Blinken" in s["speaker"] for s in statements)


def test_concurrent_requests_are_batched_and_match_one_by_one(make_client):
    texts = [f"{TEXTS[i % 3]} Runde {i}." for i in range(20)]
    one_by_one = make_client(max_batch=1)
    alone = [one_by_one.post("/v1/classify", json={"texts": [t]}).json()["results"][0] for t in texts]
    client = make_client(max_batch=32, max_wait_ms=100)
    batcher = client.app.state.batcher
    with ThreadPoolExecutor(max_workers=20) as pool:
        together = list(pool.map(lambda t: client.post("/v1/classify", json={"texts": [t]}).json()["results"][0], texts))
    assert batcher.stats.texts == 20 and batcher.stats.batches < 20 and batcher.stats.largest > 1
    for a, b in zip(alone, together):
        assert a["text"] == b["text"] and a["labels"] == b["labels"]
        assert a["scores"] == pytest.approx(b["scores"], abs=2e-4)


def test_one_failing_request_does_not_fail_the_others():
    def score(texts: list[str]) -> np.ndarray:
        if "BOOM" in texts:
            raise RuntimeError("bad input")
        return np.array([[len(t)] for t in texts], dtype=np.float32)

    async def main():
        batcher = MicroBatcher(score, max_batch=8, max_wait_ms=50)
        results = await asyncio.gather(
            batcher.submit(["ab"]), batcher.submit(["BOOM"]), batcher.submit(["abcd", "a"]), return_exceptions=True
        )
        await batcher.stop()
        return results, batcher.stats

    (first, failed, third), stats = asyncio.run(main())
    assert first.tolist() == [[2.0]] and third.tolist() == [[4.0], [1.0]]
    assert isinstance(failed, RuntimeError) and str(failed) == "bad input"
    assert stats.failures == 2  # the joint batch, then BOOM alone


def test_batcher_caps_a_batch_at_max_batch():
    async def main():
        batcher = MicroBatcher(lambda texts: np.zeros((len(texts), 1)), max_batch=4, max_wait_ms=50)
        await asyncio.gather(*(batcher.submit([str(i)]) for i in range(10)))
        await batcher.stop()
        return batcher.stats.sizes

    assert asyncio.run(main()) == [4, 4, 2]


def test_docs_are_served_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/v1/classify", "/v1/articles", "/v1/model", "/healthz"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    if pytest.importorskip("fastapi_offline"):
        assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text.lower()
        assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_cli_help_does_not_import_fastapi():
    code = "import sys; from tonlage.cli import app; assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_serve_refuses_a_missing_api_key_variable(monkeypatch):
    from typer.testing import CliRunner

    from tonlage.cli import app

    monkeypatch.delenv("TONLAGE_TEST_KEY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--api-key-env", "TONLAGE_TEST_KEY"])
    assert result.exit_code == 2 and "--api-key-env TONLAGE_TEST_KEY: the environment variable is not set" in result.output
