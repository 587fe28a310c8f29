"""Natural persons under the real-name system (DOMAIN.md §3, DESIGN.md §3.8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.tree import ByteOrderCharField
from gonghui.people.choices import EDUCATION, ETHNIC_GROUPS, HUKOU_TYPES, POLITICAL_STATUS, choices
from gonghui.people.identity import DocType, Sex


class Person(TimeStampedModel):
    """One real person, once. Identified by the blind index of their document number.

    The document number itself is stored only encrypted (`doc_cipher`, AES-GCM); `doc_index`
    (HMAC-SHA256) allows exact lookup and dedupe; `doc_masked` is what lists show. Reading the
    whole number goes through `people.actions.reveal_document`, which writes an audit entry.
    """

    # Byte-order columns with indexes: member search matches name, pinyin and initials by prefix
    # range (core.tree.prefix_range), which must stay an index range on both databases.
    name = ByteOrderCharField(_("姓名"), max_length=30)
    name_pinyin = ByteOrderCharField(_("姓名拼音"), max_length=120, blank=True)
    name_initials = ByteOrderCharField(_("拼音首字母"), max_length=30, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=10, choices=choices(ETHNIC_GROUPS), blank=True)
    education = models.CharField(_("学历"), max_length=12, choices=choices(EDUCATION), blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=10, choices=choices(POLITICAL_STATUS), blank=True)
    hukou_type = models.CharField(_("户籍类型"), max_length=6, choices=choices(HUKOU_TYPES), blank=True)
    hukou_place = models.CharField(_("户籍地"), max_length=100, blank=True)
    mobile = models.CharField(_("手机号"), max_length=16, blank=True, db_index=True)
    doc_type = models.CharField(_("证件类型"), max_length=16, choices=DocType.choices)
    doc_cipher = models.BinaryField(_("证件号码（密文）"), editable=False)
    doc_index = models.CharField(max_length=64, unique=True, editable=False)
    doc_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    verification_method = models.CharField(_("认证方式"), max_length=40, blank=True)
    verification_note = models.CharField(_("认证结果说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        # Plain indexes, not db_index: that would add a redundant varchar_pattern_ops twin on PostgreSQL.
        # `id` second: a name search's person subquery is then an index-only scan on PostgreSQL too
        # (SQLite keeps the rowid in every index anyway).
        indexes = [
            models.Index(fields=["name", "id"], name="person_name_idx"),
            models.Index(fields=["name_pinyin", "id"], name="person_pinyin_idx"),
            models.Index(fields=["name_initials", "id"], name="person_initials_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None
