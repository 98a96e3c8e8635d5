"""Sign-in throttling on the studio's and the admin's sign-in pages (django-axes, our policy).

Limits are lowered per test through settings (5 per account and address is the default; the
wider limits are smaller here so the tests stay quick). Every request names its client address.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assistants.models import AuditEntry
from assistants.services.security import LOGIN_LOCKED_OUT, LOGIN_UNLOCKED

from .conftest import PASSWORD

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.20"
PAGES = ["login", "admin:login"]


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.STUDIO_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    settings.STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    settings.STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT = 15
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.STUDIO_BEHIND_PROXY = False


@pytest.fixture
def alice(make_user):
    return make_user("alice", "editor", password=PASSWORD, is_staff=True)


@pytest.fixture
def bob(make_user):
    return make_user("bob", "viewer", password=PASSWORD, is_staff=True)


def sign_in(
    page: str, username: str, password: str, address: str = ATTACKER, **headers: str
) -> tuple[Client, Any]:
    client = Client()
    url = reverse(page)
    response = client.post(
        url,
        {"username": username, "password": password, "next": "/"},
        REMOTE_ADDR=address,
        **headers,
    )
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(page: str, username: str, times: int, address: str = ATTACKER, **headers: str) -> Any:
    response = None
    for _ in range(times):
        _, response = sign_in(page, username, "wrong-password", address, **headers)
    return response


def lockouts() -> list[dict[str, Any]]:
    return list(
        AuditEntry.objects.filter(action=LOGIN_LOCKED_OUT).values_list("payload", flat=True)
    )


# -- the lock --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_four_failures_leave_the_right_password_working(page, alice) -> None:
    fail(page, "alice", 4)
    client, response = sign_in(page, "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.parametrize("page", PAGES)
def test_the_fifth_failure_locks_and_then_the_right_password_does_not_sign_in(page, alice) -> None:
    fail(page, "alice", 4)
    fifth = fail(page, "alice", 1)
    assert fifth.status_code == 429
    client, response = sign_in(page, "alice", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    html = response.content.decode()
    assert "Too many failed sign-ins for this account from your address." in html
    assert "Signing in is locked for 15 minutes after the last failed attempt" in html
    assert response["Retry-After"] == "900"


def test_the_studio_lock_message_is_our_sign_in_page_with_the_form(alice) -> None:
    fail("login", "alice", 5)
    _, response = sign_in("login", "alice", PASSWORD)
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<h1 id="login-title">Sign in</h1>' in html
    assert 'role="alert"><p>Too many failed sign-ins' in html
    assert 'name="username"' in html and 'value="alice"' in html
    assert "Please enter a correct username" not in html  # the lock, not a wrong password


def test_the_admin_lock_message_is_the_admin_sign_in_page(alice) -> None:
    fail("admin:login", "alice", 5)
    _, response = sign_in("admin:login", "alice", PASSWORD)
    html = response.content.decode()
    assert 'id="login-form"' in html and "Assistants Studio admin" in html
    assert '<p class="errornote" role="alert">Too many failed sign-ins' in html


def test_the_studio_and_admin_pages_share_one_count(alice) -> None:
    fail("login", "alice", 3)
    fail("admin:login", "alice", 2)
    for page in PAGES:
        assert sign_in(page, "alice", PASSWORD)[1].status_code == 429


def test_a_hundred_fast_wrong_passwords_then_the_right_one_does_not_sign_in(alice) -> None:
    fail("login", "alice", 100)
    client, response = sign_in("login", "alice", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    # refused attempts are not counted: the account's count stopped at the limit
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 5


# -- the policy: who else is affected --------------------------------------------------------------


def test_a_locked_account_still_signs_in_from_another_address(alice) -> None:
    fail("login", "alice", 5)
    client, response = sign_in("login", "alice", PASSWORD, address=OFFICE)
    assert response.status_code == 302 and signed_in(client)


def test_another_account_from_the_same_address_still_signs_in(alice, bob) -> None:
    fail("login", "alice", 5)
    client, response = sign_in("login", "bob", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_trying_many_accounts_from_one_address_locks_the_address(alice, bob) -> None:
    for name in ("alice", "carol", "dave"):
        fail("login", name, 4)  # never 5 for one account: only the address limit (12) is reached
    client, response = sign_in("login", "bob", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert "Too many failed sign-ins from your address." in response.content.decode()
    client, response = sign_in("login", "bob", PASSWORD, address=OFFICE)
    assert response.status_code == 302 and signed_in(client)
    assert [p["rule"] for p in lockouts()] == ["address"]


def test_guessing_one_account_from_many_addresses_locks_the_account(alice) -> None:
    for n in range(4):
        fail("login", "alice", 4, address=f"192.0.2.{n + 1}")  # 16 >= the account limit (15)
    client, response = sign_in("login", "alice", PASSWORD, address=OFFICE)
    assert response.status_code == 429 and not signed_in(client)
    assert "Too many failed sign-ins for this account." in response.content.decode()
    assert [p["rule"] for p in lockouts()] == ["account"]


def test_one_address_cannot_lock_an_account_for_everybody(alice) -> None:
    fail("login", "alice", 100)  # far past every limit, from one address
    client, response = sign_in("login", "alice", PASSWORD, address=OFFICE)
    assert response.status_code == 302 and signed_in(client)


def test_a_successful_sign_in_clears_that_accounts_count_from_that_address(alice) -> None:
    fail("login", "alice", 4)
    assert sign_in("login", "alice", PASSWORD)[1].status_code == 302
    fail("login", "alice", 4)
    client, response = sign_in("login", "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_lifts_after_the_cool_off(alice) -> None:
    fail("login", "alice", 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    client, response = sign_in("login", "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_without_a_cool_off_the_message_points_to_an_administrator(settings, alice) -> None:
    settings.AXES_COOLOFF_TIME = None
    fail("login", "alice", 5)
    _, response = sign_in("login", "alice", PASSWORD)
    assert response.status_code == 429 and "Retry-After" not in response
    assert "stays locked until an administrator unlocks it" in response.content.decode()


# -- the client address ----------------------------------------------------------------------------


def test_a_forwarded_for_header_is_ignored_unless_the_proxy_setting_is_on(alice) -> None:
    for n in range(5):
        fail("login", "alice", 1, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    assert sign_in("login", "alice", PASSWORD)[1].status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_a_proxy_the_address_it_appended_counts_and_earlier_ones_are_ignored(
    settings, alice
) -> None:
    settings.STUDIO_BEHIND_PROXY = True
    proxy = "10.0.0.2"
    for n in range(5):  # a spoofed first entry changes on every try
        fail("login", "alice", 1, address=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, {ATTACKER}")
    locked = sign_in("login", "alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ATTACKER)[1]
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # another client behind the same proxy is not locked
    client, response = sign_in("login", "alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert response.status_code == 302 and signed_in(client)


def test_behind_a_proxy_a_garbled_forwarded_header_falls_back_to_the_peer_address(
    settings, alice
) -> None:
    settings.STUDIO_BEHIND_PROXY = True
    fail("login", "alice", 5, address=OFFICE, HTTP_X_FORWARDED_FOR="not an address")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}


# -- the audit trail -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_a_lock_is_audited_once_however_many_attempts_it_refuses(page, alice) -> None:
    fail(page, "alice", 30)
    entry = AuditEntry.objects.get(action=LOGIN_LOCKED_OUT)
    assert entry.actor == f"client:{ATTACKER}" and entry.assistant_id is None
    assert entry.payload == {
        "username": "alice",
        "address": ATTACKER,
        "rule": "account_address",
        "failures": 5,
        "limit": 5,
        "path": reverse(page),
        "lockout_minutes": 15,
    }


def test_no_audit_entry_below_the_limit(alice) -> None:
    fail("login", "alice", 4)
    assert lockouts() == []


# -- unlocking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argument"),
    [("axes_reset_username", "alice"), ("axes_reset_ip", ATTACKER), ("axes_reset", None)],
)
def test_an_administrator_unlocks_with_an_axes_command(command, argument, alice) -> None:
    fail("login", "alice", 5)
    call_command(command, *([argument] if argument else []), stdout=io.StringIO())
    client, response = sign_in("login", "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_an_administrator_unlocks_in_the_admin(alice, admin_client_) -> None:
    fail("admin:login", "alice", 5)
    attempt = AccessAttempt.objects.get(username="alice")
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = admin_client_.get(changelist)
    assert listing.status_code == 200 and ATTACKER in listing.content.decode()
    response = admin_client_.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    client, response = sign_in("admin:login", "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    unlock = AuditEntry.objects.get(action=LOGIN_UNLOCKED)
    assert (unlock.actor, unlock.actor_user.username) == ("user:root", "root")
    assert unlock.payload == {
        "usernames": ["alice"],
        "addresses": [ATTACKER],
        "attempts_removed": 1,
        "how": "admin",
    }


def test_an_unlock_by_command_is_audited_and_a_command_that_removes_nothing_is_not(alice) -> None:
    fail("login", "alice", 5)
    fail("login", "bob", 2, address=OFFICE)
    call_command("axes_reset_username", "nobody", stdout=io.StringIO())
    assert not AuditEntry.objects.filter(action=LOGIN_UNLOCKED).exists()
    call_command("axes_reset", stdout=io.StringIO())
    unlock = AuditEntry.objects.get(action=LOGIN_UNLOCKED)
    assert unlock.actor == "system" and unlock.payload == {
        "usernames": ["alice", "bob"],
        "addresses": sorted([ATTACKER, OFFICE]),
        "attempts_removed": 2,
        "how": "command",
    }


def test_deleting_one_attempt_from_its_admin_page_is_audited(alice, admin_client_) -> None:
    fail("login", "alice", 5)
    attempt = AccessAttempt.objects.get()
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin_client_.post(url, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.get(action=LOGIN_UNLOCKED).payload["usernames"] == ["alice"]


def test_staff_without_a_role_cannot_see_or_lift_locks(make_user, alice) -> None:
    fail("login", "alice", 5)
    staff = Client()
    staff.force_login(make_user("helpdesk", is_staff=True))
    assert staff.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert AccessAttempt.objects.count() == 1


def test_the_lockout_shows_in_the_admins_audit_trail(alice, admin_client_) -> None:
    fail("login", "alice", 5)
    entry = AuditEntry.objects.get(action=LOGIN_LOCKED_OUT)
    listing = admin_client_.get(reverse("admin:assistants_auditentry_changelist"))
    assert listing.status_code == 200 and LOGIN_LOCKED_OUT in listing.content.decode()
    detail = admin_client_.get(reverse("admin:assistants_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and "account_address" in detail.content.decode()


def test_stored_attempts_keep_neither_the_password_nor_the_csrf_token(alice) -> None:
    client = Client()
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    client.post(
        reverse("login"),
        {"username": "alice", "password": "my-secret-guess", "csrfmiddlewaretoken": token},
        REMOTE_ADDR=ATTACKER,
    )
    stored = AccessAttempt.objects.get().post_data
    assert "my-secret-guess" not in stored and token not in stored
