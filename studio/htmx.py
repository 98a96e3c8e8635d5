"""The HTMX toolkit of the studio's pages, shared by every app's views.

A page view renders the whole page, or only ``template#partial`` when HTMX asks (the region it
swaps); after an action it redirects (Post/Redirect/Get), or for HTMX sends a client-side redirect
and an ``HX-Trigger`` event that other regions of the page listen to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

__all__ = [
    "HtmxHttpRequest",
    "View",
    "action_done",
    "oob_messages_and_closed_dialog",
    "render_page",
    "role_required",
]

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checkers)."""

    htmx: HtmxDetails


def role_required(perm: str) -> Callable[[View], View]:
    """Signed in (else the login page) and holding ``perm`` (else 403)."""

    def decorator(view: View) -> View:
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
    trigger: str | None = None,
) -> HttpResponse:
    """The whole page, or ``template#partial`` for an HTMX request; optionally fire ``trigger``."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    if trigger:
        trigger_client_event(response, trigger)
    return response


def action_done(request: HtmxHttpRequest, url: str, trigger: str) -> HttpResponse:
    """After a successful action: redirect (HTMX: a client-side redirect plus the event)."""
    if request.htmx:
        return trigger_client_event(HttpResponseClientRedirect(url), trigger)
    return redirect(url)


def oob_messages_and_closed_dialog(request: HtmxHttpRequest) -> bytes:
    """Out-of-band swaps sent with an HTMX action: fresh messages and an emptied dialog slot."""
    messages = render_to_string("base.html#messages", {"oob": True}, request=request)
    return (messages + '<div id="dialog-slot" hx-swap-oob="true"></div>').encode()
