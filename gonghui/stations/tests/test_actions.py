"""Station actions: success, refused transitions, permission outside the subtree, bad input (nothing
written), the audit entry; codes are unique and never reused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.stations import actions
from gonghui.stations.models import CheckIn, ChecklistTemplate, FollowUp, Investment, Rating, StarRating, Station
from gonghui.stations.tests.conftest import SYSTEM, make_station, member_actor, station_data

pytestmark = pytest.mark.django_db


def test_it_creates_a_station_with_a_code_from_division_and_kind(tree, personas):
    station = actions.do_create_station(acting_user=personas.own, org=tree.district, data=station_data())
    assert station.code == "440305HW00001"
    assert station.status == "running" and station.opened_on == timezone.localdate()
    assert station.org_path == tree.district.path and station.province_id == tree.district.province_id
    assert station.facility_codes == ["hot_water", "charging", "toilet"]
    entry = AuditEntry.objects.get(action="station.create", object_id=str(station.pk))
    assert entry.actor_id == personas.own.pk and entry.after["code"] == station.code
    second = actions.do_create_station(
        acting_user=personas.ancestor, org=tree.district, data=station_data(kind="零工驿站")
    )
    assert second.code == "440305LG00001"
    third = make_station(tree.district, division_code="440305001")
    assert third.code == "440305HW00002"


def test_it_never_reuses_a_code_after_revocation(tree):
    first = make_station(tree.district)
    actions.do_change_station_status(acting_user=SYSTEM, station=first, status="revoked", reason="拆除")
    again = make_station(tree.district)
    assert again.code == "440305HW00002"


def test_it_converts_gcj_and_bd_input_to_wgs(tree):
    from gonghui.stations import geo

    g = geo.wgs_to_gcj(22.5333, 113.9305)
    station = make_station(tree.district, lat=g[0], lon=g[1], coord="高德")
    assert geo.haversine_m(station.lat, station.lon, 22.5333, 113.9305) < 0.05
    b = geo.wgs_to_bd(22.5333, 113.9305)
    station = make_station(tree.district, lat=b[0], lon=b[1], coord="bd09")
    assert geo.haversine_m(station.lat, station.lon, 22.5333, 113.9305) < 0.05


def test_it_refuses_staff_outside_the_subtree(tree, personas):
    for user in (personas.sibling, personas.outsider):
        with pytest.raises(PermissionDenied):
            actions.do_create_station(acting_user=user, org=tree.district, data=station_data())
    assert not Station.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("name", "", "name"),
        ("kind", "太空站", "kind"),
        ("division_code", "440300", "division_code"),
        ("division_code", "12345", "division_code"),
        ("lat", 95, "lat"),
        ("lon", "东经", "lat"),
        ("coord", "火星2000", "coord"),
        ("facilities", ["热水", "游泳池"], "facilities"),
        ("hours", "看心情", "hours"),
        ("hours", "周一 20:00-08:00", "hours"),
        ("contact_phone", "call me", "contact_phone"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(tree, field, value, key):
    with pytest.raises(ValidationError) as error:
        actions.do_create_station(acting_user=SYSTEM, org=tree.district, data=station_data(**{field: value}))
    assert key in error.value.message_dict
    assert not Station.objects.exists() and not AuditEntry.objects.filter(action="station.create").exists()


def test_it_updates_only_changed_fields_and_audits_the_difference(tree, personas):
    station = make_station(tree.district)
    actions.do_update_station(
        acting_user=personas.own, station=station, data={"name": "新名字", "address": station.address}
    )
    entry = AuditEntry.objects.get(action="station.update")
    assert entry.before == {"name": "南山科技园户外劳动者服务站"} and entry.after == {"name": "新名字"}
    actions.do_update_station(acting_user=personas.own, station=station, data={"name": "新名字"})
    assert AuditEntry.objects.filter(action="station.update").count() == 1
    with pytest.raises(PermissionDenied):
        actions.do_update_station(acting_user=personas.sibling, station=station, data={"name": "x"})


def test_it_moves_through_the_status_flow(tree, personas):
    station = make_station(tree.district, status="planned")
    assert station.opened_on is None
    actions.do_change_station_status(acting_user=personas.own, station=station, status="running")
    with pytest.raises(ValidationError) as error:
        actions.do_change_station_status(acting_user=personas.own, station=station, status="paused")
    assert "reason" in error.value.message_dict
    actions.do_change_station_status(acting_user=personas.own, station=station, status="paused", reason="装修")
    actions.do_change_station_status(acting_user=personas.own, station=station, status="revoked", reason="拆除")
    station.refresh_from_db()
    assert station.status == "revoked" and station.opened_on is not None
    for target in ("running", "paused", "planned"):
        with pytest.raises(ValidationError) as error:
            actions.do_change_station_status(acting_user=personas.own, station=station, status=target, reason="x")
        assert "撤销" in str(error.value)
    assert AuditEntry.objects.filter(action="station.revoked", reason="拆除").exists()
    with pytest.raises(ValidationError):
        actions.do_update_station(acting_user=personas.own, station=station, data={"name": "x"})


def test_it_refuses_a_planned_station_to_pause(tree):
    station = make_station(tree.district, status="planned")
    with pytest.raises(ValidationError) as error:
        actions.do_change_station_status(acting_user=SYSTEM, station=station, status="paused", reason="x")
    assert "筹建" in str(error.value)


def test_it_records_investments_as_decimals(tree, personas):
    station = make_station(tree.district)
    row = actions.do_add_investment(
        acting_user=personas.own, station=station, amount="14620.50", source="union", year=2025, note="建设"
    )
    assert row.amount == Decimal("14620.50") and row.recorded_by == personas.own
    assert AuditEntry.objects.get(action="station.invest").after["amount"] == "14620.50"
    for bad in ({"amount": "1.234"}, {"amount": "abc"}, {"amount": "0"}, {"source": "magic"}, {"year": 1800}):
        args = {"amount": "10", "source": "union", "year": 2025, **bad}
        with pytest.raises(ValidationError):
            actions.do_add_investment(acting_user=personas.own, station=station, **args)
    with pytest.raises(PermissionDenied):
        actions.do_add_investment(acting_user=personas.sibling, station=station, amount="1", source="union", year=2025)
    assert Investment.objects.count() == 1


def test_it_checks_in_once_an_hour_and_rates_once(station, person):
    me = member_actor(person)
    checkin = actions.do_check_in(acting_user=me, station=station, person=person)
    with pytest.raises(ValidationError) as error:
        actions.do_check_in(acting_user=me, station=station, person=person)
    assert "一小时" in str(error.value)
    CheckIn.objects.filter(pk=checkin.pk).update(at=timezone.now() - dt.timedelta(minutes=61))
    actions.do_check_in(acting_user=me, station=station, person=person)
    station.refresh_from_db()
    assert station.visit_count == 2
    entry = AuditEntry.objects.filter(action="station.checkin").first()
    assert entry.actor_id is None and "张*" in entry.actor_label
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationError):
            actions.do_rate(acting_user=me, checkin=checkin, score=bad)
    actions.do_rate(acting_user=me, checkin=checkin, score=4, comment="热水很方便")
    with pytest.raises(ValidationError):
        actions.do_rate(acting_user=me, checkin=checkin, score=5)
    station.refresh_from_db()
    assert station.satisfaction == 4.0 and Rating.objects.count() == 1


def test_it_refuses_someone_else_checking_in_or_rating_for_a_member(station, person):
    from gonghui.stations.tests.conftest import make_person

    other = make_person(mobile="13800000998", doc_number="440305199202020028")
    with pytest.raises(PermissionDenied):
        actions.do_check_in(acting_user=member_actor(other), station=station, person=person)
    checkin = actions.do_check_in(acting_user=member_actor(person), station=station, person=person)
    with pytest.raises(PermissionDenied):
        actions.do_rate(acting_user=member_actor(other), checkin=checkin, score=1)
    assert CheckIn.objects.count() == 1 and not Rating.objects.exists()


def test_it_refuses_a_rating_after_a_week_and_a_check_in_at_a_paused_station(station, person):
    me = member_actor(person)
    checkin = actions.do_check_in(acting_user=me, station=station, person=person)
    CheckIn.objects.filter(pk=checkin.pk).update(at=timezone.now() - dt.timedelta(days=8))
    checkin.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.do_rate(acting_user=me, checkin=checkin, score=5)
    actions.do_change_station_status(acting_user=SYSTEM, station=station, status="paused", reason="装修")
    with pytest.raises(ValidationError) as error:
        actions.do_check_in(acting_user=me, station=station, person=person)
    assert "暂停" in str(error.value)


def test_it_scores_an_inspection_rates_stars_and_opens_follow_ups(station, personas):
    template = ChecklistTemplate.objects.get()
    answers = {item["code"]: True for item in template.items}
    answers["water"] = False  # 15 points
    today = timezone.localdate()
    inspection = actions.do_record_inspection(
        acting_user=personas.own, station=station, template=template, on=today, answers=answers, note="热水器故障"
    )
    assert inspection.score == 85 and inspection.stars == 4
    assert StarRating.objects.get(station=station, year=today.year).stars == 4
    follow_up = FollowUp.objects.get()
    assert follow_up.due_on > today and "热水" in follow_up.item
    with pytest.raises(ValidationError):
        actions.do_close_follow_up(acting_user=personas.own, follow_up=follow_up, resolution="")
    actions.do_close_follow_up(acting_user=personas.own, follow_up=follow_up, resolution="已更换热水器")
    with pytest.raises(ValidationError):
        actions.do_close_follow_up(acting_user=personas.own, follow_up=follow_up, resolution="again")
    actions.do_record_inspection(
        acting_user=personas.own, station=station, template=template, on=today, answers=dict.fromkeys(answers, True)
    )
    assert StarRating.objects.get(station=station, year=today.year).stars == 5
    assert AuditEntry.objects.filter(action="station.inspect").count() == 2


def test_it_refuses_incomplete_or_foreign_inspections(station, personas):
    template = ChecklistTemplate.objects.get()
    with pytest.raises(ValidationError) as error:
        actions.do_record_inspection(
            acting_user=personas.own,
            station=station,
            template=template,
            on=timezone.localdate(),
            answers={"sign": True},
        )
    assert "answers" in error.value.message_dict
    answers = {item["code"]: True for item in template.items}
    with pytest.raises(ValidationError):
        actions.do_record_inspection(
            acting_user=personas.own,
            station=station,
            template=template,
            on=timezone.localdate() + dt.timedelta(days=3),
            answers=answers,
        )
    with pytest.raises(PermissionDenied):
        actions.do_record_inspection(
            acting_user=personas.sibling, station=station, template=template, on=timezone.localdate(), answers=answers
        )
    assert not FollowUp.objects.exists() and not StarRating.objects.exists()
