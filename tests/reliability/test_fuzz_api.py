"""Property-based fuzzing of the whole API with schemathesis, against a real HTTP server.

Every operation in ``/openapi.json`` gets generated requests (valid and invalid bodies, odd ids,
strange strings). Each response must not be a server error and must match the document: status
code, content type, headers and body schema; a request the document calls valid must be accepted
and one it calls invalid refused. Two drivers: hypothesis by hand over every operation
(``STUDIO_FUZZ_EXAMPLES`` examples each, default 100), and the ``schemathesis`` command itself
with ``--checks all`` over all its phases (examples, coverage, fuzzing, stateful), as a user would
run it (``STUDIO_FUZZ_CLI_EXAMPLES``, default 20).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("STUDIO_FUZZ_EXAMPLES", "100"))
CLI_EXAMPLES = int(os.environ.get("STUDIO_FUZZ_CLI_EXAMPLES", "20"))


def all_checks() -> list:
    """Every check schemathesis ships (what ``--checks all`` runs)."""
    load_all_checks()
    return list(REGISTERED_CHECKS.get_all())


@pytest.fixture
def fuzz_key(transactional_db) -> str:
    from assistants import services
    from assistants.actors import Actor

    _, raw = services.api_key_create(actor=Actor.system_actor(), name="fuzz")
    # Something to find: a few assistants on each graph.
    for graph_id in ("writer", "researcher"):
        services.assistant_create(
            actor=Actor.system_actor(), graph_id=graph_id, name=f"fuzz {graph_id}"
        )
    return raw


def test_every_operation_answers_without_server_errors_and_as_documented(live_server, fuzz_key):
    # Driven by hand (not schemathesis' pytest plugin, which does not support this pytest): one
    # hypothesis run per operation, all failures collected so one report shows them all.
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    failures: dict[str, str] = {}
    calls = 0
    checks = all_checks()
    names = {check.__name__ for check in checks}
    assert {"positive_data_acceptance", "negative_data_rejection", "not_a_server_error"} <= names
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def exercise(case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(
                base_url=live_server.url, headers={"X-Api-Key": fuzz_key}, checks=checks
            )

        try:
            exercise()
        except Exception as exc:  # collected, reported below
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    print(f"fuzz: {len(operations)} operations, {calls} generated requests")
    assert calls >= len(operations) * 10, "hypothesis generated too few requests to mean anything"
    assert failures == {}


def test_the_schemathesis_command_with_every_check_finds_nothing(live_server, fuzz_key, tmp_path):
    # The command a user runs against a deployment: every phase, every check, one seed.
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/openapi.json",
        "--checks", "all", "--header", f"X-Api-Key: {fuzz_key}",
        "--max-examples", str(CLI_EXAMPLES), "--seed", "1", "--no-color",
        "--generation-database", "none", "--request-timeout", "30",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
