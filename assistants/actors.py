"""Who is acting: a signed-in user, an API key, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

    from assistants.models import ApiKey


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | AnonymousUser | None = None
    api_key: ApiKey | None = None
    system: bool = False

    @classmethod
    def system_actor(cls) -> Actor:
        return cls(system=True)

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.name} ({self.api_key.prefix})"
        if self.user is not None and self.user.is_authenticated:
            return f"user:{self.user.get_username()}"
        return "system"

    @property
    def user_or_none(self) -> User | None:
        if self.user is not None and self.user.is_authenticated:
            return self.user  # type: ignore[return-value]
        return None

    def can_edit(self) -> bool:
        if self.system:
            return True
        if self.api_key is not None:
            return self.api_key.is_active and self.api_key.can_write
        user = self.user_or_none
        return bool(user and user.has_perm("assistants.change_assistant"))  # type: ignore[attr-defined]

    def can_create(self) -> bool:
        if self.system or self.api_key is not None:
            return self.can_edit()
        user = self.user_or_none
        return bool(user and user.has_perm("assistants.add_assistant"))  # type: ignore[attr-defined]

    def can_publish(self) -> bool:
        if self.system or self.api_key is not None:
            return self.can_edit()
        user = self.user_or_none
        return bool(user and user.has_perm("assistants.publish_assistant"))  # type: ignore[attr-defined]

    def can_delete(self) -> bool:
        if self.system or self.api_key is not None:
            return self.can_edit()
        user = self.user_or_none
        return bool(user and user.has_perm("assistants.delete_assistant"))  # type: ignore[attr-defined]
