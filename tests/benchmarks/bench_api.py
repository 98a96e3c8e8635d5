"""Latency and throughput of the assistants API against a running server (not a pytest module).

One sequential keep-alive client (httpx), so ops/s is 1 / mean latency as a single integration
sees it. Loops are bounded and only 127.0.0.1 is accepted. Usage (see the README, section Performance, for
the full recipe with gunicorn and PostgreSQL)::

    python tests/benchmarks/bench_api.py --url http://127.0.0.1:8000 --api-key sk-studio-...
    python tests/benchmarks/bench_api.py --url ... --api-key ... --only search --search-iterations 2000

The graph used for writes must be registered on the server (``--graph``, default ``writer``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

MAX_ITERATIONS = 100_000
OPERATIONS = ("create", "patch", "get", "search", "versions")


@dataclass
class Result:
    operation: str
    iterations: int
    ops_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure(
    name: str, iterations: int, call: Callable[[int], httpx.Response], warmup: int
) -> Result:
    for i in range(warmup):
        call(i)
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(iterations):
        t0 = time.perf_counter()
        response = call(warmup + i)
        latencies.append(time.perf_counter() - t0)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:300]}")
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        operation=name,
        iterations=iterations,
        ops_per_second=iterations / elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        mean_ms=statistics.fmean(latencies) * 1000,
    )


def local_only(url: str) -> str:
    host = urlparse(url).hostname
    if host != "127.0.0.1":
        raise SystemExit(f"Refusing to benchmark {url!r}: only http://127.0.0.1:PORT is allowed.")
    return url.rstrip("/")


def run(args: argparse.Namespace) -> list[Result]:
    base = local_only(args.url)
    client = httpx.Client(
        base_url=base,
        headers={"X-Api-Key": args.api_key, "Content-Type": "application/json"},
        timeout=30,
    )
    run_tag = uuid.uuid4().hex[:8]
    only = set(args.only or OPERATIONS)
    results: list[Result] = []

    def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return client.post(path, content=json.dumps(body))

    def create_body(i: int) -> dict[str, Any]:
        return {
            "graph_id": args.graph,
            "name": f"bench {run_tag} {i}",
            "metadata": {"bench": run_tag, "team": f"team-{i % 100}"},
            "context": {"style": "tweet" if i % 2 else "blog", "temperature": 0.5},
            # a config of its own: Aegra refuses an assistant whose graph and config exist already
            "config": {"tags": [f"bench-{run_tag}-{i}"]},
        }

    # One assistant to patch/get, one with exactly 50 versions to list (or --versions-assistant).
    target = post("/assistants", create_body(-1)).json()["assistant_id"]
    history = args.versions_assistant
    if not history:
        history = post("/assistants", create_body(-2)).json()["assistant_id"]
        for i in range(49):
            client.patch(f"/assistants/{history}", content=json.dumps({"metadata": {"step": i}}))

    plans: dict[str, tuple[int, Callable[[int], httpx.Response]]] = {
        "create": (args.write_iterations, lambda i: post("/assistants", create_body(i))),
        "patch": (
            args.write_iterations,
            lambda i: client.patch(
                f"/assistants/{target}",
                content=json.dumps(
                    {"metadata": {"i": i}, "context": {"temperature": (i % 10) / 10}}
                ),
            ),
        ),
        "get": (args.read_iterations, lambda i: client.get(f"/assistants/{target}")),
        "search": (
            args.search_iterations,
            lambda i: post(
                "/assistants/search",
                {
                    "metadata": {"team": f"team-{i % 100}"},
                    "limit": 20,
                    "offset": (i // 100) % args.search_offsets,
                },
            ),
        ),
        "versions": (
            args.read_iterations,
            lambda i: post(f"/assistants/{history}/versions", {"limit": args.versions_limit}),
        ),
    }
    for name in OPERATIONS:
        if name not in only:
            continue
        iterations, call = plans[name]
        iterations = min(iterations, MAX_ITERATIONS)
        results.append(measure(name, iterations, call, warmup=min(args.warmup, iterations)))
    total = post("/assistants/count", {}).json()
    client.close()
    print(f"server {base}, {total} assistants in the database, run {run_tag}")
    return results


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--graph", default="writer")
    parser.add_argument("--only", nargs="*", choices=OPERATIONS)
    parser.add_argument("--read-iterations", type=int, default=3000)
    parser.add_argument("--write-iterations", type=int, default=1000)
    parser.add_argument("--search-iterations", type=int, default=2000)
    parser.add_argument(
        "--search-offsets",
        type=_positive,
        default=1,
        help=(
            "Each of the 100 filters is searched from this many offsets in turn (0, 1, ...; "
            "default 1), 20 rows each time. With more offsets than the run repeats a filter "
            "(say 20 for 1,000 searches), no search is answered from a page the server kept: "
            "the cost of the first search after a change."
        ),
    )
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument(
        "--versions-assistant",
        help="List this assistant's versions (default: one created with 50 versions).",
    )
    parser.add_argument("--versions-limit", type=int, default=50)
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)
    report(run(args), json_path=args.json)
    return 0


def report(results: list[Result], *, json_path: str | None = None) -> None:
    """Print the results as a table (and write them as JSON when asked)."""
    width = max([10, *(len(r.operation) + 2 for r in results)])
    print(
        f"{'operation':<{width}}{'n':>7}{'ops/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
    )
    for r in results:
        print(
            f"{r.operation:<{width}}{r.iterations:>7}{r.ops_per_second:>10.0f}{r.p50_ms:>9.2f}"
            f"{r.p95_ms:>9.2f}{r.p99_ms:>9.2f}{r.mean_ms:>9.2f}"
        )
    if json_path:
        with open(json_path, "w") as out:
            json.dump([asdict(r) for r in results], out, indent=2)


if __name__ == "__main__":
    sys.exit(main())
