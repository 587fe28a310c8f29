"""Opening hours: per weekday, with an override for public holidays (the working-day calendar of core).

Stored as {"1": ["08:00-20:00"], …, "7": ["09:00-18:00", "19:00-21:00"], "holiday": []}: keys 1–7 are
Monday–Sunday, a missing day is closed, "holiday" (when present) replaces the weekday's hours on a
public holiday (an empty list: closed on holidays). "00:00-24:00" is all day. A 调休 make-up working
Saturday keeps Saturday's hours.

People write hours as text (the import's 开放时间 column, the editor):
"周一至周五 08:00-20:00；周六、周日 09:00-18:00；节假日休息", "每天 7:00-21:00", "24小时".
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zoneinfo

import chinese_calendar
from django.utils.translation import gettext as _

from gonghui.core.calendar import is_workday

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY_NAMES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
DAY_LABELS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
ALL_DAY = "00:00-24:00"
_SPAN = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})")
_RANGE = re.compile(r"(?:周|星期)([一二三四五六日天七])\s*[-–—~～至到]\s*(?:周|星期)?([一二三四五六日天七])")
_SINGLE = re.compile(r"(?:周|星期)([一二三四五六日天七])")
_CLOSED = re.compile(r"休息|闭馆|关闭|不开放|停止开放")


class HoursError(ValueError):
    """Opening hours that cannot be understood; the message says what is expected."""


def _spans(text: str) -> list[str]:
    if "24小时" in text or "全天" in text:
        return [ALL_DAY]
    if _CLOSED.search(text):
        return []
    spans = []
    for h1, m1, h2, m2 in _SPAN.findall(text):
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if not (0 <= start < end <= 24 * 60) or int(m1) > 59 or int(m2) > 59:
            raise HoursError(_("时间段“%(t)s”无效：开始应早于结束，时间在00:00到24:00之间") % {"t": text.strip()})
        spans.append(f"{int(h1):02d}:{m1}-{int(h2):02d}:{m2}")
    if not spans:
        raise HoursError(_("看不懂“%(t)s”：请写成“周一至周五 08:00-20:00”这样") % {"t": text.strip()})
    return spans


def _days(text: str) -> list[int] | str:
    if re.search(r"节假日|法定假日|节日", text):
        return "holiday"
    if re.search(r"每天|每日|全年|全周|天天", text) or not re.search(r"周|星期", text):
        return list(range(1, 8))
    days: list[int] = []
    for a, b in _RANGE.findall(text):
        lo, hi = DAY_NAMES[a], DAY_NAMES[b]
        days.extend(range(lo, hi + 1) if lo <= hi else [*range(lo, 8), *range(1, hi + 1)])
    text = _RANGE.sub("", text)
    days.extend(DAY_NAMES[d] for d in _SINGLE.findall(text))
    return sorted(set(days))


def parse(text: str) -> dict:
    """Hours text → the stored dict; an empty text is "every day, all day" (many stations never close)."""
    text = (text or "").strip()
    if not text:
        return {str(d): [ALL_DAY] for d in range(1, 8)}
    hours: dict[str, list[str]] = {}
    for part in re.split(r"[；;\n]|[,，](?=\s*(?:周|星期|每|节|法定))", text):
        part = part.strip()
        if not part:
            continue
        spans = _spans(part)
        days = _days(part)
        if days == "holiday":
            hours["holiday"] = spans
            continue
        for day in days:
            hours.setdefault(str(day), []).extend(spans)
    return hours


def describe(hours: dict) -> str:
    """The stored dict as short Chinese text (what the portal and the console show)."""
    if not hours:
        return _("未公布")
    groups: list[tuple[list[int], list[str]]] = []
    for day in range(1, 8):
        spans = hours.get(str(day), [])
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    parts = []
    for days, spans in groups:
        label = DAY_LABELS[days[0] - 1] if len(days) == 1 else f"{DAY_LABELS[days[0] - 1]}至{DAY_LABELS[days[-1] - 1]}"
        if len(days) == 7:
            label = _("每天")
        parts.append(f"{label} {_span_text(spans)}")
    if "holiday" in hours:
        parts.append(_("节假日 %(s)s") % {"s": _span_text(hours["holiday"])})
    return "；".join(parts)


def _span_text(spans: list[str]) -> str:
    if not spans:
        return _("休息")
    if spans == [ALL_DAY]:
        return _("24小时")
    return "、".join(spans)


def is_holiday(day: dt.date) -> bool:
    """A public holiday (and its bridging days off), not an ordinary weekend; CalendarOverride rows win."""
    if is_workday(day):
        return False
    if day.weekday() < 5:
        return True  # a weekday off: a holiday or a 调休 rest day
    try:
        _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return name is not None


_HOLIDAYS: dict[dt.date, tuple[bool, float]] = {}
HOLIDAY_CACHE_SECONDS = 60.0


def is_holiday_cached(day: dt.date) -> bool:
    """`is_holiday` remembered for a minute per process: every nearest search asks it, and an admin's
    calendar override may take a minute to show."""
    now = time.monotonic()
    hit = _HOLIDAYS.get(day)
    if hit is None or hit[1] < now:
        hit = (is_holiday(day), now + HOLIDAY_CACHE_SECONDS)
        _HOLIDAYS.clear()
        _HOLIDAYS[day] = hit
    return hit[0]


class Clock:
    """ "Now" in Shanghai for one request: the holiday question is asked once, not once per station."""

    def __init__(self, at: dt.datetime | None = None):
        from django.utils import timezone

        local = (at or timezone.now()).astimezone(SHANGHAI)
        self.weekday = str(local.isoweekday())
        self.minute = local.hour * 60 + local.minute
        self.holiday = is_holiday_cached(local.date())

    def is_open(self, hours: dict) -> bool:
        spans = hours.get("holiday") if self.holiday and "holiday" in hours else hours.get(self.weekday, [])
        for span in spans or ():
            start, end = span.split("-")
            sh, sm = start.split(":")
            eh, em = end.split(":")
            if int(sh) * 60 + int(sm) <= self.minute < int(eh) * 60 + int(em):
                return True
        return False
