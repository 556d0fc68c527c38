"""Micro-batching: texts from concurrent requests share one forward pass.

Requests put their texts on an asyncio queue. One collector task takes the first waiting job, gathers
more for up to ``max_wait_ms`` or until ``max_batch`` texts are collected, and scores them all in a
worker thread (the event loop keeps serving). Each request gets back exactly its own rows. If a joint
batch fails, its jobs are rerun one by one, so a bad request fails alone and never takes others with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    texts: list[str]
    future: asyncio.Future


@dataclass
class BatchStats:
    """Counters for tests and the benchmark: forward passes run and texts scored."""

    batches: int = 0
    texts: int = 0
    largest: int = 0
    failures: int = 0
    sizes: list[int] = field(default_factory=list)


class MicroBatcher:
    """Collects texts from concurrent callers and scores them together.

    Args:
        score: Maps a list of texts to an array with one row per text; runs in a worker thread.
        max_batch: Most texts per forward pass (1 disables batching). A single job larger than
            this still runs whole, alone.
        max_wait_ms: How long the first job of a batch waits for company.
    """

    def __init__(self, score: Callable[[list[str]], np.ndarray], max_batch: int = 32, max_wait_ms: float = 5.0):
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self._score = score
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tonlage-infer")

    def start(self) -> None:
        """Start the collector on the running event loop (also done lazily by :meth:`submit`)."""
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="tonlage-batcher")

    async def stop(self) -> None:
        """Stop collecting; waiting jobs are cancelled."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def submit(self, texts: Sequence[str]) -> np.ndarray:
        """Score ``texts`` (together with whatever else is waiting) and return their rows."""
        self.start()
        assert self._queue is not None
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(list(texts), future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].texts)
            deadline = loop.time() + self.max_wait
            while size < self.max_batch:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    break
                jobs.append(job)
                size += len(job.texts)
            # A job that would overflow the batch is still taken: it already left the queue, and
            # holding it back would reorder requests; the overshoot is at most one job.
            await self._dispatch(loop, [j for j in jobs if not j.future.cancelled()])

    async def _dispatch(self, loop: asyncio.AbstractEventLoop, jobs: list[_Job]) -> None:
        if not jobs:
            return
        texts = [t for job in jobs for t in job.texts]
        started = time.perf_counter()
        try:
            rows = await loop.run_in_executor(self._executor, self._score, texts)
        except Exception as exc:
            self.stats.failures += 1
            if len(jobs) == 1:
                _settle(jobs[0].future, exc=exc)
                return
            logger.warning("a batch of %d jobs failed (%s); retrying them one by one", len(jobs), exc)
            for job in jobs:
                await self._dispatch(loop, [job])
            return
        self._count(len(texts))
        logger.debug("scored %d texts from %d requests in %.1f ms", len(texts), len(jobs), 1000 * (time.perf_counter() - started))
        offset = 0
        for job in jobs:
            _settle(job.future, result=rows[offset : offset + len(job.texts)])
            offset += len(job.texts)

    def _count(self, size: int) -> None:
        self.stats.batches += 1
        self.stats.texts += size
        self.stats.largest = max(self.stats.largest, size)
        if len(self.stats.sizes) < 10_000:
            self.stats.sizes.append(size)


def _settle(future: asyncio.Future, result: object = None, exc: BaseException | None = None) -> None:
    """Resolve ``future`` unless its caller gave up (a closed connection cancels it)."""
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
