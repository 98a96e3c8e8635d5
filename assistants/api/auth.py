"""API keys (``X-Api-Key``) and the scope rule: read-only keys may only read.

A view marks an action that reads through ``POST`` (search, count, versions) with
``read_only_action = True`` (DRF's ``@action(..., read_only_action=True)`` sets it on the view), so
a read-only key may call it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from assistants.actors import Actor
from assistants.models import ApiKey

API_KEY_HEADER = "HTTP_X_API_KEY"

NOT_AUTHENTICATED = "Authentication required: send a valid API key in the X-Api-Key header."

#: ``last_used_at`` is written at most this often per key, so hot read paths do not write.
TOUCH_INTERVAL_SECONDS = 60


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        raw = request.META.get(API_KEY_HEADER)
        if raw is None:
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        try:
            key = ApiKey.objects.get(digest=ApiKey.digest_for(raw))
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        now = timezone.now()
        if (
            key.last_used_at is None
            or (now - key.last_used_at).total_seconds() > TOUCH_INTERVAL_SECONDS
        ):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        return "X-Api-Key"


class HasApiScope(permissions.BasePermission):
    """Any valid key may read, a read-write key may write; a signed-in user needs the permission
    to view assistants to read and to change them to write (services check publish/delete)."""

    message = NOT_AUTHENTICATED

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        user = request.user if request.user is not None and request.user.is_authenticated else None
        if key is None and user is None:
            return False
        reading = request.method in permissions.SAFE_METHODS or getattr(
            view, "read_only_action", False
        )
        if key is not None:
            if not reading and not key.can_write:
                raise exceptions.PermissionDenied("This API key is read-only.")
            return True
        # A session user needs the same rights as on the pages: viewing to read, changing to write.
        if reading:
            if not user.has_perm("assistants.view_assistant"):  # type: ignore[union-attr]
                raise exceptions.PermissionDenied("You do not have permission to view assistants.")
            return True
        if not user.has_perm("assistants.change_assistant"):  # type: ignore[union-attr]
            raise exceptions.PermissionDenied("You do not have permission to change assistants.")
        return True


def actor_for(request: Request) -> Actor:
    """The actor the services record: the API key if one was used, else the signed-in user."""
    if isinstance(request.auth, ApiKey):
        return Actor(api_key=request.auth)
    return Actor(user=request.user)
