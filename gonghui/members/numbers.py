"""Member numbers (会员证号): province code + 10-digit sequence, allocated in blocks.

A block allocation takes one row lock on the province's sequence row, so a 100,000-row
import reserves its numbers in one statement instead of 100,000.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from gonghui.members.models import MemberNumberSequence
from gonghui.orgs.models import Org


def province_code_of(org: Org) -> str:
    if org.province_id:
        code = Org.objects.filter(pk=org.province_id).values_list("division_code", flat=True).first()
        if code:
            return code[:6]
    return (org.division_code or "000000")[:2].ljust(6, "0")


@transaction.atomic
def allocate(org: Org, count: int = 1) -> list[str]:
    prefix = province_code_of(org)
    sequence, _created = MemberNumberSequence.objects.get_or_create(province_code=prefix)
    MemberNumberSequence.objects.filter(pk=sequence.pk).update(next_value=F("next_value") + count)
    start = MemberNumberSequence.objects.values_list("next_value", flat=True).get(pk=sequence.pk) - count
    return [f"{prefix}{n:010d}" for n in range(start, start + count)]
