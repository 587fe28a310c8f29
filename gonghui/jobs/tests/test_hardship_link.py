"""A placement closes the household plan's 就业推荐/爱心岗位 measure (members.signals.placement_made,
received by hardship), with the hardship app's own event and audit entry; other measures stay open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gonghui.hardship import actions as hardship
from gonghui.hardship.models import PlanMeasure
from gonghui.hardship.states import ArchiveStatus
from gonghui.hardship.tests.helpers import NAMED, Clock, add_lines, create, to_state
from gonghui.jobs import actions_apply
from gonghui.jobs.tests.helpers import entries, make_employer, make_post, me, set_wage
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def test_a_placement_closes_the_job_measure_of_the_members_plan(tree, personas):
    set_wage()
    clock = Clock()
    add_lines(range(clock.today.year - 2, clock.today.year + 2))
    member = make_member(tree.grassroots)
    archive = to_state(create(member), ArchiveStatus.REVIEWED, clock)
    due = timezone.localdate() + dt.timedelta(days=60)

    def add(measure):
        return hardship.do_add_plan_measure(
            acting_user=None,
            archive=archive,
            measure=measure,
            description="推荐岗位",
            owner="李干事",
            due_on=due,
            person_name=NAMED,
        )

    job, school = add("job_referral"), add("autumn_education")
    post = make_post(tree.district, make_employer(tree.district))
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    actions_apply.do_move_application(acting_user=personas.own, application=application, status="offered")
    actions_apply.do_hire(
        acting_user=personas.own, application=application, start_date=timezone.localdate(), wage="230", wage_unit="day"
    )
    job, school = PlanMeasure.objects.get(pk=job.pk), PlanMeasure.objects.get(pk=school.pk)
    assert job.status == "done" and post.employer.name in job.outcome and job.completed_on
    assert school.status == "planned"
    closing = [e for e in entries("hardship.plan_update") if e.after.get("plan_measure") == job.pk]
    assert len(closing) == 1 and closing[0].after["placement"] and closing[0].actor_label == personas.own.username


def test_a_placement_of_a_member_without_an_archive_touches_no_plan(tree, personas):
    set_wage()
    member = make_member(tree.grassroots)
    post = make_post(tree.district, make_employer(tree.district))
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    actions_apply.do_move_application(acting_user=personas.own, application=application, status="offered")
    actions_apply.do_hire(
        acting_user=personas.own, application=application, start_date=timezone.localdate(), wage="230", wage_unit="day"
    )
    assert not entries("hardship.plan_update")
