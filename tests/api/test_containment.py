"""Metadata containment: PostgreSQL's ``@>`` and the same rule everywhere else."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from assistants.api.selectors import jsonb_contains, metadata_contains
from assistants.models import Assistant

CASES = [
    ({"a": 1}, {}, True),
    ({"a": 1}, {"a": 1}, True),
    ({"a": 1}, {"a": 1.0}, True),
    ({"a": 1}, {"a": "1"}, False),
    ({"a": True}, {"a": 1}, False),
    ({"a": 1}, {"a": True}, False),
    ({"a": None}, {"a": None}, True),
    ({}, {"a": None}, False),
    ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}, True),
    ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
    ({"a": {"b": 1}}, {"a": {}}, True),
    ({"a": {"b": 1}}, {"a": []}, False),
    ({"a": ["x", "y"]}, {"a": ["y"]}, True),
    ({"a": ["x", "y"]}, {"a": ["y", "x", "x"]}, True),
    ({"a": ["x", "y"]}, {"a": ["z"]}, False),
    ({"a": ["x", "y"]}, {"a": []}, True),
    ({"a": ["x", "y"]}, {"a": "x"}, False),
    ({"a": [[1, 2]]}, {"a": [[1]]}, True),
    ({"a": [1]}, {"a": [[1]]}, False),
    ({"a": [1, [2]]}, {"a": [2]}, False),
    ({"a": [{"b": 1, "c": 2}]}, {"a": [{"b": 1}]}, True),
    ({"a": "text"}, {"a": "tex"}, False),
    ({"a": {"deep": {"er": [1, {"x": "y"}]}}}, {"a": {"deep": {"er": [{"x": "y"}]}}}, True),
]


@pytest.mark.parametrize(("document", "query", "expected"), CASES)
def test_containment_follows_postgresql_rules(document, query, expected):
    assert jsonb_contains(document, query) is expected


def test_a_top_level_array_contains_a_bare_scalar_as_in_postgresql():
    assert jsonb_contains(["x"], "x") is True
    assert jsonb_contains([["x"]], ["x"]) is False


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_python_rule_agrees_with_postgresql_on_every_case():
    with connection.cursor() as cursor:
        for document, query, expected in CASES:
            cursor.execute(
                "SELECT %s::jsonb @> %s::jsonb", [json.dumps(document), json.dumps(query)]
            )
            assert cursor.fetchone()[0] is expected, (document, query)


@pytest.mark.django_db
@pytest.mark.parametrize(("document", "query", "expected"), CASES)
def test_the_database_filter_agrees_with_the_rule(make_assistant, document, query, expected):
    assistant = make_assistant(metadata=document)

    found = metadata_contains(Assistant.objects.filter(pk=assistant.pk), query).exists()

    assert found is expected
