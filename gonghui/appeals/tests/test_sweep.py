"""The SLA sweep: marks, urging, supervision and escalation, reports, crisis clocks; idempotent;
a fixed number of queries whatever the number of tickets."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from gonghui.appeals import actions
from gonghui.appeals.models import AppealNotice, CallBack, CrisisFollowUp, Supervision
from gonghui.appeals.sweep import sweep
from gonghui.appeals.tests.helpers import entries, kinds, register, reload

pytestmark = pytest.mark.django_db


def _at_district(operator, handlers, tree, **kw):
    appeal = register(operator, tree.province, **kw)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    return actions.do_sign(acting_user=handlers["district"], appeal=appeal)


def notices(appeal):
    return sorted((n.kind, n.org.name) for n in AppealNotice.objects.filter(appeal=appeal).select_related("org"))


def test_it_urges_then_marks_overdue_then_supervises_and_escalates_to_the_parent_org(tree, clock, operator, handlers):
    appeal = _at_district(operator, handlers, tree, request_type="consultation")  # due Sat 2025-10-11
    clock.set(dt.date(2025, 10, 9))
    assert sweep() == {
        "due_soon": 0,
        "sign_overdue": 0,
        "overdue": 0,
        "supervised": 0,
        "reported": 0,
        "crisis_escalated": 0,
    }
    clock.set(dt.date(2025, 10, 10))  # next working day is the deadline
    assert sweep()["due_soon"] == 1
    appeal = reload(appeal)
    assert appeal.sla_state == "due_soon" and appeal.urged_on == dt.date(2025, 10, 10)
    assert ("due_soon", "南山区总工会") in notices(appeal)
    assert sweep()["due_soon"] == 0  # idempotent

    clock.set(dt.date(2025, 10, 13))  # the day after the missed deadline
    result = sweep()
    assert result["overdue"] == 1 and result["supervised"] == 1
    appeal = reload(appeal)
    assert appeal.sla_state == "overdue" and appeal.supervised and appeal.supervised_on == dt.date(2025, 10, 13)
    supervision = Supervision.objects.get(appeal=appeal)
    assert supervision.org == tree.city and supervision.automatic and supervision.closed_on is None
    assert ("escalation", "深圳市总工会") in notices(appeal)
    assert ("supervision", "南山区总工会") in notices(appeal)
    assert "supervision_opened" in kinds(appeal)
    assert entries("appeal.sla_sweep")[-1].after["supervised"] == 1
    assert sweep() == dict.fromkeys(result, 0)  # nothing twice

    # More than 5 working days after supervision: reported upward (two levels above the holder).
    clock.set(dt.date(2025, 10, 20))  # 14,15,16,17,20 = 5 working days: not yet
    assert sweep()["reported"] == 0
    clock.set(dt.date(2025, 10, 21))
    assert sweep()["reported"] == 1
    assert ("report", "广东省总工会") in notices(appeal)
    assert Supervision.objects.get(appeal=appeal).reported_on == dt.date(2025, 10, 21)
    assert sweep()["reported"] == 0

    # Resolving closes the supervision; the ticket was resolved late.
    appeal = actions.do_resolve(acting_user=handlers["district"], appeal=appeal, result="已处理")
    assert appeal.resolved_on_time is False and appeal.supervised is False
    assert Supervision.objects.get(appeal=appeal).closed_on == dt.date(2025, 10, 21)


def test_it_leaves_paused_and_finished_tickets_alone(tree, clock, operator, handlers):
    paused = _at_district(operator, handlers, tree, request_type="consultation")
    actions.do_pause(acting_user=handlers["district"], appeal=paused, reason="等待诉求人提供材料")
    done = _at_district(operator, handlers, tree, request_type="consultation", topic="hours")
    actions.do_resolve(acting_user=handlers["district"], appeal=done, result="已答复")
    clock.set(dt.date(2025, 10, 20))
    result = sweep()
    assert result["overdue"] == 0 and result["supervised"] == 0
    assert reload(paused).sla_state == "ok" and reload(done).sla_state == "ok"


def test_it_urges_an_org_that_has_not_signed_for_in_time(tree, clock, operator):
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)  # sign by 10-09
    clock.set(dt.date(2025, 10, 9))
    assert sweep()["sign_overdue"] == 0
    clock.set(dt.date(2025, 10, 10))
    assert sweep()["sign_overdue"] == 1
    assert ("sign_overdue", "深圳市总工会") in notices(appeal)
    assert sweep()["sign_overdue"] == 0


def test_it_escalates_a_crisis_call_back_missed_after_24_clock_hours(tree, clock, operator):
    appeal = register(
        operator,
        tree.province,
        topic="psychological",
        request_type="help",
        text="最近压力太大，真的活不下去了",
        emergency_contact_name="李女士",
        emergency_contact_phone="13700137000",
    )
    assert appeal.crisis and appeal.priority == 0 and "活不下去" in appeal.crisis_reason
    call = CallBack.objects.get(appeal=appeal, kind="emergency")
    follow = CrisisFollowUp.objects.get(appeal=appeal)
    assert call.due_at == clock.at + dt.timedelta(hours=24) == follow.due_at  # clock hours, across the holiday
    assert call.contact_phone_masked == "137****7000"
    clock.advance(hours=23, minutes=59)
    assert sweep()["crisis_escalated"] == 0
    clock.advance(minutes=2)
    assert sweep()["crisis_escalated"] == 2
    assert reload_call(call).escalated_at is not None
    assert {"crisis_escalation", "crisis_followup"} <= {k for k, _org in notices(appeal)}
    assert kinds(appeal).count("crisis_escalated") == 2
    assert sweep()["crisis_escalated"] == 0


def reload_call(call):
    return CallBack.objects.get(pk=call.pk)


def test_it_does_not_escalate_a_crisis_call_back_done_in_time(tree, clock, operator):
    appeal = register(operator, tree.province, crisis=True, topic="psychological", request_type="help")
    call = CallBack.objects.get(appeal=appeal, kind="emergency")
    clock.advance(hours=3)
    actions.do_call_back(acting_user=operator, callback=call, reached=True, note="家属已陪同")
    actions.do_complete_crisis_followup(
        acting_user=operator, followup=CrisisFollowUp.objects.get(appeal=appeal), note="咨询师已电话疏导"
    )
    clock.advance(hours=30)
    assert sweep()["crisis_escalated"] == 0


def _many(operator, tree, count, start):
    for i in range(count):
        register(operator, tree.province, request_type="consultation", caller_phone=f"1390000{start + i:04d}")


def test_it_runs_a_fixed_number_of_queries_whatever_the_number_of_tickets(
    tree, clock, operator, django_assert_max_num_queries, django_assert_num_queries
):
    _many(operator, tree, 2, 0)
    clock.set(dt.date(2025, 10, 10))
    # 30 on SQLite, one more on PostgreSQL (the sweep lock); the audit MAC (security) reads the
    # highest id and the id sequence before its one insert: two of the 30
    with django_assert_max_num_queries(31) as small:
        sweep()
    clock.set(dt.date(2025, 9, 30))
    _many(operator, tree, 12, 100)
    clock.set(dt.date(2025, 10, 13))
    with django_assert_num_queries(len(small.captured_queries)):
        result = sweep()
    assert result["overdue"] == 14 and result["supervised"] == 14


def test_it_runs_from_the_command_with_a_date(tree, clock, operator):
    register(operator, tree.province, request_type="consultation")
    out = StringIO()
    call_command("sla_sweep", "--date", "2025-10-13", stdout=out)
    assert json.loads(out.getvalue())["supervised"] == 1


def test_it_runs_as_a_task(tree, clock, operator, settings):
    from gonghui.appeals.tasks import sla_sweep_task

    register(operator, tree.province, request_type="consultation")
    clock.set(dt.date(2025, 10, 13))
    assert sla_sweep_task.call()["overdue"] == 1
