"""Member login to the portal by mobile number and a one-time SMS code (手机号 + 验证码).

- `request_code(mobile, client_ip=...)` normalises the number (E.164), applies the rate limits
  (one code per number per minute, at most 5 per number and 20 per client address per hour),
  stores only an HMAC of the code and sends it by SMS after commit. With DEBUG on, the code is
  also logged to the console: that is the documented demo behaviour (DESIGN.md §6).
- `verify_code(mobile, code)` checks the newest code of the number: at most 5 attempts, a
  constant-time comparison, valid 5 minutes, single use. Requesting a new code invalidates the
  older ones. A successful login and a code locked by wrong guesses leave audit entries; neither
  the code nor its hash ever goes into the audit log.

The limits are counted in the database (the `MemberLoginCode` rows themselves), so they hold
across processes without a shared cache. Staff login is separate (django-axes, passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import MemberLoginCode
from gonghui.core import audit
from gonghui.core.sms import send_sms
from gonghui.people.identity import mask_mobile, normalise_mobile

logger = logging.getLogger("gonghui.member_login")

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
RESEND_INTERVAL = timedelta(seconds=60)
WINDOW = timedelta(hours=1)
MAX_PER_MOBILE = 5  # codes per number per WINDOW
MAX_PER_CLIENT = 20  # codes per client address per WINDOW
MAX_ATTEMPTS = 5  # guesses per code
KEEP_ROWS = timedelta(days=1)


class CodeRateLimited(ValidationError):
    """Too many codes asked for; `retry_after` says after how many seconds to try again."""

    def __init__(self, message: str, *, code: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__({"mobile": ValidationError(message, code=code)})


def _hmac(*parts: str) -> str:
    message = "\x00".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def code_hash(mobile: str, code: str) -> str:
    return _hmac("member-login-code", mobile, code)


def client_hash(client_ip: str) -> str:
    return _hmac("member-login-client", client_ip) if client_ip else ""


def normalise(mobile: str) -> str:
    """E.164 form of a mainland mobile number, or ValidationError on the `mobile` field."""
    try:
        return normalise_mobile(mobile)
    except ValidationError as error:
        raise ValidationError({"mobile": error.messages}) from None


def _lock_mobile(mobile: str) -> None:
    """Serialise code requests for one number (PostgreSQL advisory lock; SQLite writes are serial)."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"member-login:{mobile}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def request_code(mobile: str, *, client_ip: str = "") -> MemberLoginCode:
    """Send a new login code to `mobile` unless a rate limit refuses it (CodeRateLimited)."""
    e164 = normalise(mobile)
    client = client_hash(client_ip)
    with transaction.atomic():
        _lock_mobile(e164)
        now = timezone.now()
        since = now - WINDOW
        MemberLoginCode.objects.filter(mobile=e164, created_at__lt=now - KEEP_ROWS).delete()
        recent = list(
            MemberLoginCode.objects.filter(mobile=e164, created_at__gt=since)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
        )
        if recent and now - recent[0] < RESEND_INTERVAL:
            wait = _seconds(RESEND_INTERVAL - (now - recent[0]))
            raise CodeRateLimited(
                _("验证码已发送，请 %(s)s 秒后再重新获取") % {"s": wait}, code="resend_too_soon", retry_after=wait
            )
        if len(recent) >= MAX_PER_MOBILE:
            wait = _seconds(recent[MAX_PER_MOBILE - 1] + WINDOW - now)
            raise CodeRateLimited(
                _("该手机号1小时内获取验证码次数过多，请 %(m)s 分钟后再试") % {"m": (wait + 59) // 60},
                code="mobile_limit",
                retry_after=wait,
            )
        if client:
            from_client = list(
                MemberLoginCode.objects.filter(client_hash=client, created_at__gt=since)
                .order_by("-created_at")
                .values_list("created_at", flat=True)[:MAX_PER_CLIENT]
            )
            if len(from_client) >= MAX_PER_CLIENT:
                wait = _seconds(from_client[-1] + WINDOW - now)
                raise CodeRateLimited(
                    _("当前网络获取验证码次数过多，请 %(m)s 分钟后再试") % {"m": (wait + 59) // 60},
                    code="client_limit",
                    retry_after=wait,
                )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        row = MemberLoginCode.objects.create(
            mobile=e164,
            code_hash=code_hash(e164, code),
            client_hash=client,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        text = _("【工会】您的登录验证码为 %(code)s，%(m)s分钟内有效。请勿将验证码告诉他人。") % {
            "code": code,
            "m": int(CODE_TTL.total_seconds() // 60),
        }
        transaction.on_commit(lambda: send_sms(e164, text), robust=True)
        if settings.DEBUG:
            masked = mask_mobile(e164)
            transaction.on_commit(
                lambda: logger.warning("member login code for %s: %s (shown because DEBUG is on)", masked, code),
                robust=True,
            )
    return row


def _clean_code(code: str) -> str:
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(code or "")))
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", text):
        raise ValidationError({"code": ValidationError(_("请输入短信中的6位数字验证码"), code="code_format")})
    return text


def verify_code(mobile: str, code: str, *, person=None, org=None) -> MemberLoginCode:
    """Check `code` against the newest code sent to `mobile`; mark it used on success.

    `person` and `org` (the person this number belongs to, and their union) only label the
    login's audit entry. Raises ValidationError on the `code` field (or `mobile`) otherwise.
    """
    e164 = normalise(mobile)
    code = _clean_code(code)
    problem = None
    with transaction.atomic():
        row = MemberLoginCode.objects.select_for_update().filter(mobile=e164).order_by("-created_at", "-id").first()
        now = timezone.now()
        if row is None or row.expires_at <= now:
            problem = ValidationError(_("验证码已失效，请重新获取"), code="code_expired")
        elif row.used_at is not None:
            problem = ValidationError(_("验证码已使用过，请重新获取"), code="code_used")
        elif row.attempts >= MAX_ATTEMPTS:
            problem = ValidationError(_("验证码错误次数过多，请重新获取"), code="code_locked")
        else:
            row.attempts += 1
            if hmac.compare_digest(row.code_hash, code_hash(e164, code)):
                row.used_at = now
                row.save(update_fields=["attempts", "used_at"])
                audit.record(
                    actor=None,
                    action="member.login",
                    obj=person if person is not None else row,
                    org=org,
                    after={
                        "mobile": mask_mobile(e164),
                        "method": "sms_code",
                        "person": getattr(person, "pk", None),
                        "login_code": row.pk,
                    },
                )
            else:
                row.save(update_fields=["attempts"])
                left = MAX_ATTEMPTS - row.attempts
                if left > 0:
                    problem = ValidationError(_("验证码不正确，还可以再试 %(n)s 次") % {"n": left}, code="code_wrong")
                else:
                    problem = ValidationError(_("验证码错误次数过多，请重新获取"), code="code_locked")
                    audit.record(
                        actor=None,
                        action="member.login_locked",
                        obj=row,
                        after={"mobile": mask_mobile(e164), "attempts": row.attempts},
                    )
    if problem is not None:
        raise ValidationError({"code": problem})
    return row
