"""The SLA clock: handling limits from `SlaRule`, deadlines in working days (core.calendar).

- the handling limit comes from the most specific `SlaRule` (urgency beats complexity, which
  beats the request type; blank fields match anything);
- a limit of 0 working days means "the same day" (the next working day when the call comes on
  a holiday);
- signing for is due within `SIGN_DAYS` working days of assignment, the call-back within
  `CALLBACK_DAYS` working days of resolution, the crisis call-back within `CRISIS_HOURS` clock
  hours;
- pausing moves the deadline on by the working days the ticket was paused.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from gonghui.core import calendar

SIGN_DAYS = 1
CALLBACK_DAYS = 1
CRISIS_HOURS = 24
DUE_SOON_DAYS = 1  # urging when the deadline is today or the next working day
REPORT_AFTER_DAYS = 5  # overdue for more than this many working days after supervision → reported


def crisis_hours() -> int:
    return getattr(settings, "GONGHUI_APPEAL_CRISIS_HOURS", CRISIS_HOURS)


def limit_for(request_type: str, complexity: str, urgency: str) -> int:
    from gonghui.appeals.models import SlaRule

    best, best_score = None, -1
    for rule in SlaRule.objects.all():
        score = 0
        for field, value, weight in (
            ("urgency", urgency, 4),
            ("complexity", complexity, 2),
            ("request_type", request_type, 1),
        ):
            wanted = getattr(rule, field)
            if wanted and wanted != value:
                break
            score += weight if wanted else 0
        else:
            if score > best_score:
                best, best_score = rule, score
    return best.working_days if best else 13


def deadline(start: dt.date, working_days: int) -> dt.date:
    """The last day to act: `working_days` working days after `start` (0 = the same working day)."""
    if working_days <= 0:
        return start if calendar.is_workday(start) else calendar.add_working_days(start, 1)
    return calendar.add_working_days(start, working_days)


def working_days_before(day: dt.date, days: int) -> dt.date:
    """The latest date D with `working_days_between(D, day) == days` (walks back from `day`)."""
    if days <= 0:
        return day
    start = day - dt.timedelta(days=days * 3 + 30)
    # Collect working days in (start, day] once: one query for the overrides.
    workdays = []
    probe = start
    while probe < day:
        probe += dt.timedelta(days=1)
        workdays.append(probe)
    flags = _workday_flags(start, day)
    count = 0
    for probe in reversed(workdays):
        if flags[probe]:
            count += 1
            if count == days:
                return probe - dt.timedelta(days=1)
    return start


def _workday_flags(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    overrides = calendar._overrides(start, end)
    flags = {}
    day = start
    while day <= end:
        flags[day] = overrides.get(day, calendar._library_workday(day))
        day += dt.timedelta(days=1)
    return flags


def paused_working_days(paused_on: dt.date, resumed_on: dt.date) -> int:
    """Working days the clock stood still: those in [paused_on, resumed_on) — the pause day counts
    when the ticket was paused on it, the resume day does not."""
    if resumed_on <= paused_on:
        return 0
    return calendar.working_days_between(paused_on - dt.timedelta(days=1), resumed_on - dt.timedelta(days=1))


def end_of_day(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def now() -> dt.datetime:
    """The current time; tests move it (monkeypatch `clock.now`)."""
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
