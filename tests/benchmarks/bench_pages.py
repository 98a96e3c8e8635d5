"""Latency and throughput of the studio's pages against a running server (not a pytest module).

Signs in through ``/accounts/login/`` (a session cookie, as a browser would) and then, with one
sequential keep-alive client, requests the assistants list (page 1, page 2, a search by name, a
graph filter) and one assistant's history page. Loops are bounded and only 127.0.0.1 is accepted.
See the README, section "Reliability and scale", for the recipe; in short::

    python manage.py shell -c "..."   # a user in the viewer group
    python tests/benchmarks/bench_pages.py --url http://127.0.0.1:8011 --username bench-viewer \\
        --password ... --api-key sk-studio-...   # the key creates the assistant whose history is read

``--history-assistant ID`` reads the history of an existing assistant instead of creating one
with ``--history-versions`` versions through the API.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import httpx

try:  # run as a script (tests/benchmarks on sys.path) or imported as tests.benchmarks.bench_pages
    from bench_api import (  # type: ignore[import-not-found]
        MAX_ITERATIONS,
        Result,
        local_only,
        measure,
        report,
    )
except ImportError:
    from tests.benchmarks.bench_api import MAX_ITERATIONS, Result, local_only, measure, report

OPERATIONS = ("list", "list-page2", "list-search", "list-graph", "history")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def keep_cookies(client: httpx.Client, response: httpx.Response) -> None:
    """Keep the response's cookies even when marked Secure (the benchmark speaks plain HTTP to
    127.0.0.1; a production server marks its session and CSRF cookies Secure)."""
    for header in response.headers.get_list("set-cookie"):
        for name, morsel in SimpleCookie(header).items():
            client.cookies.delete(name)  # the copy the jar kept (and may not send)
            client.cookies.set(name, morsel.value)


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    form = client.get("/accounts/login/")
    keep_cookies(client, form)
    match = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or not match:
        raise SystemExit(f"login page: HTTP {form.status_code}, no CSRF field")
    done = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": match[1]},
        headers={"Referer": f"{client.base_url}/accounts/login/"},
    )
    keep_cookies(client, done)
    if done.status_code != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"sign-in failed: HTTP {done.status_code} (check the user and password)")


def make_history(base: str, api_key: str, graph: str, versions: int) -> str:
    """An assistant with ``versions`` versions, saved through the API (one create, then patches)."""
    versions = max(1, min(versions, 10_000))
    with httpx.Client(
        base_url=base, headers={"X-Api-Key": api_key, "Content-Type": "application/json"}
    ) as api:
        created = api.post(
            "/assistants",
            content=json.dumps(
                {"graph_id": graph, "name": f"bench history {uuid.uuid4().hex[:8]}"}
            ),
        )
        if created.status_code != 200:
            raise SystemExit(f"create: HTTP {created.status_code} {created.text[:300]}")
        assistant_id: str = created.json()["assistant_id"]
        for step in range(versions - 1):
            api.patch(
                f"/assistants/{assistant_id}", content=json.dumps({"metadata": {"step": step}})
            )
    return assistant_id


def check_page(expect: str) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        if expect not in response.text:
            raise SystemExit(f"{response.url}: {expect!r} not in the page")

    return check


def run(args: argparse.Namespace) -> list[Result]:
    base = local_only(args.url)
    history = args.history_assistant
    if "history" in (args.only or OPERATIONS) and not history:
        if not args.api_key:
            raise SystemExit("history: give --history-assistant ID or --api-key to create one")
        history = make_history(base, args.api_key, args.graph, args.history_versions)
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    sign_in(client, args.username, args.password)

    def page(path: str, params: dict[str, Any] | None = None) -> Callable[[int], httpx.Response]:
        return lambda i: client.get(path, params=params)

    plans: dict[str, tuple[Callable[[int], httpx.Response], str]] = {
        "list": (page("/"), "Page 1 of"),
        "list-page2": (page("/", {"page": 2}), "Page 2 of"),
        "list-search": (page("/", {"q": args.search}), 'id="results"'),
        "list-graph": (page("/", {"graph": args.graph}), 'id="results"'),
        "history": (page(f"/assistant/{history}/"), 'id="versions"'),
    }
    results: list[Result] = []
    sizes: dict[str, int] = {}
    for name in OPERATIONS:
        if args.only and name not in args.only:
            continue
        call, expect = plans[name]
        first = call(0)
        if first.status_code != 200:
            raise SystemExit(f"{name}: HTTP {first.status_code} {first.text[:300]}")
        check_page(expect)(first)
        sizes[name] = len(first.content)
        iterations = min(args.iterations, MAX_ITERATIONS)
        results.append(measure(name, iterations, call, warmup=min(args.warmup, iterations)))
    client.close()
    print(f"server {base}, history of {history}; page sizes: {sizes}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--api-key", help="Used only to create the history assistant.")
    parser.add_argument("--graph", default="writer", help="The graph filter (and history graph).")
    parser.add_argument("--search", default="assistant 4242", help="The name search (?q=).")
    parser.add_argument("--history-assistant", help="Read this assistant's history page.")
    parser.add_argument("--history-versions", type=int, default=100)
    parser.add_argument("--only", nargs="*", choices=OPERATIONS)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", help="Also write the results to this file.")
    args = parser.parse_args(argv)
    report(run(args), json_path=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
