"""API keys (``X-Api-Key``) and the scope rule: read-only keys may only read."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from assistants.models import ApiKey

API_KEY_HEADER = "HTTP_X_API_KEY"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        raw = request.META.get(API_KEY_HEADER)
        if raw is None:
            return None
        raw = raw.strip()
        if not raw:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        key = ApiKey.objects.filter(digest=ApiKey.digest_for(raw)).first()
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            # Touch at most once a minute so hot read paths do not write on every request.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        return "X-Api-Key"


class HasApiScope(permissions.BasePermission):
    """Any valid key or signed-in user may read; writing needs a read-write key or edit rights."""

    message = "Authentication required: send a valid API key in the X-Api-Key header."

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        user = request.user if request.user is not None and request.user.is_authenticated else None
        if key is None and user is None:
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "read_only_action", False):
            return True
        if key is not None:
            if not key.can_write:
                raise exceptions.PermissionDenied("This API key is read-only.")
            return True
        if not user.has_perm("assistants.change_assistant"):  # type: ignore[union-attr]
            raise exceptions.PermissionDenied("You do not have permission to change assistants.")
        return True
