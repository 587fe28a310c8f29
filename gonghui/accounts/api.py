"""POST /api/v1/auth/token: exchange a staff username and password for a bearer token.
GET /api/v1/auth/tokens and DELETE /api/v1/auth/tokens/{id}: list and revoke one's own tokens."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from gonghui.accounts.actions import do_issue_api_token, do_revoke_api_token
from gonghui.accounts.auth import LOCKED_OUT_MESSAGE
from gonghui.accounts.models import ApiToken
from gonghui.core.api import ErrorOut

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="用户名密码换取访问令牌",
)
def issue_token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise HttpError(403, LOCKED_OUT_MESSAGE)
    if user is None:
        raise HttpError(401, "用户名或密码错误")
    # A token exchange is a login: django-axes resets the failure count and last_login is set.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    row, token = do_issue_api_token(acting_user=user, user=user, label="api")
    return {"token": token, "expires_at": row.expires_at}


class TokenRowOut(Schema):
    id: int
    prefix: str
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get("/tokens", response={200: list[TokenRowOut], 401: ErrorOut}, summary="本人的访问令牌（不含令牌本身）")
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.auth).order_by("-created_at")[:200])


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenRowOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="撤销本人的一个访问令牌",
)
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken.objects.select_related("user__home_org"), pk=token_id, user=request.auth)
    return do_revoke_api_token(acting_user=request.auth, token=token)
