"""Load benchmark of `tonlage serve` on loopback: throughput and latency with and without micro-batching.

For each batching setting a live server is started as a subprocess (``python -m tonlage serve``), then
1, 8 and 32 concurrent clients send single statements for a fixed time each. Reported per run:
requests/s, p50/p99 latency, errors (must be 0) and the server's peak RSS. A benchmark, not a test::

    nice -n 15 python -m tonlage.eval.serve_bench [--model DIR] [--seconds 10] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from tonlage.training.corpus import read_jsonl

logger = logging.getLogger(__name__)
TEST_SPLIT = Path(__file__).resolve().parent.parent / "training" / "data" / "test.jsonl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, batch_size: int, model: Path | None, timeout: float = 600.0) -> subprocess.Popen:
    """A `tonlage serve` subprocess on 127.0.0.1:``port``, returned once /healthz answers."""
    command = [sys.executable, "-m", "tonlage", "-q", "serve", "--port", str(port), "--batch-size", str(batch_size)]
    if model is not None:
        command += ["--model", str(model)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise TimeoutError("the server did not start in time")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def client_loop(port: int, texts: list[str], offset: int, until: float, latencies: list[float], errors: list[str]) -> None:
    """One client: POST one statement at a time over a keep-alive connection until ``until``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = offset
    while time.monotonic() < until:
        body = json.dumps({"texts": [texts[i % len(texts)]]})
        started = time.perf_counter()
        try:
            connection.request("POST", "/v1/classify", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200 or len(json.loads(payload)["results"]) != 1:
                errors.append(f"HTTP {response.status}: {payload[:200]!r}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(repr(exc))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies.append(time.perf_counter() - started)
        i += 1
    connection.close()


def run_load(port: int, texts: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads for ``seconds``; throughput, p50/p99 latency (ms) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(port, texts, 97 * c, until, latencies, errors)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
        "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def bench(model: Path | None, seconds: float, clients: list[int], batch_sizes: list[int]) -> list[dict]:
    """Every (batch size, clients) run, a fresh server per batch size."""
    texts = [r["text"] for r in read_jsonl(TEST_SPLIT)]
    rows = []
    for batch_size in batch_sizes:
        port = free_port()
        server = start_server(port, batch_size, model)
        try:
            run_load(port, texts, 2, min(3.0, seconds))  # warm-up, not reported
            for n in clients:
                row = run_load(port, texts, n, seconds)
                row.update(batch_size=batch_size, peak_rss_mb=round(peak_rss_mb(server.pid), 0))
                logger.info("%s", row)
                rows.append(row)
        finally:
            server.terminate()
            server.wait(30)
    return rows


def markdown(rows: list[dict]) -> str:
    """The runs as a Markdown table, plus the batching speed-up at the largest client count."""
    lines = ["| batch size | clients | requests/s | p50 ms | p99 ms | errors | peak RSS MiB |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['batch_size']} | {r['clients']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | {r['peak_rss_mb']:.0f} |"
              for r in rows]
    most = max(r["clients"] for r in rows)
    by_batch = {r["batch_size"]: r["rps"] for r in rows if r["clients"] == most}
    if 1 in by_batch and len(by_batch) > 1:
        best = max(b for b in by_batch if b != 1)
        lines.append(f"\nMicro-batching (batch {best}) vs none at {most} clients: {by_batch[best] / by_batch[1]:.1f}x the throughput.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="artifact folder (default: the shipped model)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--batch-sizes", default="32,1", help="comma-separated server batch sizes (1: no micro-batching)")
    parser.add_argument("--out", type=Path, default=None, help="write the runs as JSON here too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    rows = bench(args.model, args.seconds, [int(c) for c in args.clients.split(",")], [int(b) for b in args.batch_sizes.split(",")])
    print(markdown(rows))
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
