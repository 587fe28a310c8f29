"""Core models: the tamper-evident audit log and base mixins for domain models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.scoping import ScopedQuerySet, permission_name, user_scope_paths
from gonghui.core.tree import PathField, in_any_subtree


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


def moved_prefixes(paths: list[str], moves: list[tuple[str, str]]) -> set[str]:
    """The old paths under which the orgs now inside `paths` wrote audit entries before a move.

    `moves` are (old_path, new_path) of every subtree move, oldest first. A move into (or
    inside) one of the paths adds the path it came from; repeated until nothing new is added,
    so a subtree moved twice brings both of its earlier homes.
    """
    found = set(paths)
    changed = True
    while changed:
        changed = False
        for old, new in moves:
            for path in list(found):
                extra = None
                if new.startswith(path):
                    extra = old  # the whole moved subtree now lies inside `path`
                elif path.startswith(new):
                    extra = old + path[len(new) :]  # `path` lies inside the moved subtree
                if extra and extra not in found:
                    found.add(extra)
                    changed = True
    return found - set(paths)


class AuditQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Entries written under the user's subtrees, including under their orgs' paths before a move.

        An entry keeps the org path it was written under. After a subtree move the new ancestors
        see its whole history (they answer for those orgs now); the old ancestors keep seeing what
        was written while the subtree was theirs, and nothing after (docs/architecture.md).
        """
        paths = user_scope_paths(user, permission_name(self.model, action))
        if paths is None:
            return self
        if not paths:
            return self.none()
        moves = [
            (before["path"], after["path"])
            for before, after in AuditEntry.objects.filter(action="org.move")
            .order_by("id")
            .values_list("before", "after")
            if isinstance(before, dict) and isinstance(after, dict) and before.get("path") and after.get("path")
        ]
        extra = moved_prefixes(list(paths), moves) if moves else set()
        return self.filter(in_any_subtree(self.model.scope_path_field, list(paths) + sorted(extra)))


class AuditEntry(models.Model):
    """One change (or one sensitive read), written by the action in the same transaction.

    Rows are never updated except for the seal column (`block`, set once by the sealer).
    `entry_hash` is the SHA-256 of the entry's content and `entry_mac` a keyed MAC over
    the id, `prev_id` and that hash, so each row is verifiable from the moment it is
    written; blocks chain the hashes later (docs/architecture.md, "The audit chain").
    The org is stored as id and path (not a foreign key) so that the log survives org
    merges untouched and an org's history is a subtree range query.
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_label = models.CharField(_("对象"), max_length=200, blank=True)
    org_id = models.BigIntegerField(_("组织"), null=True, blank=True)
    org_path = PathField(_("组织路径"), blank=True, default="")
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64)
    # The highest entry id this entry's transaction could see when it was written (0: none).
    # Covered by the MAC, so deleting an entry that a later entry saw breaks the later one.
    prev_id = models.BigIntegerField(null=True, blank=True)
    # HMAC-SHA256 under GONGHUI_AUDIT_KEY (not in the database) over id, prev_id and entry_hash.
    entry_mac = models.CharField(max_length=64, blank=True, default="")
    block = models.ForeignKey("AuditBlock", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")

    objects = models.Manager.from_queryset(AuditQuerySet)()

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            models.Index(fields=["org_path", "id"], name="audit_org_path_idx"),
            models.Index(fields=["block", "id"], name="audit_block_idx"),
        ]

    permission_prefix = "audit"
    scope_path_field = "org_path"

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditBlock(models.Model):
    """A sealed batch of audit entries, linked to the previous block by its hash.

    Writers never touch a shared row: each action only inserts its entry. The sealer
    (a task, also `gonghui seal-audit`) later takes the unsealed entries, hashes them in id
    order into `entries_digest` and links the block to the previous block's hash. One
    chain per installation; `number` is unique so two concurrent sealers cannot fork it.
    """

    number = models.PositiveBigIntegerField(unique=True)
    first_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField()
    entry_count = models.PositiveIntegerField()
    entries_digest = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    block_hash = models.CharField(max_length=64, unique=True)
    # HMAC-SHA256 under GONGHUI_AUDIT_KEY over block_hash: a rewritten chain needs the key.
    block_mac = models.CharField(max_length=64, blank=True, default="")
    sealed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("日志封存块")
        ordering = ["number"]

    def __str__(self):
        return f"block {self.number} ({self.first_entry_id}–{self.last_entry_id})"


class CalendarOverride(models.Model):
    """A day whose working status an admin has set (next year's holidays, local arrangements)."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {'班' if self.is_workday else '休'} {self.note}"
