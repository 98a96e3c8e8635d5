"""Sign-in throttling with django-axes: three limits, the client's address, the lockout page.

The policy (README, "Sign-in throttling"), every limit a setting:

- ``account_address``: ``STUDIO_LOGIN_FAILURE_LIMIT`` failures for one account from one address
  lock that account *from that address* (axes' own lockout parameter). This stops guessing one
  password from one place without locking the real owner out anywhere else.
- ``address``: ``STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address, whatever the
  accounts, lock the address (stops trying one password on many accounts).
- ``account``: ``STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT`` failures for one account, from anywhere,
  lock the account (stops guessing spread over many addresses).

Attempts refused during a lock are not counted, so one address adds at most
``STUDIO_LOGIN_FAILURE_LIMIT`` failures to any one account and ``STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT``
in all: locking one account out takes many addresses, locking everybody out takes thousands. A lock
lifts ``STUDIO_LOGIN_LOCKOUT_MINUTES`` after the last counted failure (0: only an administrator
lifts it). Counts live in the database, shared by every worker process and host.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from assistants.actors import Actor
from assistants.services import security


@dataclass(frozen=True)
class Rule:
    code: str
    limit_setting: str
    field: str | None  # the AccessAttempt field counted over; None: axes' own pair
    reason: str


ACCOUNT_ADDRESS = Rule(
    "account_address",
    "AXES_FAILURE_LIMIT",  # = STUDIO_LOGIN_FAILURE_LIMIT; axes itself counts this pair
    None,
    "Too many failed sign-ins for this account from your address.",
)
ADDRESS = Rule(
    "address",
    "STUDIO_LOGIN_ADDRESS_FAILURE_LIMIT",
    "ip_address",
    "Too many failed sign-ins from your address.",
)
ACCOUNT = Rule(
    "account",
    "STUDIO_LOGIN_ACCOUNT_FAILURE_LIMIT",
    "username",
    "Too many failed sign-ins for this account.",
)
WIDE_RULES = (ADDRESS, ACCOUNT)


def _limit(rule: Rule) -> int:
    return int(getattr(settings, rule.limit_setting))


class StudioAxesHandler(AxesDatabaseHandler):
    """Axes' database handler plus the address and account limits, and an audit entry per lock.

    Axes itself counts failures per (account, address) against ``AXES_FAILURE_LIMIT``; the two
    wider limits are checked here over the same rows.
    """

    def failures(self, rule: Rule, request: Any, credentials: dict[str, Any] | None) -> int:
        if rule.field is None:
            return int(super().get_failures(request, credentials))
        if rule.field == "ip_address":
            value = request.axes_ip_address
        else:
            value = get_client_username(request, credentials)
            if value is None:
                return 0
        attempts = AccessAttempt.objects.filter(**{rule.field: value})
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)

    def reached(self, request: Any, credentials: dict[str, Any] | None) -> Rule | None:
        """The first limit this request's account or address has reached, if any."""
        for rule in (ACCOUNT_ADDRESS, *WIDE_RULES):
            limit = _limit(rule)
            if limit and self.failures(rule, request, credentials) >= limit:
                return rule
        return None

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        rule = self.reached(request, credentials)
        request.studio_lockout_rule = rule  # for the lockout page's message
        return rule is not None

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        refused_during_lock = request is not None and request.axes_locked_out
        # Records the failure (unless refused during a lock), and locks the account+address pair
        # when it reaches AXES_FAILURE_LIMIT.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused_during_lock:
            return
        rule = ACCOUNT_ADDRESS
        if not request.axes_locked_out:
            wider = self.reached(request, credentials)
            if wider is None:
                return
            rule = wider
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
        request.studio_lockout_rule = rule
        security.login_lockout_record(
            username=get_client_username(request, credentials),
            address=request.axes_ip_address,
            rule=rule.code,
            failures=self.failures(rule, request, credentials),
            limit=_limit(rule),
            path=request.axes_path_info,
            lockout_minutes=lockout_minutes(request),
        )

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """What the axes_reset commands call: remove the failures, and audit the unlock."""
        attempts = AccessAttempt.objects.all()
        if ip_or_username:
            attempts = attempts.filter(Q(ip_address=ip_address) | Q(username=username))
        else:
            if ip_address:
                attempts = attempts.filter(ip_address=ip_address)
            if username:
                attempts = attempts.filter(username=username)
        clients = list(attempts.values_list("username", "ip_address"))
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        security.login_unlock_record(actor=Actor.system_actor(), clients=clients, how="command")
        return count


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind a proxy (``STUDIO_BEHIND_PROXY``) the
    address the proxy appended last to X-Forwarded-For (earlier entries are the client's word)."""
    if settings.STUDIO_BEHIND_PROXY:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = _address(hops[-1])
        if forwarded is not None:
            return forwarded
    return _address(request.META.get("REMOTE_ADDR", ""))


def _address(raw: str) -> str | None:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def lockout_minutes(request: HttpRequest | None = None) -> int | None:
    cool_off = get_cool_off(request)
    return None if cool_off is None else int(cool_off.total_seconds() // 60)


def lockout_message(rule: Rule, minutes: int | None) -> str:
    if minutes is None:
        return f"{rule.reason} Signing in stays locked until an administrator unlocks it."
    return (
        f"{rule.reason} Signing in is locked for {minutes} minutes after the last failed "
        "attempt; an administrator can unlock it sooner."
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sign-in page it was sent from (studio or admin), with the lockout message: 429."""
    rule = getattr(request, "studio_lockout_rule", None) or ACCOUNT_ADDRESS
    minutes = lockout_minutes(request)
    username = get_client_username(request, credentials) or ""
    context: dict[str, Any] = {
        "lockout_message": lockout_message(rule, minutes),
        "next": _safe_next(request),
    }
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == admin.site.name:
        form_class = admin.site.login_form or AdminAuthenticationForm
        context |= {
            **admin.site.each_context(request),
            "title": "Log in",
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: context["next"],
            "form": form_class(request, initial={"username": username}),
        }
        response = render(request, "admin/login.html", context, status=429)
    else:
        context["form"] = AuthenticationForm(request, initial={"username": username})
        response = render(request, "registration/login.html", context, status=429)
    if minutes is not None:
        response["Retry-After"] = str(minutes * 60)
    return response


def _safe_next(request: HttpRequest) -> str:
    """``next`` as Django's LoginView would use it: empty unless it stays on this site."""
    target = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""
