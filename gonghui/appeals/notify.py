"""Text messages to the requester (诉求人) about their ticket: registered, resolved, reopened.

Sent through `gonghui.core.sms` after the transaction commits (the console backend prints them in
development; tests read `sms.outbox`). A message carries the ticket number and, after resolution,
the signed rating link — never the text of the appeal, the result or the caller's name, because the
console backend and a provider's logs keep what is sent. Landlines and anonymous callers get
nothing (an anonymous caller gave a number to be called back, not to receive texts).

The rating link is absolute: `GONGHUI_PUBLIC_URL` (setting or environment variable, e.g.
https://gonghui.example.org) plus the rating page's path; without it the path alone is sent.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.appeals.models import Appeal
from gonghui.core import crypto
from gonghui.core.sms import send_sms

PHONE_PURPOSE = "appeal.caller_phone"
SIGNATURE = "【12351】"


def public_url(path: str) -> str:
    base = getattr(settings, "GONGHUI_PUBLIC_URL", "") or os.environ.get("GONGHUI_PUBLIC_URL", "")
    return f"{base.rstrip('/')}{path}" if base else path


def rating_link(appeal: Appeal) -> str:
    """The one-click rating page of this round of the ticket (the requester picks 非常满意 … 非常不满意)."""
    from gonghui.appeals.actions import rating_token

    return public_url(reverse("appeals:rate", args=[rating_token(appeal, "")]))


def _mobile(appeal: Appeal) -> str:
    if appeal.anonymous or not appeal.caller_phone_cipher:
        return ""
    phone = crypto.decrypt(bytes(appeal.caller_phone_cipher), PHONE_PURPOSE)
    return phone[3:] if phone.startswith("+86") else ""


def _send(appeal: Appeal, message) -> bool:
    """`message` makes the text (only when there is someone to send it to)."""
    mobile = _mobile(appeal)
    if not mobile:
        return False
    text = message()
    transaction.on_commit(lambda: send_sms(mobile, text), robust=True)
    return True


def registered(appeal: Appeal) -> bool:
    return _send(appeal, lambda: _registered_text(appeal))


def _registered_text(appeal: Appeal) -> str:
    if appeal.duplicate_of_id:
        return _("%(sig)s您的来电已记录，并关联到此前的工单 %(n)s，我们会一并办理。") % {
            "sig": SIGNATURE,
            "n": appeal.duplicate_of.number,
        }
    return _("%(sig)s您的诉求已受理，工单号 %(n)s，办理期限 %(d)s。查询请拨打12351并提供工单号。") % {
        "sig": SIGNATURE,
        "n": appeal.number,
        "d": appeal.due_on.isoformat(),
    }


def resolved(appeal: Appeal) -> bool:
    return _send(appeal, lambda: _resolved_text(appeal))


def _resolved_text(appeal: Appeal) -> str:
    return _("%(sig)s您的工单 %(n)s 已办结，请对办理结果进行评价：%(url)s") % {
        "sig": SIGNATURE,
        "n": appeal.number,
        "url": rating_link(appeal),
    }


def reopened(appeal: Appeal) -> bool:
    return _send(appeal, lambda: _reopened_text(appeal))


def _reopened_text(appeal: Appeal) -> str:
    return _("%(sig)s根据您的评价，工单 %(n)s 已重新办理，新的办理期限 %(d)s。") % {
        "sig": SIGNATURE,
        "n": appeal.number,
        "d": appeal.due_on.isoformat(),
    }
