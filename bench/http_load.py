"""A bounded closed-loop HTTP load driver: N concurrent senders, a fixed number of requests, latency percentiles."""
from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadResult:
    name: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    wall_s: float = 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=float("nan"))

    def row(self) -> dict:
        return {"name": self.name, "concurrency": self.concurrency, "requests": len(self.latencies_ms),
                "p50_ms": self.pct(50), "p95_ms": self.pct(95), "p99_ms": self.pct(99), "max_ms": self.max_ms,
                "mean_ms": statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan"),
                "msg_per_s": self.throughput, "non_2xx": sum(v for k, v in self.statuses.items() if k >= 300),
                "errors": self.errors}


RequestFn = Callable[[int, int], tuple[str, dict, dict]]  # (sender index, request index) -> (url, json, headers)


async def run_load(name: str, request: RequestFn, concurrency: int, per_sender: int,
                   timeout_s: float = 10.0) -> LoadResult:
    result = LoadResult(name, concurrency)
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency + 4)
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits) as client:
        async def sender(i: int) -> None:
            for j in range(per_sender):
                url, body, headers = request(i, j)
                started = time.perf_counter()
                try:
                    resp = await client.post(url, json=body, headers=headers)
                except httpx.HTTPError:
                    result.errors += 1
                    continue
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[resp.status_code] = result.statuses.get(resp.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(sender(i) for i in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result
