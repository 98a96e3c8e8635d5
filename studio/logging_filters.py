"""Logging filters for the studio's console handler."""

from __future__ import annotations

import logging


class OneLineSecurityEvents(logging.Filter):
    """Security events clients cause at will (a forged ``Host``) log one line, no traceback.

    Django logs ``DisallowedHost`` with the exception attached; anyone can send such requests, so
    a traceback per request would flood the log without telling an operator anything new.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
