"""Demo learning (职工夜校, issue 10): what `make run` needs to try the whole flow.

南山区总工会 (the `district` login) runs an autumn 夜校 term: "AI 办公工具入门" (work skills) with
9 members enrolled, waiting for a 10th to open — the demo rider (13800000001) can be that 10th in
the portal; "周末烘焙课" (life skills, ¥88, one child free) full with a waitlist; a CPR+AED
first-aid course finished last month whose certificates were issued (the rider holds one, and the
skill "急救（CPR+AED）" that the jobs issue matches on); a free health check for gig workers; a
needs survey and a 送课上门 request. Everything goes through `learning.actions` with the `district`
user as the actor (audited), and is found again by title on a second run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DISTRICT = "440305"
TERM = "南山区职工夜校（秋季）"
CPR = "急救（CPR+AED）培训"
CPR_SKILL = "急救（CPR+AED）"


def seed_demo(stdout=None) -> dict:
    created = _seed()
    if created and stdout is not None:
        stdout.write("learning: " + ", ".join(f"{n} {what}" for what, n in created.items()))
    return created


def _members(org, count: int, *, exclude=(), gig: bool = False) -> list:
    from gonghui.learning.actions import current_membership
    from gonghui.members import eligibility
    from gonghui.members.models import Membership

    rows = (
        Membership.objects.filter(eligibility.segment({}), org_path__startswith=org.path)
        .exclude(person_id__in=list(exclude))
        .order_by("pk")
    )
    if gig:
        rows = rows.filter(worker_type="gig")
    return [current_membership(pid) for pid in rows.values_list("person_id", flat=True)[:count]]


def _rider():
    from gonghui.demo.members import DEMO_MEMBER
    from gonghui.learning.actions import current_membership
    from gonghui.people.models import Person

    person = Person.objects.filter(mobile=DEMO_MEMBER["mobile"]).first()
    return current_membership(person.pk) if person else None


def _course(actor, org, *, first, sessions=2, hours="2.0", **data):
    from gonghui.learning import actions

    data.setdefault("kind", "course")
    data.setdefault("min_enrolment", 10)
    data.setdefault("rule", {})
    offering = actions.do_create_offering(acting_user=actor, org=org, data=data)
    for i in range(sessions):
        begins = first + dt.timedelta(days=7 * i)
        actions.do_add_session(
            acting_user=actor,
            offering=offering,
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=2),
            class_hours=Decimal(hours),
            topic=f"第 {i + 1} 讲",
        )
    return actions.do_publish_offering(acting_user=actor, offering=offering)


def _enrol(offering, members, now=None):
    from gonghui.core.actionkit import Actor
    from gonghui.learning import actions
    from gonghui.members.schemas import mask_name

    for m in members:
        actor = Actor.member(m.person_id, mask_name(m.person.name))
        actions.do_enrol(acting_user=actor, offering=offering, membership=m, now=now)


@transaction.atomic
def _seed() -> dict:
    from gonghui.accounts.models import User
    from gonghui.core.actionkit import Actor
    from gonghui.learning import actions, actions_records, actions_workflows
    from gonghui.learning.models import CourseRequest, Offering, Survey
    from gonghui.members import cards
    from gonghui.members.models import Card
    from gonghui.orgs.models import Org

    org = Org.objects.filter(code=DISTRICT).first()
    actor = User.objects.filter(username="district").first()
    if org is None or actor is None or Offering.objects.filter(org=org, title=CPR).exists():
        return {}
    rider = _rider()
    now = timezone.now()
    evening = timezone.localtime(now).replace(hour=19, minute=0, second=0, microsecond=0)
    created = {"offerings": 0, "enrolments": 0, "certificates": 0}

    # The CPR+AED course: finished last month, 4 class hours, certificates issued (the rider among them).
    first = evening - dt.timedelta(days=40)
    cpr = _course(
        actor,
        org,
        first=first,
        title=CPR,
        category="safety",
        teacher="南山区红十字会 刘医生",
        venue="南山区职工服务中心 2 楼培训室",
        capacity=80,
        fee=Decimal("0"),
        enrol_opens_at=first - dt.timedelta(days=20),
        enrol_closes_at=first - dt.timedelta(days=2),
        completion_percent=100,
        min_enrolment=1,  # a first-aid course runs for whoever comes (and the small e2e demo has few members)
        skill_name=CPR_SKILL,
        description="心肺复苏（CPR）和自动体外除颤器（AED）操作，考核合格发结业证书。",
    )
    trainees = ([rider] if rider else []) + _members(org, 11, exclude=[rider.person_id] if rider else [])
    _enrol(cpr, trainees, now=first - dt.timedelta(days=5))
    actions.do_decide_opening(acting_user=actor, offering=cpr, now=first - dt.timedelta(days=2))
    for session in cpr.sessions.all():
        for m in trainees[:10]:
            card = Card.objects.select_related("membership").filter(membership=m, status="active").first()
            if card:
                actions_records.do_check_in_card(
                    acting_user=actor, session=session, payload=cards.payload_for(card), now=session.starts_at
                )
        actions_records.do_close_session(acting_user=actor, session=session, now=session.ends_at)
    done = actions_records.do_complete_offering(acting_user=actor, offering=cpr)
    created["certificates"] += done["completed"]
    created["offerings"] += 1
    created["enrolments"] += len(trainees)

    # The 夜校 term: one course waiting for its 10th member, one full with a waitlist.
    first = evening + dt.timedelta(days=14)
    ai = _course(
        actor,
        org,
        first=first,
        sessions=4,
        title="AI 办公工具入门（" + TERM + "）",
        category="work",
        teacher="深圳职业技术大学 王老师",
        venue="南山区职工服务中心 301 教室",
        capacity=30,
        fee=Decimal("88.00"),
        enrol_opens_at=now - dt.timedelta(days=3),
        enrol_closes_at=first - dt.timedelta(days=2),
        skill_name="AI 办公工具应用",
        description="用 AI 写材料、做表格、做 PPT。满 10 人开班。",
    )
    _enrol(ai, _members(org, 9, exclude=[rider.person_id] if rider else []))
    baking = _course(
        actor,
        org,
        first=first + dt.timedelta(days=2),
        sessions=3,
        title="周末烘焙课（" + TERM + "）",
        category="life",
        teacher="烘焙师 赵老师",
        venue="南山区职工之家 烘焙教室",
        capacity=12,
        min_enrolment=6,
        fee=Decimal("88.00"),
        companion_rule="可带一名子女免费",
        enrol_opens_at=now - dt.timedelta(days=3),
        enrol_closes_at=first,
        description="面包、蛋糕和中式点心，亲子同堂。",
    )
    _enrol(baking, _members(org, 15, exclude=[rider.person_id] if rider else []))
    _course(
        actor,
        org,
        first=first + dt.timedelta(days=1),
        sessions=3,
        title="短视频拍摄与剪辑（线上）",
        category="work",
        teacher="南山融媒体中心 陈老师",
        online=True,
        live_url="https://live.example.org/nanshan-yexiao",
        replay_url="https://live.example.org/nanshan-yexiao/replay",
        capacity=500,
        min_enrolment=10,
        fee=Decimal("0"),
        enrol_opens_at=now - dt.timedelta(days=3),
        enrol_closes_at=first,
        skill_name="短视频剪辑",
    )
    created["offerings"] += 3  # AI, baking, the online video course
    created["enrolments"] += 24

    # A free health check for gig workers (an activity: no minimum).
    check = _course(
        actor,
        org,
        first=evening + dt.timedelta(days=10),
        sessions=1,
        hours="0.5",
        kind="activity",
        title="新就业形态劳动者免费健康体检",
        category="safety",
        venue="南山区人民医院体检中心",
        capacity=100,
        min_enrolment=0,
        fee=Decimal("0"),
        enrol_opens_at=now - dt.timedelta(days=1),
        enrol_closes_at=evening + dt.timedelta(days=8),
        rule={"worker_types": ["gig"]},
        description="快递员、外卖骑手、网约车司机等新就业形态劳动者免费体检一次。",
    )
    _enrol(check, _members(org, 5, exclude=[rider.person_id] if rider else [], gig=True))
    created["offerings"] += 1

    # A needs survey and a 送课上门 request from a workplace union.
    if not Survey.objects.filter(org=org).exists():
        survey = actions_workflows.do_create_survey(
            acting_user=actor,
            org=org,
            title="2027 年春季夜校开什么课？",
            closes_at=now + dt.timedelta(days=20),
            proposals=[("Excel 数据分析", "work"), ("摄影入门", "life"), ("亲子编程", "family"), ("八段锦", "culture")],
        )
        for i, m in enumerate(_members(org, 12)):
            proposal = list(survey.proposals.all())[i % 3 if i < 9 else 0]
            actions_workflows.do_vote(acting_user=Actor.member(m.person_id, "演示"), proposal=proposal, membership=m)
    workplace = Org.objects.filter(path__startswith=org.path, kind="grassroots").order_by("path").first()
    if workplace is not None and not CourseRequest.objects.filter(requester=workplace).exists():
        actions_workflows.do_request_course(
            acting_user=actor,
            requester=workplace,
            topic="叉车安全操作",
            category="safety",
            headcount=30,
            preferred_dates="下月第二周的周三晚上",
        )
    return created
