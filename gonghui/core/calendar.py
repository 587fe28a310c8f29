"""Working days in mainland China (DESIGN.md §3.7).

chinese-calendar knows public holidays and 调休 make-up working days for the years it
ships with; `CalendarOverride` rows (admin-editable) decide any day they name, so a
union can enter next year's official schedule when it is published each November.
Days neither source knows fall back to Monday–Friday.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from django.utils import timezone


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from gonghui.core.models import CalendarOverride

    return dict(CalendarOverride.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday"))


def _library_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # year not covered by the installed package
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    override = _overrides(day, day)
    if day in override:
        return override[day]
    return _library_workday(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself does not count)."""
    if days < 0:
        raise ValueError("days must be ≥ 0")
    overrides = _overrides(start, start + dt.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if overrides.get(day, _library_workday(day)):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if overrides.get(day, _library_workday(day)):
            count += 1
    return count


def today() -> dt.date:
    return timezone.localdate()
