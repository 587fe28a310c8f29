"""一户一策: measures from the catalogue with owner, due date, status and outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.hardship import actions, queries
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import NAMED, create, entries, table_state, to_state


@pytest.fixture
def archived(hp, member, lines, clock):
    return to_state(create(member, user=hp.own), S.ARCHIVED, clock)


def add(archive, user, **kw):
    data = {
        "measure": "autumn_education",
        "description": "子女升入高中，申请金秋助学",
        "owner": "李干事",
        "due_on": actions._today() + dt.timedelta(days=30),
        "person_name": NAMED,
    }
    data.update(kw)
    return actions.do_add_plan_measure(acting_user=user, archive=archive, **data)


def test_it_adds_a_measure_and_carries_it_to_done(hp, archived, clock):
    m = add(archived, hp.own)
    assert m.status == "planned"
    m = actions.do_update_plan_measure(
        acting_user=hp.own, measure=m, status="in_progress", outcome="已提交申请", person_name=NAMED
    )
    m = actions.do_update_plan_measure(
        acting_user=hp.own, measure=m, status="done", outcome="已发放3000元", person_name=NAMED
    )
    assert m.completed_on == clock.today
    assert [e.after.get("status") for e in entries("hardship.plan_update")] == ["in_progress", "done"]
    assert entries("hardship.plan_add")[0].after["measure"] == "autumn_education"
    assert any(i.kind == "plan" and "已发放3000元" in i.detail for i in queries.timeline(archived))


def test_it_refuses_to_reopen_a_done_measure(hp, archived):
    m = add(archived, hp.own)
    m = actions.do_update_plan_measure(acting_user=hp.own, measure=m, status="done", outcome="完成", person_name=NAMED)
    with pytest.raises(TransitionError, match="已完成"):
        actions.do_update_plan_measure(
            acting_user=hp.own, measure=m, status="in_progress", outcome="x", person_name=NAMED
        )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"measure": "lottery"}, "measure"),
        ({"owner": ""}, "owner"),
        ({"description": " "}, "description"),
        ({"due_on": dt.date(2000, 1, 1)}, "due_on"),
        ({"person_name": ""}, "person_name"),
    ],
)
def test_it_refuses_a_bad_measure_and_writes_nothing(hp, archived, kw, field):
    before = table_state()
    with pytest.raises(ValidationError) as e:
        add(archived, hp.own, **kw)
    assert field in e.value.message_dict
    assert table_state() == before


def test_it_refuses_a_plan_before_review(hp, member, lines):
    with pytest.raises(ValidationError, match="不能制定帮扶措施"):
        add(create(member, user=hp.own), hp.own)


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_refuses_plan_changes_outside_the_subtree(hp, archived, name):
    with pytest.raises(ActionPermissionError):
        add(archived, getattr(hp, name))
    m = add(archived, hp.own)
    with pytest.raises(ActionPermissionError):
        actions.do_update_plan_measure(
            acting_user=getattr(hp, name), measure=m, status="done", outcome="x", person_name=NAMED
        )


def test_it_lists_overdue_measures_in_scope(hp, archived, clock):
    m = add(archived, hp.ancestor)
    late = m.due_on + dt.timedelta(days=1)
    assert [x.pk for x in queries.plan_overdue(hp.own, late)] == [m.pk]
    assert list(queries.plan_overdue(hp.own, m.due_on)) == []
    assert list(queries.plan_overdue(hp.sibling, late)) == []
    assert queries.work_queues(hp.own, late)["plan_overdue"] == 1
