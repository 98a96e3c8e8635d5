"""Input serializers copy their declared fields cheaply (assistants/api/serializers.py), per instance."""

from __future__ import annotations

from assistants.api.serializers import AssistantCreateSerializer, AssistantSearchSerializer


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
