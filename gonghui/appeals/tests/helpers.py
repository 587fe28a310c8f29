"""Shared helpers for the appeals tests: a movable clock and a ticket factory."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from gonghui.appeals import actions, clock
from gonghui.appeals.models import Appeal, AppealEvent
from gonghui.core.models import AuditEntry

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class Clock:
    """Stands in for `appeals.clock.now`; starts on Tuesday 2025-09-30 10:00 (the day before 国庆)."""

    def __init__(self, start: dt.datetime | None = None):
        self.at = start or dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> dt.datetime:
        return self.at

    @property
    def today(self) -> dt.date:
        return self.at.astimezone(SHANGHAI).date()

    def set(self, day: dt.date, hour: int = 10) -> None:
        self.at = dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)

    def advance(self, **kw) -> None:
        self.at += dt.timedelta(**kw)


def register(operator, org, **kw) -> Appeal:
    data = {
        "channel": "hotline",
        "request_type": "complaint",
        "topic": "wages",
        "text": "公司拖欠我们三个月工资，老板一直推脱不给。",
        "caller_name": "张师傅",
        "caller_phone": "13800138000",
    }
    data.update(kw)
    return actions.do_register_appeal(acting_user=operator, intake_org=org, **data)


def reload(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def kinds(appeal: Appeal) -> list[str]:
    return list(AppealEvent.objects.filter(appeal=appeal).order_by("at", "id").values_list("kind", flat=True))


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


__all__ = ["Clock", "clock", "entries", "kinds", "register", "reload"]
