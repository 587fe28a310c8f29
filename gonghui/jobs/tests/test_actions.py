"""Jobs actions: employers, the minimum wage, posts, applications and hires — good paths with their
audit entries, every refusal with a clear reason and nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.jobs import actions, actions_apply
from gonghui.jobs.models import Application, ApplicationEvent, Employer, FollowUp, JobPost, Placement
from gonghui.jobs.tests.helpers import (
    SYSTEM,
    employer_data,
    entries,
    make_employer,
    make_post,
    me,
    post_data,
    reload,
    set_wage,
)
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def wage(db):
    return set_wage()


@pytest.fixture
def employer(tree, wage):
    return make_employer(tree.district)


def test_it_registers_reviews_and_audits_an_outside_employer(tree, personas):
    employer = actions.do_register_employer(acting_user=personas.own, org=tree.district, data=employer_data())
    assert employer.status == "registered" and employer.kind == "outside"
    assert employer.contact_mobile.startswith("+86") and "****" in employer.contact_masked
    employer = actions.do_approve_employer(acting_user=personas.ancestor, employer=employer, note="资料齐全")
    assert employer.status == "approved"
    assert [e.action for e in entries("jobs.employer_register") + entries("jobs.employer_approve")] == [
        "jobs.employer_register",
        "jobs.employer_approve",
    ]


def test_it_links_a_grassroots_union_enterprise_with_its_uscc(tree):
    employer = actions.do_register_employer(
        acting_user=SYSTEM, org=tree.district, enterprise=tree.grassroots, data=employer_data(uscc="")
    )
    assert employer.kind == "member" and employer.uscc == tree.grassroots.uscc


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"uscc": "91440305MA5JXB0001"}, "uscc", "统一社会信用代码"),
        ({"contact_mobile": "12345"}, "contact_mobile", "手机号"),
        ({"name": ""}, "name", "单位名称"),
        ({"lat": 95, "lon": 113}, "lat", "坐标"),
        ({"division_code": "99"}, "division_code", ""),
    ],
)
def test_it_refuses_a_bad_employer_and_writes_nothing(tree, changes, field, message):
    with pytest.raises(ValidationError) as exc:
        actions.do_register_employer(acting_user=SYSTEM, org=tree.district, data=employer_data(**changes))
    assert field in exc.value.message_dict and message in " ".join(exc.value.message_dict[field])
    assert not Employer.objects.exists() and not entries("jobs.employer_register")


def test_it_refuses_the_same_uscc_twice(tree, employer):
    with pytest.raises(ValidationError, match="已登记"):
        actions.do_register_employer(acting_user=SYSTEM, org=tree.district, data=employer_data(uscc=employer.uscc))


def test_staff_outside_the_subtree_cannot_register_or_review(tree, personas):
    with pytest.raises(ActionPermissionError):
        actions.do_register_employer(acting_user=personas.sibling, org=tree.district, data=employer_data())
    employer = make_employer(tree.district, approve=False)
    with pytest.raises(ActionPermissionError):
        actions.do_approve_employer(acting_user=personas.sibling, employer=employer)
    with pytest.raises(ActionPermissionError):
        actions.do_approve_employer(acting_user=me(make_member(tree.grassroots)), employer=employer)
    assert reload(employer).status == "registered"


def test_a_post_below_the_minimum_wage_is_refused_with_the_figure(tree, employer):
    with pytest.raises(ValidationError) as exc:
        make_post(tree.district, employer, wage_min=Decimal("2000"), wage_max=Decimal("2400"), wage_unit="month")
    text = " ".join(exc.value.message_dict["wage_min"])
    assert "2520" in text and "演示数据" in text and "440300" in text
    with pytest.raises(ValidationError, match="189.6"):  # 23.70 × 8 for a day rate
        make_post(tree.district, employer, wage_min=Decimal("150"), wage_unit="day")
    assert not JobPost.objects.exists()
    post = make_post(tree.district, employer, wage_min=Decimal("2520"), wage_max=Decimal("3000"), wage_unit="month")
    assert post.wage_monthly == Decimal("2520.00")


def test_the_district_uses_its_citys_minimum_wage_and_the_newest_row_in_force(tree, employer):
    set_wage(division="440000", monthly="1900", hourly="18.10", on=dt.date(2024, 1, 1))
    set_wage(division="440300", monthly="9999", hourly="99", on=timezone.localdate() + dt.timedelta(days=10))
    with pytest.raises(ValidationError, match="2520"):
        make_post(tree.district, employer, wage_min=Decimal("2500"), wage_max=Decimal("2500"), wage_unit="month")


def test_posts_by_unreviewed_or_suspended_employers_are_refused(tree, wage):
    unreviewed = make_employer(tree.district, approve=False)
    with pytest.raises(ValidationError, match="尚未通过工会审核"):
        make_post(tree.district, unreviewed)
    employer = make_employer(tree.district)
    post = make_post(tree.district, employer)
    draft = make_post(tree.district, employer, publish=False)
    actions.do_suspend_employer(acting_user=SYSTEM, employer=employer, reason="拖欠工资投诉")
    assert reload(post).status == "withdrawn" and "拖欠工资" in reload(post).status_reason
    assert reload(draft).status == "withdrawn"
    assert entries("jobs.employer_suspend")[0].after["withdrawn_posts"] == sorted([post.pk, draft.pk])
    with pytest.raises(ValidationError, match="已被暂停"):
        make_post(tree.district, reload(employer))
    assert JobPost.objects.count() == 2


def test_publishing_needs_a_reviewer_of_the_owning_org(tree, personas, employer):
    post = actions.do_create_post(acting_user=personas.own, employer=employer, org=tree.district, data=post_data())
    with pytest.raises(TransitionError, match="草稿"):
        actions.do_publish_post(acting_user=personas.own, post=post)
    post = actions.do_submit_post(acting_user=personas.own, post=post)
    with pytest.raises(ActionPermissionError):
        actions.do_publish_post(acting_user=personas.sibling, post=post)
    post = actions.do_publish_post(acting_user=personas.ancestor, post=post)
    assert post.status == "published" and post.published_at
    assert [e.after["status"] for e in entries("jobs.post_submit") + entries("jobs.post_publish")] == [
        "in_review",
        "published",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"job_type": "slave"}, "job_type"),
        ({"openings": 0}, "openings"),
        ({"wage_min": "abc"}, "wage_min"),
        ({"wage_max": Decimal("100")}, "wage_max"),
        ({"wage_unit": "year"}, "wage_unit"),
        ({"lat": None, "lon": None}, "lat"),
        ({"deadline": dt.date(2020, 1, 1)}, "deadline"),
        ({"skills": [{"name": "电工", "level": "大师"}]}, "skills"),
    ],
)
def test_it_refuses_a_bad_post_and_writes_nothing(tree, employer, changes, field):
    with pytest.raises(ValidationError) as exc:
        actions.do_create_post(acting_user=SYSTEM, employer=employer, org=tree.district, data=post_data(**changes))
    assert field in exc.value.message_dict
    assert not JobPost.objects.exists() and not entries("jobs.post_create")


def test_a_remote_post_needs_no_coordinates(tree, employer):
    post = make_post(tree.district, employer, remote=True, lat=None, lon=None, title="线上客服（远程）")
    assert post.remote and post.lat is None


# --- applications and hires ------------------------------------------------------------------------


@pytest.fixture
def post(tree, employer):
    return make_post(tree.district, employer, openings=1)


def test_a_member_applies_once_and_sees_each_change(tree, personas, post):
    member = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member, share_mobile=True)
    assert application.status == "applied" and application.channel == "portal"
    assert reload(post).application_count == 1
    with pytest.raises(ValidationError, match="不能重复投递") as exc:
        actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    assert "已投递" in " ".join(exc.value.message_dict["post"])
    assert Application.objects.count() == 1 and len(entries("jobs.apply")) == 1
    for status in ("viewed", "interview", "offered"):
        application = actions_apply.do_move_application(
            acting_user=personas.own, application=application, status=status
        )
    assert list(ApplicationEvent.objects.filter(application=application).values_list("to_status", flat=True)) == [
        "applied",
        "viewed",
        "interview",
        "offered",
    ]
    assert entries("jobs.apply")[0].actor_label.startswith("会员本人")


def test_staff_apply_for_a_walk_in_and_outsiders_cannot(tree, personas, post):
    member = make_member(tree.sibling_grassroots)
    with pytest.raises(ActionPermissionError):
        actions_apply.do_apply(acting_user=personas.sibling, post=post, membership=member)
    with pytest.raises(ActionPermissionError):
        actions_apply.do_apply(acting_user=me(make_member(tree.grassroots)), post=post, membership=member)
    application = actions_apply.do_apply(acting_user=personas.own, post=post, membership=member)
    assert application.channel == "staff"


def test_applying_to_a_filled_expired_or_withdrawn_post_is_refused(tree, employer, post, personas):
    a, b = make_member(tree.grassroots), make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(a), post=post, membership=a)
    actions_apply.do_move_application(acting_user=personas.own, application=application, status="offered")
    actions_apply.do_hire(
        acting_user=personas.own, application=application, start_date=timezone.localdate(), wage="220", wage_unit="day"
    )
    assert reload(post).status == "filled"
    with pytest.raises(ValidationError, match="已招满"):
        actions_apply.do_apply(acting_user=me(b), post=post, membership=b)
    expiring = make_post(tree.district, employer, deadline=timezone.localdate())
    actions.do_expire_posts(acting_user=SYSTEM, on=timezone.localdate() + dt.timedelta(days=1))
    assert reload(expiring).status == "expired"
    with pytest.raises(ValidationError, match="截止日期"):
        actions_apply.do_apply(acting_user=me(b), post=expiring, membership=b)
    withdrawn = make_post(tree.district, employer)
    actions.do_withdraw_post(acting_user=SYSTEM, post=withdrawn, reason="岗位取消")
    with pytest.raises(ValidationError, match="已撤回"):
        actions_apply.do_apply(acting_user=me(b), post=withdrawn, membership=b)
    assert not Application.objects.filter(person_id=b.person_id).exists()


def test_a_hire_makes_a_placement_with_follow_ups_and_refuses_a_second(tree, personas, post):
    member = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    with pytest.raises(TransitionError, match="已投递"):
        actions_apply.do_hire(
            acting_user=personas.own, application=application, start_date="2026-01-05", wage="220", wage_unit="day"
        )
    actions_apply.do_move_application(acting_user=personas.own, application=application, status="offered")
    with pytest.raises(ValidationError) as exc:
        actions_apply.do_hire(
            acting_user=personas.own, application=application, start_date="明天", wage="-1", wage_unit="x"
        )
    assert set(exc.value.message_dict) == {"start_date", "wage", "wage_unit"}
    assert not Placement.objects.exists()
    start = timezone.localdate()
    placement = actions_apply.do_hire(
        acting_user=personas.own, application=application, start_date=start, wage="220", wage_unit="day"
    )
    assert placement.wage_monthly == Decimal("4785.00")
    assert [f.months for f in FollowUp.objects.filter(placement=placement)] == [1, 3]
    assert entries("jobs.hire")[0].after["post_filled"] is True
    with pytest.raises(TransitionError):
        actions_apply.do_hire(
            acting_user=personas.own, application=application, start_date=start, wage="220", wage_unit="day"
        )


def test_the_employer_contact_moves_applications_of_its_own_posts_only(tree, post, wage):
    from gonghui.core.testing import make_staff

    contact = make_staff("employer-contact", tree.district, roles=())
    other = make_staff("other-contact", tree.district, roles=())
    employer = Employer.objects.get(pk=post.employer_id)
    Employer.objects.filter(pk=employer.pk).update(contact_user=contact)
    member = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    with pytest.raises(ActionPermissionError):
        actions_apply.do_move_application(acting_user=other, application=application, status="viewed")
    application = actions_apply.do_move_application(acting_user=contact, application=application, status="viewed")
    assert application.status == "viewed"


def test_a_follow_up_is_recorded_once(tree, personas, post):
    member = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    actions_apply.do_move_application(acting_user=personas.own, application=application, status="offered")
    placement = actions_apply.do_hire(
        acting_user=personas.own,
        application=application,
        start_date=timezone.localdate(),
        wage="5000",
        wage_unit="month",
    )
    first = placement.follow_ups.get(months=1)
    with pytest.raises(ValidationError):
        actions_apply.do_record_follow_up(acting_user=personas.own, follow_up=first, still_working=None)
    with pytest.raises(ActionPermissionError):
        actions_apply.do_record_follow_up(acting_user=personas.sibling, follow_up=first, still_working=True)
    actions_apply.do_record_follow_up(
        acting_user=personas.own, follow_up=first, still_working=True, income_change="-300"
    )
    assert reload(first).income_change == Decimal("-300.00")
    with pytest.raises(ValidationError, match="已登记"):
        actions_apply.do_record_follow_up(acting_user=personas.own, follow_up=first, still_working=False)
    assert len(entries("jobs.follow_up")) == 1


def test_the_member_withdraws_their_own_application(tree, post):
    member, other = make_member(tree.grassroots), make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    with pytest.raises(ActionPermissionError):
        actions_apply.do_withdraw_application(acting_user=me(other), application=application)
    actions_apply.do_withdraw_application(acting_user=me(member), application=application)
    assert reload(application).status == "withdrawn"
    again = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)  # may apply anew
    assert again.pk != application.pk
