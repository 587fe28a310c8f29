"""Text messages to members' phones, through a pluggable gateway.

No SMS gateway is reachable from this project, so the default backend writes the message
to the console log (development) and keeps it in `outbox` (tests read it). A deployment
sets GONGHUI_SMS_BACKEND to a class with the same `send()` for its provider. Messages are
sent after commit by the actions that cause them, never inside a transaction.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("gonghui.sms")
outbox: list[dict] = []


class ConsoleSmsBackend:
    """Development backend: prints the message (with the number masked in the log line)."""

    def send(self, mobile: str, text: str) -> None:
        outbox.append({"mobile": mobile, "text": text})
        masked = mobile[:6] + "****" + mobile[-4:] if len(mobile) > 10 else "***"
        logger.warning("SMS (console backend, not sent) to %s: %s", masked, text)


def send_sms(mobile: str, text: str) -> None:
    if not mobile:
        return
    path = getattr(settings, "GONGHUI_SMS_BACKEND", "gonghui.core.sms.ConsoleSmsBackend")
    import_string(path)().send(mobile, text)
