"""Input serializers copy their declared fields cheaply (assistants/api/serializers.py), per instance."""

from __future__ import annotations

from rest_framework import serializers

from assistants.api.fields import JSONObjectField
from assistants.api.serializers import (
    AssistantCreateSerializer,
    AssistantSearchSerializer,
    InputSerializer,
)


def test_each_instance_binds_its_own_fields_and_the_declared_ones_stay_unbound():
    first, second = AssistantSearchSerializer(data={}), AssistantSearchSerializer(data={})

    for name in ("limit", "select", "metadata"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert AssistantSearchSerializer._declared_fields[name].parent is None
    # A field holding a field is copied whole: the child belongs to this instance's copy.
    assert first.fields["select"].child is not second.fields["select"].child
    assert first.fields["select"].child.parent is first.fields["select"]


def test_errors_and_values_of_one_instance_do_not_reach_another():
    bad = AssistantSearchSerializer(data={"limit": 0, "select": ["nope"], "sort_order": "UP"})
    good = AssistantSearchSerializer(data={"limit": 5, "select": ["name"], "sort_order": "ASC"})

    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert set(bad.errors) == {"limit", "select", "sort_order"}
    assert good.validated_data == {
        "limit": 5,
        "offset": 0,
        "select": ["name"],
        "sort_order": "asc",
    }
    created = AssistantCreateSerializer(data={"graph_id": "writer", "name": "x" * 256})
    assert not created.is_valid() and list(created.errors) == ["name"]
    assert AssistantCreateSerializer(data={"graph_id": "writer"}).is_valid()


def test_scalar_fields_are_copied_shallowly_and_the_rest_deeply():
    declared = AssistantSearchSerializer._declared_fields
    fields = AssistantSearchSerializer(data={}).fields

    # A shallow copy shares the settings it was declared with (its validators list)...
    assert fields["limit"].validators is declared["limit"].validators
    assert fields["sort_order"].choices is declared["sort_order"].choices
    # ...a field holding a field is rebuilt whole, as DRF does.
    assert fields["select"].child is not declared["select"].child


def test_a_field_with_a_mutable_default_gets_its_own_copy():
    class WithDefault(InputSerializer):
        options = JSONObjectField(required=False, default={})
        tags = serializers.ListField(child=serializers.CharField(), required=False, default=[])

    first, second = WithDefault(data={}), WithDefault(data={})

    assert first.fields["options"].default is not second.fields["options"].default
    assert first.fields["tags"].default is not second.fields["tags"].default
    assert first.is_valid() and first.validated_data == {"options": {}, "tags": []}
