"""POST /api/v1/auth/token: exchange a staff username and password for a bearer token."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from gonghui.accounts.actions import do_issue_api_token
from gonghui.accounts.auth import LOCKED_OUT_MESSAGE
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
