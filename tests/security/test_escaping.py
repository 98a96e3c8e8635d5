"""User text is shown, never run: markup in any field comes out escaped on every page.

Each field of the "evil" assistant holds a script tag and an attribute breakout, tagged with the
field's name (``"note: <script>alert(1)</script> \"><img src=x onerror=alert(1)>"``), so a test
can tell which field it sees. For each page and HTMX partial: the raw markup is absent, no element
was injected (no script without src, no handler attribute, no ``<img src=x>``), and each field the
page shows is there in escaped form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assistants import services
from assistants.actors import Actor
from assistants.models import ApiKey, Assistant, AuditEntry
from tests.security.conftest import audit_html, create_form, edit_form

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
RAW_IMG = "<img src=x onerror=alert(1)>"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"


def evil(label: str) -> str:
    return f"{label}: {SCRIPT} {BREAKOUT}"


def escaped(label: str) -> str:
    """The part of ``evil(label)`` that reads the same in HTML text, attributes and JSON."""
    return f"{label}: &lt;script&gt;alert(1)&lt;/script&gt;"


PROMPT_V1 = f"Be helpful.\n{evil('prompt')}\nThanks."
PROMPT_V2 = f"Be helpful.\n{evil('prompt')}\n{evil('added')}\nThanks."

HTMX = {"HX-Request": "true"}


def assert_escaped(html: str, labels: set[str]) -> None:
    assert SCRIPT not in html
    assert RAW_IMG not in html
    audit = audit_html(html)
    assert audit.inline_scripts == []
    assert audit.handlers == []
    assert [img for img in audit.images if img.get("src") == "x"] == []
    assert ESCAPED_IMG in html
    missing = {label for label in labels if escaped(label) not in html}
    assert missing == set(), f"not shown (escaped): {sorted(missing)}"


@pytest.fixture
def evil_key(db) -> ApiKey:
    """A read-write key whose name carries markup: it is the author of every version."""
    key, _ = services.api_key_create(actor=Actor.system_actor(), name=evil("author"))
    return key


@pytest.fixture
def bad(evil_key) -> Assistant:
    """v1 (published) and v2 (a draft) with markup in every field a user can type."""
    actor = Actor(api_key=evil_key)
    assistant, _ = services.assistant_create(
        actor=actor,
        graph_id="writer",
        name=evil("name"),
        description=evil("description"),
        metadata={"team": evil("metadata")},
        context={"system_prompt": PROMPT_V1},
        note=evil("note"),
    )
    services.version_save(
        actor=actor,
        assistant_id=assistant.pk,
        base_version=1,
        context={"system_prompt": PROMPT_V2},
        metadata={"team": evil("metadata"), "owner": evil("owner")},
        note=evil("draftnote"),
    )
    assistant.refresh_from_db()
    return assistant


@dataclass(frozen=True)
class Page:
    id: str
    url: Callable[[Assistant], str]
    shows: set[str]
    headers: dict[str, str] = field(default_factory=dict)


def _url(name: str, *args: Any, query: str = "") -> Callable[[Assistant], str]:
    def build(a: Assistant) -> str:
        values = [a.pk if arg == "pk" else arg for arg in args]
        return reverse(name, args=values) + query

    return build


def _region(target: str) -> dict[str, str]:
    return {**HTMX, "HX-Target": target}


NAME = {"name"}
# fmt: off
PAGES = [
    Page("assistant list", _url("assistants:assistant-list"), {"name", "description", "draftnote", "author"}),
    Page("assistant list results partial", _url("assistants:assistant-list", query="?q=name"), {"name", "description", "draftnote", "author"}, HTMX),
    Page("assistant detail", _url("assistants:assistant-detail", "pk"),
         {"name", "description", "prompt", "note", "draftnote", "added", "owner", "author"}),
    Page("detail summary partial", _url("assistants:assistant-detail", "pk"), {"name", "description"}, _region("summary")),
    Page("detail published partial", _url("assistants:assistant-detail", "pk"), {"prompt", "note", "author"}, _region("published")),
    Page("detail draft partial", _url("assistants:assistant-detail", "pk"), {"added", "owner", "draftnote", "author"}, _region("draft")),
    Page("detail versions partial", _url("assistants:assistant-detail", "pk"), {"note", "draftnote", "author"}, _region("versions")),
    Page("detail publications partial", _url("assistants:assistant-detail", "pk"), {"author"}, _region("publications")),
    Page("edit", _url("assistants:assistant-edit", "pk"), {"name", "description", "prompt", "added"}),
    Page("compare", _url("assistants:version-compare", "pk", query="?a=1&b=2"),
         {"name", "prompt", "added", "owner", "metadata", "note", "draftnote", "author"}),
    Page("compare partial", _url("assistants:version-compare", "pk", query="?a=1&b=2"),
         {"prompt", "added", "owner", "metadata", "note", "draftnote", "author"}, HTMX),
    Page("version detail", _url("assistants:version-detail", "pk", 1), {"name", "description", "prompt", "note", "author"}),
    Page("version detail of the draft", _url("assistants:version-detail", "pk", 2), {"name", "prompt", "added", "draftnote", "author"}),
    Page("publish confirmation", _url("assistants:version-publish-confirm", "pk", 2), {"name", "added", "owner"}),
    Page("publish confirmation dialog", _url("assistants:version-publish-confirm", "pk", 2), {"name", "added", "owner"}, HTMX),
    Page("restore confirmation", _url("assistants:version-restore-confirm", "pk", 1), NAME),
    # v1 is live, so restoring it changes nothing and the dialog quotes no user text.
    Page("restore confirmation dialog", _url("assistants:version-restore-confirm", "pk", 1), set(), HTMX),
    Page("delete confirmation", _url("assistants:assistant-delete-confirm", "pk"), NAME),
    Page("delete confirmation dialog", _url("assistants:assistant-delete-confirm", "pk"), NAME, HTMX),
    Page("duplicate", _url("assistants:assistant-duplicate", "pk"), NAME),
    Page("graph detail", _url("graphs:graph-detail", "writer"), NAME),
    Page("graph detail assistants partial", _url("graphs:graph-detail", "writer"), NAME, HTMX),
    Page("admin assistant changelist", _url("admin:assistants_assistant_changelist"), NAME),
    Page("admin assistant search", _url("admin:assistants_assistant_changelist", query="?q=name"), NAME),
    Page("admin assistant change page", _url("admin:assistants_assistant_change", "pk"),
         {"name", "description", "prompt", "added", "metadata", "owner", "note", "draftnote", "author"}),
    Page("admin audit changelist", _url("admin:assistants_auditentry_changelist"), {"author"}),
    Page("admin api key changelist", _url("admin:assistants_apikey_changelist"), {"author"}),
]
# fmt: on


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_markup_in_every_field_is_escaped_on_every_page(
    publisher_client, superuser, bad, page: Page
) -> None:
    client = publisher_client
    if page.id.startswith("admin"):
        client = Client()
        client.force_login(superuser)

    response = client.get(page.url(bad), headers=page.headers)

    assert response.status_code == 200
    html = response.content.decode()
    if page.shows:
        assert_escaped(html, page.shows)
    else:
        assert SCRIPT not in html and RAW_IMG not in html


def test_the_admin_change_pages_of_audit_entries_and_keys_escape_markup(
    superuser, bad, evil_key
) -> None:
    client = Client()
    client.force_login(superuser)
    entry = AuditEntry.objects.filter(action="assistant.created").get()

    audit_page = client.get(reverse("admin:assistants_auditentry_change", args=[entry.pk]))
    key_page = client.get(reverse("admin:assistants_apikey_change", args=[evil_key.pk]))

    assert_escaped(audit_page.content.decode(), {"name", "author"})
    assert_escaped(key_page.content.decode(), {"author"})


def test_the_inline_and_side_by_side_diffs_escape_the_inserted_text(publisher_client, bad) -> None:
    html = publisher_client.get(
        reverse("assistants:version-compare", args=[bad.pk]) + "?a=1&b=2"
    ).content.decode()
    prompt_card = html.split('<div class="diff-inline">', 1)[1]
    inline = prompt_card.split("</div>", 1)[0]
    side_by_side = prompt_card.split('<table class="sbs__table">', 1)[1].split("</table>", 1)[0]

    for part in (inline, side_by_side):
        assert "<ins>" in part
        assert SCRIPT not in part and RAW_IMG not in part
        assert escaped("added") in part and escaped("prompt") in part and ESCAPED_IMG in part
    inserted = side_by_side.split("<ins>", 1)[1].split("</ins>", 1)[0]
    assert inserted == "added: &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;" + ESCAPED_IMG


# -- what the user types, echoed back --------------------------------------------------------------


def test_the_live_changes_partial_escapes_what_is_typed(editor, bad) -> None:
    client = Client()
    client.force_login(editor)
    data = edit_form(bad, name=evil("typedname"), **{"ctx-system_prompt": evil("typed")})

    response = client.post(
        reverse("assistants:assistant-changes", args=[bad.pk]), data, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    # A word diff against the live text: the shared tail of the values is not marked as inserted.
    assert_escaped(html, set())
    assert (
        "<ins>typedname</ins>: &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;" + ESCAPED_IMG
        in html
    )
    assert "<ins>typed</ins>: &lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("field_name", "value", "status"),
    [("system_prompt", evil("typed"), 200), ("temperature", evil("typed"), 422)],
    ids=["a valid prompt", "an invalid number"],
)
def test_the_field_validation_partial_escapes_what_it_echoes(
    editor, db, field_name, value, status
) -> None:
    client = Client()
    client.force_login(editor)

    response = client.post(
        reverse("assistants:field-validate", args=["writer"]),
        {"_field": field_name, f"ctx-{field_name}": value},
        headers=HTMX,
    )

    assert response.status_code == status
    html = response.content.decode()
    assert_escaped(html, {"typed"})


def test_an_invalid_create_form_escapes_the_input_it_returns(editor, db) -> None:
    client = Client()
    client.force_login(editor)
    data = create_form(
        name=evil("typedname"),
        description=evil("typeddescription"),
        **{"ctx-system_prompt": evil("typed"), "ctx-temperature": "5"},
    )

    response = client.post(reverse("assistants:assistant-create"), data)

    assert response.status_code == 422
    assert_escaped(response.content.decode(), {"typedname", "typeddescription", "typed"})


def test_an_edit_conflict_escapes_both_the_input_and_the_newer_version(editor, bad) -> None:
    client = Client()
    client.force_login(editor)
    stale = edit_form(
        bad, base_version=1, note=evil("typednote"), **{"ctx-system_prompt": evil("typed")}
    )

    response = client.post(reverse("assistants:assistant-edit", args=[bad.pk]), stale)

    assert response.status_code == 409
    assert_escaped(response.content.decode(), {"typed", "typednote", "draftnote", "author"})


def test_flash_messages_escape_the_names_they_quote(publisher, bad) -> None:
    client = Client()
    client.force_login(publisher)

    copied = client.post(
        reverse("assistants:assistant-duplicate", args=[bad.pk]),
        {"name": evil("copy"), "version": ""},
        follow=True,
    )
    deleted = client.post(reverse("assistants:assistant-delete", args=[bad.pk]), follow=True)

    assert_escaped(copied.content.decode(), {"copy", "name"})
    messages = deleted.content.decode().split('id="messages"', 1)[1].split("</div>", 1)[0]
    assert_escaped(messages, {"name"})


def test_the_htmx_publish_answer_escapes_the_history_and_the_message(publisher, bad) -> None:
    client = Client()
    client.force_login(publisher)

    response = client.post(reverse("assistants:version-publish", args=[bad.pk, 2]), headers=HTMX)

    assert response.status_code == 200
    assert_escaped(response.content.decode(), {"note", "draftnote", "author", "name"})


@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("assistants:assistant-list") + "?q=" + evil("query"),
        lambda: reverse("admin:assistants_assistant_changelist") + "?q=" + evil("query"),
    ],
    ids=["studio list", "admin changelist"],
)
def test_search_terms_are_escaped_where_they_are_echoed(superuser, bad, url) -> None:
    client = Client()
    client.force_login(superuser)

    response = client.get(url())

    assert response.status_code == 200
    assert_escaped(response.content.decode(), {"query"})


def test_the_sign_in_page_escapes_the_next_parameter(db) -> None:
    response = Client().get(reverse("login"), {"next": "/" + BREAKOUT + SCRIPT})

    html = response.content.decode()
    assert SCRIPT not in html and RAW_IMG not in html
    audit = audit_html(html)
    assert audit.inline_scripts == [] and audit.handlers == []


def test_the_html_audit_would_catch_an_injection() -> None:
    """The checks above rely on this scanner: it must see what an injection leaves behind."""
    audit = audit_html(
        f'<p title="x">{SCRIPT}</p><p title=""{BREAKOUT[1:]}"></p><script src="/s.js"></script>'
    )

    assert audit.inline_scripts == ["alert(1)"]
    assert audit.handlers == [("img", "onerror", "alert(1)")]
    assert [img.get("src") for img in audit.images] == ["x"]
