"""Writes to staff accounts, grants and tokens (DESIGN.md §3.1). Every one is audited."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import ApiToken, Grant, Role, User
from gonghui.core import audit
from gonghui.core.errors import ActionPermissionError
from gonghui.core.scoping import user_can
from gonghui.orgs.models import Org

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,150}$")


def _require(acting_user, permission: str, org: Org | None) -> None:
    if acting_user is None:
        return
    if org is None:
        if not acting_user.is_superuser:
            raise ActionPermissionError(permission, _("只有系统管理员可以管理不属于任何组织的账号"))
        return
    if not user_can(acting_user, permission, org.path):
        raise ActionPermissionError(permission, _("您没有在“%(org)s”管理工作人员的权限") % {"org": org.name})


def _require_covers(acting_user, user: User, permission: str = "staff.manage") -> None:
    """Whoever controls an account (its password, tokens, activation) wields its grants, so the
    actor must already hold every permission the account holds, where it holds it: a district
    organiser cannot take over a city organiser or a superuser who happens to be homed in the district.
    """
    if acting_user is None or acting_user.is_superuser or acting_user.pk == user.pk:
        return
    if user.is_superuser:
        raise ActionPermissionError(permission, _("只有系统管理员可以管理系统管理员账号"))
    for grant in Grant.objects.active().filter(user=user).select_related("role", "org"):
        if grant.role.all_permissions:
            missing = permission
        else:
            missing = next((p for p in grant.role.permissions if not user_can(acting_user, p, grant.org.path)), None)
        if missing:
            raise ActionPermissionError(
                missing,
                _("%(user)s 在“%(org)s”拥有您没有的权限（角色“%(role)s”），只有其上级可以管理该账号")
                % {"user": user, "org": grant.org.name, "role": grant.role.name},
            )


def _staff_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "home_org": user.home_org_id,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
    }


@transaction.atomic
def do_create_staff(
    *,
    acting_user,
    username: str,
    display_name: str,
    home_org: Org | None,
    password: str,
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    _require(acting_user, "staff.manage", home_org)
    errors = {}
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = _("用户名为3–150位字母、数字或 _ . @ -")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("用户名“%(u)s”已被使用") % {"u": username}
    display_name = " ".join((display_name or "").split())
    if not display_name:
        errors["display_name"] = _("请填写姓名")
    elif len(display_name) > 60:
        errors["display_name"] = _("姓名最多60个字符")
    if home_org is not None and not home_org.is_active:
        errors["home_org"] = _("“%(org)s”已撤销，不能在其下新建账号") % {"org": home_org.name}
    if is_superuser and acting_user is not None and not acting_user.is_superuser:
        errors["is_superuser"] = _("只有系统管理员可以创建系统管理员")
    candidate = User(username=username, display_name=display_name)
    try:
        password_validation.validate_password(password or "", candidate)
    except ValidationError as e:
        errors["password"] = " ".join(e.messages)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        display_name=display_name,
        home_org=home_org,
        phone=phone or "",
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save(force_insert=True)
    audit.record(actor=acting_user, action="staff.create", obj=user, org=home_org, after=_staff_snapshot(user))
    return user


@transaction.atomic
def do_set_staff_active(*, acting_user, user: User, active: bool, reason: str) -> User:
    user = User.objects.select_for_update(of=("self",)).select_related("home_org").get(pk=user.pk)
    _require(acting_user, "staff.manage", user.home_org)
    if acting_user is not None and acting_user.pk == user.pk and not active:
        raise ValidationError({"__all__": _("不能停用自己的账号")})
    _require_covers(acting_user, user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写原因")})
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor=acting_user,
        action="staff.activate" if active else "staff.deactivate",
        obj=user,
        org=user.home_org,
        before={"is_active": not active},
        after={"is_active": active},
        reason=reason,
    )
    return user


@transaction.atomic
def do_set_display_name(*, acting_user, user: User, display_name: str, reason: str) -> User:
    """Rename a staff account as people see it (经办人 defaults, audit lists): a person's name."""
    user = User.objects.select_for_update(of=("self",)).select_related("home_org").get(pk=user.pk)
    _require(acting_user, "staff.manage", user.home_org)
    _require_covers(acting_user, user)
    name = " ".join((display_name or "").split())
    if not name or len(name) > 60:
        raise ValidationError({"display_name": _("请填写姓名（最多60个字符）")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写原因")})
    if user.display_name == name:
        return user
    before = user.display_name
    user.display_name = name
    user.save(update_fields=["display_name"])
    audit.record(
        actor=acting_user,
        action="staff.rename",
        obj=user,
        org=user.home_org,
        before={"display_name": before},
        after={"display_name": name},
        reason=reason,
    )
    return user


@transaction.atomic
def do_set_password(*, acting_user, user: User, password: str) -> User:
    user = User.objects.select_for_update(of=("self",)).select_related("home_org").get(pk=user.pk)
    if acting_user is None or acting_user.pk != user.pk:
        _require(acting_user, "staff.manage", user.home_org)
        _require_covers(acting_user, user)
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as e:
        raise ValidationError({"password": " ".join(e.messages)}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=acting_user, action="staff.set_password", obj=user, org=user.home_org)
    return user


@transaction.atomic
def do_grant_role(*, acting_user, user: User, role: Role, org: Org, reason: str = "") -> Grant:
    """Give `user` the `role` on `org`'s subtree.

    The granter must manage staff at that org and must themselves hold every permission
    of the role there: nobody can hand out more than they have.
    """
    _require(acting_user, "staff.manage", org)
    if not org.is_active:
        raise ValidationError({"org": _("“%(org)s”已撤销，不能在其上授权") % {"org": org.name}})
    if not user.is_active:
        raise ValidationError({"user": _("账号已停用，不能授权")})
    if acting_user is not None and not acting_user.is_superuser:
        if role.all_permissions:
            raise ActionPermissionError("staff.manage", _("只有系统管理员可以授予“%(role)s”") % {"role": role.name})
        missing = [p for p in role.permissions if not user_can(acting_user, p, org.path)]
        if missing:
            raise ActionPermissionError(
                missing[0],
                _("您在“%(org)s”没有权限 %(perm)s，不能授予包含它的角色") % {"org": org.name, "perm": missing[0]},
            )
    if Grant.objects.active().filter(user=user, role=role, org=org).exists():
        raise ValidationError(
            {"role": _("%(user)s 已在“%(org)s”拥有角色“%(role)s”") % {"user": user, "org": org.name, "role": role.name}}
        )
    try:
        with transaction.atomic():
            grant = Grant.objects.create(user=user, role=role, org=org, granted_by=acting_user)
    except IntegrityError:
        raise ValidationError({"role": _("该授权已存在")}) from None
    user.forget_grants()
    audit.record(
        actor=acting_user,
        action="grant.create",
        obj=grant,
        org=org,
        after={"user": user.pk, "username": user.username, "role": role.code, "org": org.pk},
        reason=reason,
    )
    return grant


@transaction.atomic
def do_revoke_grant(*, acting_user, grant: Grant, reason: str) -> Grant:
    grant = Grant.objects.select_for_update(of=("self",)).select_related("org", "user", "role").get(pk=grant.pk)
    _require(acting_user, "staff.manage", grant.org)
    if grant.revoked_at is not None:
        raise ValidationError(
            {"__all__": _("该授权已于 %(at)s 撤销") % {"at": f"{timezone.localtime(grant.revoked_at):%Y-%m-%d %H:%M}"}}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("撤销授权需要填写原因")})
    grant.revoked_at = timezone.now()
    grant.revoked_by = acting_user
    grant.save(update_fields=["revoked_at", "revoked_by"])
    grant.user.forget_grants()
    audit.record(
        actor=acting_user,
        action="grant.revoke",
        obj=grant,
        org=grant.org,
        before={"user": grant.user_id, "role": grant.role.code, "org": grant.org_id},
        after={"revoked": True},
        reason=reason,
    )
    return grant


@transaction.atomic
def do_issue_api_token(*, acting_user, user: User, label: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token for `user` (their own, through POST /auth/token). Returns (row, token)."""
    if acting_user is not None and acting_user.pk != user.pk:
        _require(acting_user, "staff.manage", user.home_org)
        _require_covers(acting_user, user)
    token = "gh_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        token_hash=ApiToken.hash(token),
        prefix=token[:8],
        label=label[:60],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    audit.record(
        actor=acting_user or user,
        action="token.issue",
        obj=row,
        object_label=row.prefix,
        org=user.home_org,
        after={"user": user.pk, "expires_at": row.expires_at},
    )
    return row, token


@transaction.atomic
def do_revoke_api_token(*, acting_user, token: ApiToken) -> ApiToken:
    if acting_user is not None and acting_user.pk != token.user_id:
        _require(acting_user, "staff.manage", token.user.home_org)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=acting_user, action="token.revoke", obj=token, object_label=token.prefix, org=token.user.home_org
        )
    return token
