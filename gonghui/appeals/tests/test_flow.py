"""The whole road of a ticket, and the working-day clock across 国庆 2025 (make-up Saturday 10-11)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gonghui.appeals import actions, clock
from gonghui.appeals.models import AppealEvent, CallBack, SlaRule
from gonghui.appeals.states import AppealStatus as S
from gonghui.appeals.tests.helpers import entries, kinds, register, reload
from gonghui.core.errors import TransitionError
from gonghui.core.models import CalendarOverride

pytestmark = pytest.mark.django_db


def test_it_runs_a_wage_arrears_call_down_the_tree_and_back(tree, clock, operator, handlers):
    appeal = register(operator, tree.province, division_code="440305001")
    assert appeal.number.startswith("20250930") and len(appeal.number) == 14
    assert appeal.status == S.REGISTERED and appeal.org == tree.province
    assert appeal.suggested_org == tree.street  # from the division of the caller's address
    assert appeal.caller_phone_masked == "138****8000"
    assert b"13800138000" not in bytes(appeal.caller_phone_cipher)

    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    assert appeal.status == S.ASSIGNED and appeal.org_path == tree.city.path
    assert appeal.sign_due_on == dt.date(2025, 10, 9)  # one working day, after the holiday
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    appeal = actions.do_sign(acting_user=handlers["district"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["district"], appeal=appeal, to_org=tree.street)
    appeal = actions.do_sign(acting_user=handlers["street"], appeal=appeal)
    appeal = actions.do_start(acting_user=handlers["street"], appeal=appeal, note="联系企业核实")
    clock.set(dt.date(2025, 10, 10))
    appeal = actions.do_resolve(
        acting_user=handlers["street"], appeal=appeal, result="协调企业补发工资", amount_recovered="12800.50"
    )
    assert appeal.status == S.RESOLVED and appeal.resolved_on_time is True
    assert appeal.resolved_org == tree.street
    # The result travels up: the timeline shows it going to the hotline that took the call.
    last = AppealEvent.objects.filter(appeal=appeal).last()
    assert (last.from_org, last.to_org, last.to_status) == (tree.street, tree.province, S.RESOLVED)

    callback = CallBack.objects.get(appeal=appeal, kind=CallBack.Kind.RESOLUTION)
    assert clock_local_date(callback.due_at) == dt.date(2025, 10, 11)  # the make-up Saturday is a working day
    actions.do_call_back(acting_user=operator, callback=callback, reached=True, satisfaction="very_satisfied")
    appeal = reload(appeal)
    assert appeal.status == S.RATED and appeal.satisfaction == "very_satisfied"
    appeal = actions.do_close(acting_user=operator, appeal=appeal)
    assert appeal.status == S.CLOSED
    assert kinds(appeal) == [
        "registered",
        "assigned",
        "transition",
        "assigned",
        "transition",
        "assigned",
        "transition",
        "transition",
        "transition",
        "call_back",
        "rated",
        "transition",
    ]
    assert [e.action for e in entries("appeal.assign")] == ["appeal.assign"] * 3
    assert len(entries("appeal.register")) == 1 and len(entries("appeal.close")) == 1


def clock_local_date(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


def test_it_counts_the_deadline_across_national_day_with_the_make_up_saturday(tree, clock, operator):
    # Registered Tue 2025-09-30; 10-01…10-08 are holidays, Sat 10-11 is a make-up working day.
    consultation = register(operator, tree.province, request_type="consultation")
    assert consultation.limit_days == 3
    assert consultation.due_on == dt.date(2025, 10, 11)
    complaint = register(operator, tree.province, topic="contract")
    assert complaint.limit_days == 13
    # 10-09, 10-10, 10-11 (Sat), 10-13…10-17, 10-20…10-24 → the 13th working day is Fri 10-24.
    assert complaint.due_on == dt.date(2025, 10, 24)
    urgent = register(operator, tree.province, topic="injury", urgency="urgent")
    assert urgent.due_on == dt.date(2025, 9, 30)
    clock.set(dt.date(2025, 10, 2))
    on_holiday = register(operator, tree.province, topic="hours", urgency="urgent", caller_phone="13900139000")
    assert on_holiday.due_on == dt.date(2025, 10, 9)  # "the same day" on a holiday is the next working day


def test_it_uses_the_most_specific_sla_rule_and_admin_calendar_overrides(tree, clock, operator):
    assert clock.today.weekday() == 1
    difficult = register(operator, tree.province, complexity="difficult", request_type="consultation")
    assert difficult.limit_days == 15
    SlaRule.objects.create(request_type="consultation", complexity="difficult", working_days=20)
    assert (
        register(operator, tree.province, complexity="difficult", request_type="consultation", topic="hours").limit_days
        == 20
    )
    # An admin marks the make-up Saturday as a day off: the consultation deadline moves to Monday.
    CalendarOverride.objects.create(day=dt.date(2025, 10, 11), is_workday=False, note="测试")
    assert register(operator, tree.province, request_type="consultation", topic="safety").due_on == dt.date(
        2025, 10, 13
    )


def test_it_shifts_the_deadline_by_the_paused_working_days(tree, clock, operator):
    appeal = register(operator, tree.province)
    assert appeal.due_on == dt.date(2025, 10, 24)
    clock.set(dt.date(2025, 10, 9))
    appeal = actions.do_pause(acting_user=operator, appeal=appeal, reason="等待诉求人补充工资条")
    with pytest.raises(ValidationError):
        actions.do_pause(acting_user=operator, appeal=appeal, reason="再次暂停")
    clock.set(dt.date(2025, 10, 13))  # paused Thu 10-09, Fri 10-10, Sat 10-11 (make-up): 3 working days
    appeal = actions.do_resume(acting_user=operator, appeal=appeal)
    assert appeal.paused is False and appeal.paused_days_total == 3
    assert appeal.due_on == dt.date(2025, 10, 29)
    assert kinds(appeal)[-2:] == ["paused", "resumed"]
    assert entries("appeal.pause") and entries("appeal.resume")[0].after["paused_days"] == 3
    with pytest.raises(ValidationError):
        actions.do_resume(acting_user=operator, appeal=appeal)


def test_it_extends_only_before_the_deadline_and_only_when_approved_above(tree, clock, operator, handlers):
    appeal = register(operator, tree.province, request_type="consultation")
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    with pytest.raises(TransitionError):  # not yet signed for
        actions.do_request_extension(acting_user=handlers["district"], appeal=appeal, days=5, reason="需调查取证")
    appeal = actions.do_sign(acting_user=handlers["district"], appeal=appeal)
    with pytest.raises(ValidationError) as bad:
        actions.do_request_extension(acting_user=handlers["district"], appeal=appeal, days=0, reason="需调查取证")
    assert "days" in bad.value.message_dict
    request = actions.do_request_extension(acting_user=handlers["district"], appeal=appeal, days=5, reason="需调查取证")
    with pytest.raises(ValidationError):  # one pending request at a time
        actions.do_request_extension(acting_user=handlers["district"], appeal=appeal, days=2, reason="再延")
    # The district cannot approve its own request; the city (the org above) can.
    with pytest.raises(actions.ActionPermissionError):
        actions.do_decide_extension(acting_user=handlers["district"], extension=request, approve=True)
    request = actions.do_decide_extension(acting_user=handlers["city"], extension=request, approve=True)
    appeal = reload(appeal)
    assert request.status == "approved" and request.old_due_on == dt.date(2025, 10, 11)
    assert appeal.due_on == dt.date(2025, 10, 17) and appeal.extended_days == 5
    assert "extension_decided" in kinds(appeal)
    # After the deadline no extension may be asked.
    clock.set(dt.date(2025, 10, 20))
    with pytest.raises(ValidationError) as late:
        actions.do_request_extension(acting_user=handlers["district"], appeal=appeal, days=3, reason="来不及")
    assert "已过" in str(late.value)


def test_it_refuses_a_rejection_of_an_extension_without_a_note(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    request = actions.do_request_extension(acting_user=handlers["city"], appeal=appeal, days=3, reason="需要时间")
    with pytest.raises(ValidationError):
        actions.do_decide_extension(acting_user=operator, extension=request, approve=False)
    request = actions.do_decide_extension(acting_user=operator, extension=request, approve=False, note="理由不充分")
    assert request.status == "rejected" and reload(appeal).due_on == request.old_due_on


def test_it_changes_nothing_when_the_deadline_lies_in_a_year_the_calendar_does_not_know(tree, clock, operator):
    clock.set(dt.date(2031, 3, 3))
    appeal = register(operator, tree.province, request_type="consultation")
    assert appeal.due_on == dt.date(2031, 3, 6)  # falls back to Monday–Friday
    assert clock.today == dt.date(2031, 3, 3)


def test_it_gives_a_limit_of_the_default_rule_when_no_rule_matches(db):
    SlaRule.objects.all().delete()
    assert clock.limit_for("complaint", "ordinary", "normal") == 13
