"""Staff users, roles, grants (role × org subtree) and API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A staff user of the console or the API.

    Permissions come only from grants: a role held on an org applies to the org's whole
    subtree. Django's own per-user permissions and groups are not used. `home_org` is the
    union the staff member works for; it decides who may manage the account.
    """

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    home_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects = UserManager()

    permission_prefix = "staff"
    scope_path_field = "home_org__path"

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self):
        return self.display_name or self.username

    def scope_paths(self, permission: str):
        """Org paths where this user holds `permission`; None means everywhere (superuser)."""
        if self.is_superuser:
            return None
        cache = self.__dict__.setdefault("_scope_cache", None)
        if cache is None:
            cache = self._load_grants()
            self.__dict__["_scope_cache"] = cache
        return [path for path, perms, everything in cache if everything or permission in perms]

    def _load_grants(self):
        rows = Grant.objects.filter(user=self, revoked_at__isnull=True, org__status="active").values_list(
            "org__path", "role__permissions", "role__all_permissions"
        )
        return [(path, frozenset(perms or ()), everything) for path, perms, everything in rows]

    def forget_grants(self):
        self.__dict__.pop("_scope_cache", None)


class Role(models.Model):
    """A named set of permissions (系统管理员, 组织管理员, 帮扶专员, 热线坐席, 财务, 只读 …)."""

    code = models.SlugField(_("角色代码"), max_length=40, unique=True)
    name = models.CharField(_("角色名称"), max_length=40, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    all_permissions = models.BooleanField(_("全部权限"), default=False)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def grants_permission(self, permission: str) -> bool:
        return self.all_permissions or permission in self.permissions


class GrantQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Grant(models.Model):
    """A role held by a user on an org; it applies to the org's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("工作人员"), on_delete=models.PROTECT, related_name="grants")
    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.PROTECT, related_name="grants")
    org = models.ForeignKey("orgs.Org", verbose_name=_("授权组织"), on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(
        User, verbose_name=_("授权人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    permission_prefix = "staff"
    scope_path_field = "org__path"

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org"],
                condition=models.Q(revoked_at__isnull=True),
                name="grant_unique_active",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.role} @ {self.org}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    label = models.CharField(_("用途"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_idx")]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active


class MemberLoginCode(models.Model):
    """A one-time code sent by SMS for a member's login to the portal (手机号 + 验证码).

    Only an HMAC-SHA256 of the code (keyed with SECRET_KEY, bound to the mobile) is stored,
    never the code itself. `client_hash` is an HMAC of the requesting client's IP address,
    kept only for the per-address rate limit. `gonghui.accounts.member_login` writes these rows.
    """

    mobile = models.CharField(_("手机号"), max_length=16)
    code_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员登录验证码")
        verbose_name_plural = _("会员登录验证码")
        indexes = [
            models.Index(fields=["mobile", "created_at"], name="loginm_mobile_idx"),
            models.Index(fields=["client_hash", "created_at"], name="loginm_client_idx"),
        ]

    def __str__(self):
        masked = self.mobile[:6] + "****" + self.mobile[-4:] if len(self.mobile) > 10 else "***"
        return f"{masked} @ {self.created_at:%Y-%m-%d %H:%M}"
