"""Side-by-side speed, memory and quality benchmark: naive transformers vs. Tonlage's score path.

Everything is measured in one run on the same statements, so ratios are meaningful on a shared,
noisy machine even where absolute times are not.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tonlage.eval.provenance import display_path
from tonlage.model.artifact import DEFAULT_ARTIFACT
from tonlage.model.classifier import Classifier
from tonlage.model.scoring import score_file
from tonlage.training.corpus import read_jsonl
from tonlage.training.metrics import label_scores, multi_hot

DEFAULT_DATA = Path("training/data/test.jsonl")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def repeat_to(texts: list[str], n: int) -> list[str]:
    """``texts`` repeated (in order) until there are at least ``n``."""
    reps = -(-n // len(texts))
    return (texts * reps)[: max(n, len(texts))]


def measure_score_path(classifier: Classifier, texts: list[str], batch_size: int) -> tuple[float, list[list[str]]]:
    """Statements/s of ``score_file`` on a JSONL of ``texts``, and its labels per row."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
        started = time.perf_counter()
        score_file(classifier, src, out, batch_size=batch_size)
        seconds = time.perf_counter() - started
        labels = [json.loads(line)["labels"] for line in out.read_text(encoding="utf-8").splitlines()]
    return len(texts) / seconds, labels


def measure_latency(classifier: Classifier, texts: list[str], runs: int = 40) -> tuple[float, float]:
    """Warm single-statement latency in ms (p50, p95)."""
    classifier.predict_proba(texts[:1])
    times = []
    for i in range(runs):
        started = time.perf_counter()
        classifier.predict_proba([texts[i % len(texts)]])
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def measure_naive(base_dir: Path, texts: list[str]) -> float:
    """Statements/s of plain transformers: full 18-layer model, fp32, batch size 1, in input order."""
    import torch
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging

    from tonlage.model.base import load_tokenizer

    logging.set_verbosity_error()
    model = AutoModelForSequenceClassification.from_pretrained(base_dir, num_labels=4, dtype=torch.float32, local_files_only=True).eval()
    tokenizer = load_tokenizer(base_dir)
    with torch.no_grad():
        model(**tokenizer(texts[0], return_tensors="pt"))
        started = time.perf_counter()
        for text in texts:
            model(**tokenizer(text, return_tensors="pt"))
        return len(texts) / (time.perf_counter() - started)


def measure_cold_start(model_dir: Path | None, runs: int = 2) -> float:
    """Wall time of ``tonlage classify "…" --json`` as a fresh process (best of ``runs``; caches warm)."""
    command = [sys.executable, "-m", "tonlage", "classify", "Wir warnen vor den Folgen.", "--json"]
    if model_dir is not None:
        command += ["--model", str(model_dir)]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def bench(
    model_dir: str | Path | None = None,
    data: str | Path = DEFAULT_DATA,
    n: int = 1000,
    naive_n: int | None = None,
    precision: str = "bf16",
    batch_size: int = 64,
    cold_start: bool = True,
) -> dict:
    """Run the benchmark and return one flat dict of figures.

    Args:
        model_dir: Artifact folder (default: the shipped model).
        data: Corpus JSONL (text + labels); its texts are repeated to at least ``n``.
        n: Statements for the throughput runs.
        naive_n: Statements for the (slow) naive run; defaults to ``n``.
        precision: Precision of the optimised path.
        batch_size: Rows per batch of the score path.
        cold_start: Also time a whole ``tonlage classify`` process.
    """
    import torch

    from tonlage.model.base import ensure_base_model

    records = read_jsonl(data)
    texts = [r["text"] for r in records]
    corpus = repeat_to(texts, n)
    base = ensure_base_model()
    threads = torch.get_num_threads()

    load_started = time.perf_counter()
    fast = Classifier.from_dir(model_dir, precision=precision)
    load_s = time.perf_counter() - load_started
    labels = fast.labels
    gold = multi_hot([r["labels"] for r in records], labels)
    speed, predicted = measure_score_path(fast, corpus, batch_size)
    p50, p95 = measure_latency(fast, texts)
    peak_rss = _peak_rss_mb()  # before any reference model is loaded
    fast_pred = multi_hot(predicted[: len(texts)], labels)
    fast_scores = label_scores(gold, fast_pred, labels)
    mean_tokens = float(np.mean([len(ids) for ids in fast.tokenizer(texts)["input_ids"]]))
    del fast

    reference = Classifier.from_dir(model_dir, precision="fp32")
    ref_pred = multi_hot(reference.predict(texts), labels)
    ref_scores = label_scores(gold, ref_pred, labels)
    del reference

    naive_speed = measure_naive(base, corpus[: naive_n or n])
    result = {
        "speedup": round(speed / naive_speed, 2),
        "statements_per_s": round(speed, 2),
        "naive_statements_per_s": round(naive_speed, 2),
        "macro_f1": round(fast_scores["macro_f1"], 4),
        "naive_macro_f1": round(ref_scores["macro_f1"], 4),
        "label_agreement_with_fp32": round(float((fast_pred == ref_pred).mean()), 4),
        "peak_rss_mb": round(peak_rss, 1),
        "cold_start_s": round(measure_cold_start(Path(model_dir) if model_dir else None), 2) if cold_start else None,
        "latency_ms_p50": round(p50, 1),
        "latency_ms_p95": round(p95, 1),
        "load_s": round(load_s, 2),
        "precision": precision,
        "statements": len(corpus),
        "naive_statements": len(corpus[: naive_n or n]),
        "mean_tokens": round(mean_tokens, 1),
        "threads": threads,
        "model": display_path(model_dir or DEFAULT_ARTIFACT),  # committed: no machine paths
        "data": display_path(data),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    }
    return result


def markdown_table(result: dict) -> str:
    """The README table for a bench result."""
    rows = [
        (f"statements/s (score path, {result['precision']})", result["statements_per_s"]),
        ("statements/s (naive: transformers fp32, 18 layers, batch 1)", result["naive_statements_per_s"]),
        ("speedup", f"{result['speedup']}x"),
        ("warm latency p50 / p95 (ms)", f"{result['latency_ms_p50']} / {result['latency_ms_p95']}"),
        ("cold start of `tonlage classify` (s)", result["cold_start_s"]),
        ("peak RSS of the score path (MB)", result["peak_rss_mb"]),
        ("macro-F1 optimised / fp32 (test split)", f"{result['macro_f1']} / {result['naive_macro_f1']}"),
        ("label agreement with fp32", result["label_agreement_with_fp32"]),
    ]
    lines = ["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)
