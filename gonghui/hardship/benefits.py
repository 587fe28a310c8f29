"""The "hardship" condition of benefit eligibility rules (members.eligibility).

Offered through `HardshipConfig.member_conditions`, so that `benefits` can target archived
hardship workers (e.g. a 送温暖 voucher) without importing this app. A member is "archived" while
a household archive naming them as its worker is on file (在档 or under annual review).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.states import IN_ARCHIVE

ARCHIVED, NOT_ARCHIVED = "archived", "not_archived"


class ArchiveCondition:
    label = _("困难职工建档情况")
    values = {ARCHIVED: _("在档困难职工"), NOT_ARCHIVED: _("非在档困难职工")}

    @staticmethod
    def _on_file():
        return HardshipArchive.objects.filter(person_id=OuterRef("person_id"), status__in=list(IN_ARCHIVE))

    def check(self, membership, value) -> bool | None:
        if value not in self.values:
            return None
        archived = HardshipArchive.objects.filter(person_id=membership.person_id, status__in=list(IN_ARCHIVE)).exists()
        return archived if value == ARCHIVED else not archived

    def segment(self, value) -> Q | None:
        if value not in self.values:
            return None
        on_file = Exists(self._on_file())
        return Q(on_file) if value == ARCHIVED else ~Q(on_file)

    def fail_reason(self, value) -> str:
        return str(_("仅限在档困难职工")) if value == ARCHIVED else str(_("仅限非在档困难职工"))


def archive_condition() -> ArchiveCondition:
    return ArchiveCondition()
