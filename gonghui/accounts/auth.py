"""API authentication: bearer tokens for apps, the session for the console's own calls."""

import datetime as dt

from django.conf import settings
from django.db.models.functions import Now
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from ninja.security import HttpBearer

from gonghui.accounts.models import ApiToken

LOCKED_OUT_MESSAGE = "登录失败次数过多，账号已临时锁定，请1小时后再试"


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE).

    The API answers a lockout itself, in its JSON error shape; axes would otherwise replace
    that answer with the HTML lockout page. Console pages get the lockout page.
    """
    if request.path_info.startswith("/api/"):
        if original_response is not None and original_response.status_code == 403:
            return original_response
        body = {"error": {"code": "forbidden", "message": LOCKED_OUT_MESSAGE, "fields": {}}}
        return JsonResponse(body, status=403, json_dumps_params={"ensure_ascii": False})
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=403)


# Touch last_used_at at most once a minute: a busy merchant app must not turn every
# verification into a write.
STAMP_EVERY = dt.timedelta(seconds=60)
MAX_TOKEN_LENGTH = 200


def live_tokens(token_hash: str):
    """The token rule, in one place for every bearer authentication (this module and the card
    readers' lean path in members.api): not revoked, not expired, of an active account."""
    return ApiToken.objects.filter(
        token_hash=token_hash, revoked_at__isnull=True, expires_at__gt=Now(), user__is_active=True
    )


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        row = live_tokens(ApiToken.hash(token)).select_related("user").first()
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > STAMP_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user
