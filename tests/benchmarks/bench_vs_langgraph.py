"""The studio against ``langgraph dev`` on the same graphs, same operations, one run (not a test).

Starts both servers on free 127.0.0.1 ports, runs :mod:`bench_api`'s operations against each,
alternating server by operation so that both see the same machine load, then a concurrent mode
(``--clients`` threads, each with its own keep-alive connection, a bounded number of requests).
Prints each server's table and the ratios studio / dev. Stops both servers at the end.

- ``langgraph dev`` (``pip install "langgraph-cli[inmem]"``): in-memory, no durability, reads
  ``langgraph.json``; started in a temporary folder so its state files stay out of the repo.
- the studio: exactly the production recipe, plain ``gunicorn studio.wsgi`` (so ``gunicorn.conf.py``)
  on PostgreSQL, in a fresh database ``--database`` (dropped and created; default ``studio_bench_vs``)
  and, with ``--redis-url``, the shared cache.
- with ``--aegra-python``, Aegra too (the open-source LangGraph-compatible server a self-hosting
  team would pick instead): ``aegra-api`` 0.11 needs Python >= 3.12, so give the Python of a venv
  that holds it (``python3.12 -m venv V && V/bin/pip install "aegra-api>=0.11,<0.12"``). It runs
  as its docs say, ``uvicorn aegra_api.main:app`` with 2 workers, ``AUTH_TYPE=noop``, on a fresh
  database ``<--database>_aegra``, migrated once before the workers start.

Usage::

    python tests/benchmarks/bench_vs_langgraph.py
    python tests/benchmarks/bench_vs_langgraph.py --redis-url redis://127.0.0.1:6379/7 --quick
    python tests/benchmarks/bench_vs_langgraph.py --aegra-python /path/to/aegra-venv/bin/python
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import bench_api  # noqa: E402
from tests.benchmarks.bench_api import OPERATIONS, Result, percentile, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MAX_CONCURRENT_REQUESTS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited ({process.returncode}); see {log}")
        try:
            if httpx.post(f"{url}/assistants/search", json={"limit": 1}, timeout=2).status_code:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not start within 120 s; see {log}")


@contextmanager
def _process(name: str, command: list[str], *, cwd: Path, env: dict[str, str], url: str,
             logs: Path) -> Iterator[str]:  # fmt: skip
    log_path = logs / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def _cleanup(folder: Path) -> Iterator[None]:
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _langgraph_command() -> list[str]:
    beside = Path(sys.executable).with_name("langgraph")
    found = str(beside) if beside.exists() else shutil.which("langgraph")
    if not found:
        raise SystemExit('langgraph dev is not installed: pip install "langgraph-cli[inmem]"')
    return [found]


def _absolute_config(scratch: Path) -> Path:
    """langgraph.json with absolute paths, so langgraph dev can run (and keep state) elsewhere."""
    config = json.loads((ROOT / "langgraph.json").read_text())

    def absolute(value: str) -> str:
        return str(ROOT / value) if value.startswith("./") else value

    graphs = {}
    for graph_id, spec in config["graphs"].items():
        if isinstance(spec, dict):
            graphs[graph_id] = {**spec, "path": absolute(spec["path"])}
        else:
            graphs[graph_id] = absolute(spec)
    config.update(graphs=graphs, dependencies=[str(ROOT)])
    path = scratch / "langgraph.json"
    path.write_text(json.dumps(config))
    return path


def _studio_env(args: argparse.Namespace) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GUNICORN", "WEB_CONCURRENCY", "CONN_", "DJANGO_", "REDIS_URL"))
    }
    env.update(
        DATABASE_URL=f"{args.postgres}/{args.database}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="studio.settings",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def _prepare_studio(env: dict[str, str], args: argparse.Namespace) -> str:
    """A fresh database, migrated, with an API key; returns the key."""
    _fresh_database(args, args.database)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [*manage, "create_api_key", "bench"], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    return out.strip().splitlines()[-1]


def _fresh_database(args: argparse.Namespace, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _prepare_aegra(
    args: argparse.Namespace, config: Path, logs: Path
) -> tuple[dict[str, str], list[str]]:
    """A fresh, migrated database for Aegra; returns its environment and server command.

    Its workers would race to create the checkpointer's tables, so one worker starts first alone.
    """
    database = f"{args.database}_aegra"
    _fresh_database(args, database)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS"))},
        "DATABASE_URL": f"{args.postgres.replace('postgres://', 'postgresql://')}/{database}",
        "AUTH_TYPE": "noop", "AEGRA_CONFIG": str(config), "LOG_LEVEL": "WARNING",
        "RUN_MIGRATIONS_ON_STARTUP": "false", "LANGSMITH_TRACING": "false",
    }  # fmt: skip
    migrate = "from aegra_api.core.migrations import run_migrations; run_migrations()"
    subprocess.run([args.aegra_python, "-c", migrate], env=env, check=True, capture_output=True)
    port = _free_port()
    serve = [args.aegra_python, "-m", "uvicorn", "aegra_api.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with _process("aegra-setup", serve, cwd=config.parent, env=env,
                  url=f"http://127.0.0.1:{port}", logs=logs):  # fmt: skip
        pass
    return env, [*serve, "--workers", "2"]


# -- concurrent mode ---------------------------------------------------------------------------


def concurrent(
    url: str, key: str, operation: str, clients: int, requests: int, search_offsets: int = 1
) -> Result:
    """``requests`` calls of ``operation`` spread over ``clients`` threads; throughput overall.

    Searches step through ``search_offsets`` offsets of each filter, as in bench_api.py.
    """
    requests = min(requests, MAX_CONCURRENT_REQUESTS)
    headers = {"X-Api-Key": key}
    sessions = [httpx.Client(base_url=url, headers=headers, timeout=60) for _ in range(clients)]
    # Each client patches its own assistant: throughput, not one row's lock queue.
    run = secrets.token_hex(4)  # configs of their own: Aegra refuses a graph and config twice

    def create(s: httpx.Client, tag: str, team: str) -> httpx.Response:
        body = {"graph_id": "writer", "metadata": {"team": team}, "config": {"tags": [tag]}}
        return s.post("/assistants", json=body)

    own = [
        create(s, f"{operation}-{run}-own-{c}", "team-1").json()["assistant_id"]
        for c, s in enumerate(sessions)
    ]
    calls: dict[str, Callable[[httpx.Client, int, int], httpx.Response]] = {
        "create": lambda s, c, i: create(s, f"{run}-{i}", f"team-{i % 100}"),
        "patch": lambda s, c, i: s.patch(f"/assistants/{own[c]}", json={"metadata": {"i": i}}),
        "get": lambda s, c, i: s.get(f"/assistants/{own[c]}"),
        "search": lambda s, c, i: s.post(
            "/assistants/search",
            json={
                "metadata": {"team": f"team-{i % 100}"},
                "limit": 20,
                "offset": (i // 100) % search_offsets,
            },
        ),
        "versions": lambda s, c, i: s.post(f"/assistants/{own[c]}/versions", json={"limit": 50}),
    }
    call = calls[operation]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def work(c: int) -> None:
        barrier.wait()
        for i in range(c, requests, clients):
            t0 = time.perf_counter()
            response = call(sessions[c], c, i)
            latencies[c].append(time.perf_counter() - t0)
            if response.status_code >= 400:
                failures.append(f"HTTP {response.status_code} {response.text[:200]}")
                return

    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    if failures:
        raise SystemExit(f"{operation} (concurrent): {failures[0]}")
    merged = sorted(x for per in latencies for x in per)
    return Result(
        operation=f"{operation} x{clients}",
        iterations=len(merged),
        ops_per_second=len(merged) / elapsed,
        p50_ms=percentile(merged, 0.5) * 1000,
        p95_ms=percentile(merged, 0.95) * 1000,
        p99_ms=percentile(merged, 0.99) * 1000,
        mean_ms=sum(merged) / len(merged) * 1000,
    )


# -- report ------------------------------------------------------------------------------------


def ratios(peer: str, theirs: list[Result], studio: list[Result]) -> None:
    print(f"\n{'operation':<14}{peer + ' ops/s':>13}{'studio ops/s':>14}{'studio/' + peer:>14}"
          f"{peer + ' p50':>11}{'studio p50':>12}")  # fmt: skip
    by_name = {r.operation: r for r in theirs}
    for s in studio:
        d = by_name.get(s.operation)
        if d is None:
            continue
        print(
            f"{s.operation:<14}{d.ops_per_second:>13.0f}{s.ops_per_second:>14.0f}"
            f"{s.ops_per_second / d.ops_per_second:>13.2f}x{d.p50_ms:>11.2f}{s.p50_ms:>12.2f}"
        )


def _sequential(url: str, key: str, operation: str, args: argparse.Namespace) -> Result:
    ns = argparse.Namespace(
        url=url, api_key=key, graph="writer", only=[operation],
        read_iterations=args.read_iterations, write_iterations=args.write_iterations,
        search_iterations=args.search_iterations, warmup=args.warmup, search_offsets=args.search_offsets,
        versions_assistant=None, versions_limit=50,
    )  # fmt: skip
    return bench_api.run(ns)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="studio_bench_vs")
    parser.add_argument("--redis-url", help="Run the studio with this shared cache.")
    parser.add_argument("--aegra-python", help="Also measure Aegra, installed for this Python.")
    parser.add_argument("--read-iterations", type=int, default=2000)
    parser.add_argument("--write-iterations", type=int, default=500)
    parser.add_argument("--search-iterations", type=int, default=1000)
    parser.add_argument(
        "--search-offsets",
        type=bench_api._positive,
        default=1,
        help="As bench_api.py's: 20 makes every search a new page (none kept by the studio).",
    )
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--concurrent-requests", type=int, default=2000)
    parser.add_argument("--only", nargs="*", choices=OPERATIONS, default=list(OPERATIONS))
    parser.add_argument("--quick", action="store_true", help="A tenth of every count.")
    args = parser.parse_args(argv)
    if args.quick:
        for name in ("read_iterations", "write_iterations", "search_iterations",
                     "concurrent_requests", "warmup"):  # fmt: skip
            setattr(args, name, max(10, getattr(args, name) // 10))
    logs = ROOT / "test-results"
    logs.mkdir(exist_ok=True)
    env = _studio_env(args)
    key = _prepare_studio(env, args)
    dev_port, studio_port = _free_port(), _free_port()
    studio_cmd = [sys.executable, "-m", "gunicorn", "studio.wsgi", "--bind", f"127.0.0.1:{studio_port}"]  # fmt: skip
    dev_env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false"}
    names = ["dev", "studio", *(["aegra"] if args.aegra_python else [])]
    results: dict[str, list[Result]] = {name: [] for name in names}
    concurrent_results: dict[str, list[Result]] = {name: [] for name in names}
    scratch = Path(tempfile.mkdtemp(prefix="bench-langgraph-dev-"))
    config = _absolute_config(scratch)
    dev_cmd = [*_langgraph_command(), "dev", "--no-browser", "--no-reload", "--port", str(dev_port),
               "--config", str(config), "--server-log-level", "warning"]  # fmt: skip
    with contextlib.ExitStack() as stack:
        stack.enter_context(_cleanup(scratch))
        servers = {
            "dev": (stack.enter_context(_process("langgraph-dev", dev_cmd, cwd=scratch,
                    env=dev_env, url=f"http://127.0.0.1:{dev_port}", logs=logs)), "unused"),
            "studio": (stack.enter_context(_process("studio-gunicorn", studio_cmd, cwd=ROOT,
                       env=env, url=f"http://127.0.0.1:{studio_port}", logs=logs)), key),
        }  # fmt: skip
        if args.aegra_python:
            aegra_env, aegra_cmd = _prepare_aegra(args, config, logs)
            port = int(aegra_cmd[aegra_cmd.index("--port") + 1])
            servers["aegra"] = (stack.enter_context(_process("aegra", aegra_cmd, cwd=scratch,
                                env=aegra_env, url=f"http://127.0.0.1:{port}", logs=logs)), "unused")  # fmt: skip
        for operation in args.only:
            for name, (url, api_key) in servers.items():
                results[name].append(_sequential(url, api_key, operation, args))
        for operation in args.only:
            for name, (url, api_key) in servers.items():
                concurrent_results[name].append(
                    concurrent(
                        url,
                        api_key,
                        operation,
                        args.clients,
                        args.concurrent_requests,
                        args.search_offsets,
                    )  # fmt: skip
                )
    titles = {
        "dev": "langgraph dev (in-memory)",
        "studio": "studio (gunicorn, PostgreSQL" + (", Redis)" if args.redis_url else ")"),
        "aegra": "Aegra (uvicorn, 2 workers, PostgreSQL)",
    }
    for name in names:
        print(f"\n== {titles[name]}: one sequential keep-alive client")
        report(results[name])
        print(f"== {titles[name]}: {args.clients} concurrent clients")
        report(concurrent_results[name])
    for peer in (n for n in names if n != "studio"):
        print(f"\n== ratios against {peer}, sequential")
        ratios(peer, results[peer], results["studio"])
        print(f"\n== ratios against {peer}, concurrent")
        ratios(peer, concurrent_results[peer], concurrent_results["studio"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
