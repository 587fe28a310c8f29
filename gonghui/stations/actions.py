"""Every change to stations goes through these functions (DESIGN.md §3.1).

Atomic; keyword-only `acting_user` (an Actor, or a staff User); permission on the owning org's subtree
(`station.manage`, `station.inspect`) through `require()`, or the member themselves for check-ins and
ratings (`require_member()`); Chinese messages per field; the status through `STATION_FLOW`; the audit
entry in the same transaction. The import (`importing.py`) writes in bulk with one audit entry per batch.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import require, require_member, staff_user
from gonghui.core.calendar import add_working_days
from gonghui.orgs.kinds import OrgStatus
from gonghui.stations import codes
from gonghui.stations.models import (
    CheckIn,
    ChecklistTemplate,
    FollowUp,
    Inspection,
    Investment,
    Rating,
    StarRating,
    Station,
)
from gonghui.stations.states import FOLLOW_UP_FLOW, STATION_FLOW, STATUS_VERBS, FollowUpStatus, StationStatus
from gonghui.stations.validation import FIELDS, Vocabulary, clean_station

MANAGE = "station.manage"
INSPECT = "station.inspect"
CHECKIN_INTERVAL = dt.timedelta(hours=1)
CENT = Decimal("0.01")
RATING_WINDOW = dt.timedelta(days=7)
FOLLOW_UP_WORKING_DAYS = 10


def snapshot(station: Station) -> dict:
    """What the audit log keeps of a station (no personal data: contact is the station's service line)."""
    return {
        "code": station.code,
        "name": station.name,
        "kind": station.kind.code if station.kind_id else None,
        "status": station.status,
        "host": station.host,
        "address": station.address,
        "division_code": station.division_code,
        "lat": station.lat,
        "lon": station.lon,
        "facilities": station.facility_codes,
        "hours": station.hours,
        "contact_phone": station.contact_phone,
    }


def _check_org(org) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationError({"org": [_("“%(o)s”已不是正常状态的组织，不能新建站点") % {"o": org.name}]})


@transaction.atomic
def do_create_station(*, acting_user, org, data: dict, vocabulary: Vocabulary | None = None) -> Station:
    """Register a station under `org`; it starts 筹建 (or 运行 when `data["status"]` says so, for an
    existing station being registered) and gets a fresh code."""
    actor = require(acting_user, MANAGE, org.path, org.name)
    _check_org(org)
    values = clean_station(data, vocabulary)
    status = data.get("status") or StationStatus.PLANNED
    if status not in (StationStatus.PLANNED, StationStatus.RUNNING):
        raise ValidationError({"status": [_("新站点的状态只能是“筹建”或“运行”")]})
    station = Station(org=org, org_path=org.path, province_id=org.province_id, status=status, **values)
    if status == StationStatus.RUNNING:
        station.opened_on = timezone.localdate()
    station.code = codes.allocate(station.division_code, station.kind.prefix)[0]
    station.save()
    audit.record(actor=actor, action="station.create", obj=station, org=org, after=snapshot(station))
    return station


@transaction.atomic
def do_update_station(*, acting_user, station: Station, data: dict, vocabulary: Vocabulary | None = None) -> Station:
    """Change the fields named in `data` (the code, org and status stay; see do_change_station_status)."""
    station = Station.objects.select_for_update().select_related("kind", "org").get(pk=station.pk)
    actor = require(acting_user, MANAGE, station.org_path, station.org.name)
    if station.status == StationStatus.REVOKED:
        raise ValidationError(_("站点已撤销，不能再修改"))
    values = clean_station({k: v for k, v in data.items() if k in (*FIELDS, "coord")}, vocabulary, partial=True)
    before = snapshot(station)
    changed = [name for name, value in values.items() if getattr(station, name) != value]
    if not changed:
        return station
    for name in changed:
        setattr(station, name, values[name])
    station.save(update_fields=[*changed, "updated_at"])
    after = snapshot(station)
    audit.record(
        actor=actor,
        action="station.update",
        obj=station,
        org=station.org,
        before={k: v for k, v in before.items() if before[k] != after[k]},
        after={k: v for k, v in after.items() if before[k] != after[k]},
    )
    return station


@transaction.atomic
def do_change_station_status(*, acting_user, station: Station, status: str, reason: str = "") -> Station:
    """筹建 → 运行 → 暂停 ⇄ 运行, any → 撤销 (final). A reason is required to pause or revoke."""
    station = Station.objects.select_for_update().select_related("org", "kind").get(pk=station.pk)
    actor = require(acting_user, MANAGE, station.org_path, station.org.name)
    if status not in StationStatus.values:
        raise ValidationError({"status": [_("未知的状态")]})
    reason = (reason or "").strip()
    if status in (StationStatus.PAUSED, StationStatus.REVOKED) and not reason:
        raise ValidationError({"reason": [_("请填写原因")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("最多300个字符")]})
    old = STATION_FLOW.transition(station, status, STATUS_VERBS.get(status, _("变更状态")))
    fields = ["status", "updated_at"]
    if status == StationStatus.RUNNING and station.opened_on is None:
        station.opened_on = timezone.localdate()
        fields.append("opened_on")
    station.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=f"station.{status}",
        obj=station,
        org=station.org,
        before={"status": old},
        after={"status": status},
        reason=reason,
    )
    return station


@transaction.atomic
def do_add_investment(*, acting_user, station: Station, amount, source: str, year, note: str = "") -> Investment:
    """Record money put into a station (never edited: a correction is a negative row with a note)."""
    actor = require(acting_user, MANAGE, station.org_path, station.org.name)
    errors = {}
    try:
        value = Decimal(str(amount).strip().replace(",", ""))
        if not value.is_finite() or value == 0 or abs(value) >= Decimal("1e12") or value != value.quantize(CENT):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("金额应为非零数字，最多两位小数（更正已登记的投入请登记负数）")]
    if source not in Investment.Source.values:
        errors["source"] = [_("请选择资金来源")]
    try:
        year = int(year)
        if not 1990 <= year <= timezone.localdate().year + 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = [_("年度应为1990年至明年之间的四位数字")]
    if len(note or "") > 200:
        errors["note"] = [_("最多200个字符")]
    if errors:
        raise ValidationError(errors)
    row = Investment.objects.create(
        station=station,
        org_path=station.org_path,
        amount=value,
        source=source,
        year=year,
        note=(note or "").strip(),
        recorded_by=staff_user(actor),
    )
    audit.record(
        actor=actor,
        action="station.invest",
        obj=station,
        org=station.org,
        after={"amount": str(value), "source": source, "year": year, "note": row.note},
    )
    return row


@transaction.atomic
def do_check_in(*, acting_user, station: Station, person, channel: str = CheckIn.Channel.QR) -> CheckIn:
    """A visit: the member themselves (QR at the station) or station staff scanning the card.
    One check-in per member per station per hour (a second scan in the hour is refused)."""
    if channel == CheckIn.Channel.STAFF:
        actor = require(acting_user, MANAGE, station.org_path, station.org.name)
    else:
        actor = require_member(acting_user, person.pk)
    station = Station.objects.select_for_update().get(pk=station.pk)
    if station.status != StationStatus.RUNNING:
        raise ValidationError(
            _("该站点当前状态为“%(s)s”，暂不能签到") % {"s": station.get_status_display()}, code="not_running"
        )
    now = timezone.now()
    if CheckIn.objects.filter(station=station, person=person, at__gt=now - CHECKIN_INTERVAL).exists():
        raise ValidationError(_("您在一小时内已在本站签到过，无需重复签到"), code="too_soon")
    checkin = CheckIn.objects.create(
        station=station,
        person=person,
        org_path=station.org_path,
        province_id=station.province_id,
        channel=channel,
        at=now,
    )
    Station.objects.filter(pk=station.pk).update(visit_count=F("visit_count") + 1)
    audit.record(
        actor=actor,
        action="station.checkin",
        obj=checkin,
        object_label=station.code,
        org=station.org,
        after={"station": station.code, "channel": channel},
    )
    return checkin


@transaction.atomic
def do_rate(*, acting_user, checkin: CheckIn, score, comment: str = "") -> Rating:
    """The member rates a visit (1–5 and a comment), once, within a week of it."""
    actor = require_member(acting_user, checkin.person_id)
    errors = {}
    try:
        score = int(score)
        if not 1 <= score <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["score"] = [_("请选择1到5星")]
    comment = (comment or "").strip()
    if len(comment) > 300:
        errors["comment"] = [_("最多300个字符")]
    if errors:
        raise ValidationError(errors)
    if Rating.objects.filter(checkin=checkin).exists():
        raise ValidationError(_("这次到站已经评价过了"), code="rated")
    if timezone.now() - checkin.at > RATING_WINDOW:
        raise ValidationError(_("到站超过7天，不能再评价"), code="too_late")
    station = checkin.station
    rating = Rating.objects.create(
        checkin=checkin,
        station=station,
        person_id=checkin.person_id,
        org_path=checkin.org_path,
        province_id=checkin.province_id,
        score=score,
        comment=comment,
        at=timezone.now(),
    )
    Station.objects.filter(pk=station.pk).update(rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + score)
    audit.record(
        actor=actor,
        action="station.rate",
        obj=rating,
        object_label=station.code,
        org=station.org,
        after={"station": station.code, "score": score},
    )
    return rating


def stars_for(score: int) -> int:
    """90+ five stars, 80+ four, 70+ three, 60+ two, below one."""
    for threshold, stars in ((90, 5), (80, 4), (70, 3), (60, 2)):
        if score >= threshold:
            return stars
    return 1


@transaction.atomic
def do_record_inspection(
    *,
    acting_user,
    station: Station,
    template: ChecklistTemplate,
    on: dt.date,
    answers: dict,
    note: str = "",
    photo=None,
) -> Inspection:
    """An inspector's visit: every checklist item answered pass/fail; the score (0–100, points of the
    passed items) sets the year's star rating; each failed item opens a follow-up due in 10 working days."""
    actor = require(acting_user, INSPECT, station.org_path, station.org.name)
    errors = {}
    if station.status == StationStatus.REVOKED:
        raise ValidationError(_("站点已撤销，不能巡查"))
    if not template.active or (template.kind_id and template.kind_id != station.kind_id):
        errors["template"] = [_("该巡查模板不适用于本站点")]
    if not isinstance(on, dt.date) or on > timezone.localdate() or on.year < 2000:
        errors["on"] = [_("巡查日期应为今天或以前的日期")]
    items = {item["code"]: item for item in template.items}
    missing = [items[c]["text"] for c in items if not isinstance(answers.get(c), bool)]
    if missing:
        errors["answers"] = [_("还有检查项没有填写：%(v)s") % {"v": "、".join(missing)}]
    if len(note or "") > 2000:
        errors["note"] = [_("最多2000个字符")]
    if errors:
        raise ValidationError(errors)
    total = sum(int(i.get("points", 0)) for i in items.values()) or 1
    earned = sum(int(i.get("points", 0)) for c, i in items.items() if answers[c])
    score = round(earned * 100 / total)
    inspection = Inspection(
        station=station,
        template=template,
        org_path=station.org_path,
        inspector=staff_user(actor),
        on=on,
        answers={c: answers[c] for c in items},
        score=score,
        stars=stars_for(score),
        note=(note or "").strip(),
    )
    if photo:
        inspection.photo = photo
    inspection.save()
    due = add_working_days(on, FOLLOW_UP_WORKING_DAYS)
    FollowUp.objects.bulk_create(
        [
            FollowUp(inspection=inspection, station=station, org_path=station.org_path, item=i["text"], due_on=due)
            for c, i in items.items()
            if not answers[c]
        ]
    )
    # The latest inspection of a year decides that year's stars.
    latest = Inspection.objects.filter(station=station, on__year=on.year).order_by("-on", "-id").first()
    StarRating.objects.update_or_create(
        station=station, year=on.year, defaults={"stars": latest.stars, "inspection": latest}
    )
    audit.record(
        actor=actor,
        action="station.inspect",
        obj=inspection,
        object_label=station.code,
        org=station.org,
        after={"station": station.code, "on": on.isoformat(), "score": score, "stars": inspection.stars},
    )
    return inspection


@transaction.atomic
def do_close_follow_up(*, acting_user, follow_up: FollowUp, resolution: str) -> FollowUp:
    """Mark a failed item as put right, saying how."""
    follow_up = FollowUp.objects.select_for_update().select_related("station__org").get(pk=follow_up.pk)
    station = follow_up.station
    actor = require(acting_user, INSPECT, station.org_path, station.org.name)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": [_("请填写整改情况")]})
    if len(resolution) > 300:
        raise ValidationError({"resolution": [_("最多300个字符")]})
    FOLLOW_UP_FLOW.transition(follow_up, FollowUpStatus.DONE, _("标记为已整改"))
    follow_up.resolution = resolution
    follow_up.closed_at = timezone.now()
    follow_up.save(update_fields=["status", "resolution", "closed_at"])
    audit.record(
        actor=actor,
        action="station.follow_up_done",
        obj=follow_up,
        object_label=station.code,
        org=station.org,
        after={"item": follow_up.item, "resolution": resolution},
    )
    return follow_up
