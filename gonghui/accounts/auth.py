"""API authentication: bearer tokens for apps, the session for the console's own calls."""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

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


CARD_VERIFY = "card.verify"
CARD_VERIFY_REFUSED = "此账号没有核验会员卡的权限（card.verify），请联系发证工会开通"


def holds_card_verify(user_ref: str = "pk") -> Q:
    """Q over users (via `user_ref`, e.g. "user_id" from a token row) who may verify member cards.

    `card.verify` is held through a role granted on an active org (the role 会员卡核验 for API
    clients such as a merchant's app; 系统管理员 holds everything), by superusers, and by the
    active staff of an active partner (合作商户, whose counter verifies cards; benefits.PartnerStaff).
    The role's permission list is JSON; a text match on the quoted name works on both databases.
    """
    from gonghui.accounts.models import Grant

    partner_staff = apps.get_model("benefits", "PartnerStaff")
    grants = Grant.objects.filter(user_id=OuterRef(user_ref), revoked_at__isnull=True, org__status="active").filter(
        Q(role__all_permissions=True) | Q(role__permissions__icontains=f'"{CARD_VERIFY}"')
    )
    counters = partner_staff.objects.filter(user_id=OuterRef(user_ref), active=True, partner__status="active")
    superuser = "is_superuser" if user_ref == "pk" else user_ref.removesuffix("_id") + "__is_superuser"
    return Q(**{superuser: True}) | Exists(grants) | Exists(counters)


def may_verify_cards(user) -> bool:
    from gonghui.accounts.models import User

    return User.objects.filter(holds_card_verify("pk"), pk=getattr(user, "pk", user)).exists()


class ConsoleSessionAuth(SessionAuth):
    """The console's own calls (session cookie + CSRF). A request that names a bearer token is
    judged by the token alone: a bad or expired one is 401 `unauthenticated`, not a CSRF 403."""

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return None
        return super().__call__(request)


console_session_auth = ConsoleSessionAuth()


class CardSessionAuth(ConsoleSessionAuth):
    """The console session for the card endpoints: also needs `card.verify`."""

    def __call__(self, request):
        user = super().__call__(request)
        if user and not may_verify_cards(user):
            raise PermissionDenied(CARD_VERIFY_REFUSED)
        return user
