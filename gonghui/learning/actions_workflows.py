"""Actions around courses: needs surveys (proposals, member votes, the result list), 送课上门
requests (a workplace union asks, the org above approves and a course is created for that
workplace's members) and 由训转赛 contests (entrants, scores, ranks, 获奖证书)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.actionkit import require, require_member
from gonghui.learning.actions import MANAGE, do_create_offering
from gonghui.learning.actions_records import _issue
from gonghui.learning.models import Category, Certificate, Contest, ContestEntry, CourseRequest, Proposal, Survey, Vote
from gonghui.learning.states import (
    CONTEST,
    COURSE_REQUEST,
    SURVEY,
    ContestStatus,
    OfferingStatus,
    RequestStatus,
    SurveyStatus,
)
from gonghui.orgs.models import Org

# --- needs surveys -------------------------------------------------------------------------------


def do_create_survey(*, acting_user, org: Org, title: str, closes_at, proposals: list[tuple[str, str]]) -> Survey:
    """A survey with its proposed courses [(title, category)]; members of the subtree vote until it closes."""
    require(acting_user, MANAGE, org.path, org.name)
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写调查名称")]
    if not closes_at or closes_at <= timezone.now():
        errors["closes_at"] = [_("投票截止应晚于现在")]
    if len(proposals) < 2 or any(not t.strip() or c not in Category.values for t, c in proposals):
        errors["proposals"] = [_("至少列出两门候选课程，每门写明名称和类别")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        survey = Survey.objects.create(
            org=org, org_path=org.path, province_id=org.province_id, title=title.strip()[:120], closes_at=closes_at
        )
        Proposal.objects.bulk_create(Proposal(survey=survey, title=t.strip()[:120], category=c) for t, c in proposals)
        audit.record(
            actor=acting_user, action="learning.survey_create", obj=survey, org=org, after={"proposals": len(proposals)}
        )
    return survey


def do_vote(*, acting_user, proposal: Proposal, membership, now=None) -> Vote:
    """A member votes for a proposal (once per proposal, at most `max_votes` per survey)."""
    actor = require_member(acting_user, membership.person_id)
    survey = proposal.survey
    now = now or timezone.now()
    if survey.status != SurveyStatus.OPEN or now >= survey.closes_at:
        raise ValidationError(_("投票已结束"))
    if not membership.org_path.startswith(survey.org_path):
        raise ValidationError(_("仅限%(o)s所属会员参与") % {"o": survey.org.name})
    with transaction.atomic():
        Survey.objects.select_for_update().get(pk=survey.pk)
        if Vote.objects.filter(survey=survey, person_id=membership.person_id).count() >= survey.max_votes:
            raise ValidationError(_("每人最多投 %(n)s 票") % {"n": survey.max_votes})
        try:
            with transaction.atomic():
                vote = Vote.objects.create(
                    proposal=proposal, survey=survey, person_id=membership.person_id, province_id=membership.province_id
                )
        except IntegrityError:
            raise ValidationError(_("您已为这门课程投过票")) from None
        Proposal.objects.filter(pk=proposal.pk).update(votes=F("votes") + 1)
        audit.record(actor=actor, action="learning.vote", obj=proposal, org=survey.org)
    return vote


def do_close_survey(*, acting_user, survey: Survey) -> list[Proposal]:
    """Close the vote; returns the result list, most votes first."""
    require(acting_user, MANAGE, survey.org_path, survey.org.name)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("org").get(pk=survey.pk)
        SURVEY.transition(survey, SurveyStatus.CLOSED, _("结束投票"))
        survey.save(update_fields=["status", "updated_at"])
        results = list(survey.proposals.order_by("-votes", "id"))
        audit.record(
            actor=acting_user,
            action="learning.survey_close",
            obj=survey,
            org=survey.org,
            after={"results": [(p.title, p.votes) for p in results]},
        )
    return results


# --- 送课上门 ------------------------------------------------------------------------------------


def do_request_course(
    *, acting_user, requester: Org, topic: str, category: str, headcount: int, preferred_dates: str, note: str = ""
) -> CourseRequest:
    """A workplace union asks the org above it for a course at its workplace."""
    require(acting_user, MANAGE, requester.path, requester.name)
    errors = {}
    if not (topic or "").strip():
        errors["topic"] = [_("请填写课程主题")]
    if category not in Category.values:
        errors["category"] = [_("请选择类别")]
    if not isinstance(headcount, int) or not 1 <= headcount <= 10000:
        errors["headcount"] = [_("预计人数应在 1–10000 之间")]
    if not (preferred_dates or "").strip():
        errors["preferred_dates"] = [_("请填写希望的时间")]
    if requester.parent_id is None:
        errors["__all__"] = [_("最上级组织没有可申请的上级工会")]
    if errors:
        raise ValidationError(errors)
    owner = requester.parent
    with transaction.atomic():
        request = CourseRequest.objects.create(
            requester=requester,
            owner=owner,
            org_path=owner.path,
            province_id=requester.province_id,
            topic=topic.strip()[:120],
            category=category,
            headcount=headcount,
            preferred_dates=preferred_dates.strip()[:120],
            note=(note or "")[:300],
        )
        audit.record(actor=acting_user, action="learning.course_request", obj=request, org=requester)
    return request


def do_decide_course_request(
    *, acting_user, request: CourseRequest, approve: bool, data: dict | None = None, note: str = ""
):
    """The owning org approves (a course for the workplace is created from `data`) or declines with a reason."""
    require(acting_user, MANAGE, request.org_path, request.owner.name)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("不批准时请说明原因")]})
    with transaction.atomic():
        request = CourseRequest.objects.select_for_update().select_related("owner", "requester").get(pk=request.pk)
        COURSE_REQUEST.transition(request, RequestStatus.APPROVED if approve else RequestStatus.REJECTED, _("审批"))
        if approve:
            course = dict(data or {})
            course.setdefault("title", request.topic)
            course.setdefault("category", request.category)
            course.setdefault("capacity", request.headcount)
            course.setdefault("min_enrolment", min(10, request.headcount))
            course["rule"] = {**course.get("rule", {}), "orgs": [request.requester.code]}
            offering = do_create_offering(acting_user=acting_user, org=request.owner, data=course)
            offering.origin_request = request
            offering.save(update_fields=["origin_request"])
            request.offering = offering
        request.decision_note = (note or "")[:300]
        request.save(update_fields=["status", "decision_note", "offering", "updated_at"])
        audit.record(
            actor=acting_user,
            action="learning.course_request_decide",
            obj=request,
            org=request.owner,
            after={"status": request.status, "offering": request.offering_id},
            reason=note,
        )
    return request


# --- 由训转赛 ------------------------------------------------------------------------------------


def do_create_contest(*, acting_user, offering, title: str, held_on, awards: int = 3) -> Contest:
    require(acting_user, MANAGE, offering.org_path, offering.org.name)
    if offering.status not in (OfferingStatus.RUNNING, OfferingStatus.COMPLETED):
        raise ValidationError(_("课程开班后才能组织竞赛"))
    if not (title or "").strip() or not held_on:
        raise ValidationError({"title": [_("请填写竞赛名称和日期")]})
    if not isinstance(awards, int) or not 1 <= awards <= 100:
        raise ValidationError({"awards": [_("获奖名额应在 1–100 之间")]})
    with transaction.atomic():
        contest = Contest.objects.create(
            offering=offering,
            org_path=offering.org_path,
            province_id=offering.province_id,
            title=title.strip()[:120],
            held_on=held_on,
            awards=awards,
        )
        audit.record(actor=acting_user, action="learning.contest_create", obj=contest, org=offering.org)
    return contest


def do_record_contest_score(*, acting_user, contest: Contest, membership, score) -> ContestEntry:
    """Enter a member (enrolled in the course) with a score 0–100; scoring again replaces the score."""
    from decimal import Decimal, InvalidOperation

    require(acting_user, MANAGE, contest.org_path)
    if contest.status != ContestStatus.OPEN:
        raise ValidationError(_("竞赛已颁奖，成绩不能再修改"))
    try:
        score = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": [_("成绩应为 0–100 的数字")]}) from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError({"score": [_("成绩应为 0–100 的数字")]})
    if not contest.offering.enrolments.filter(person_id=membership.person_id, status="enrolled").exists():
        raise ValidationError({"member_no": [_("该会员未参加本课程")]})
    with transaction.atomic():
        entry, _created = ContestEntry.objects.update_or_create(
            contest=contest,
            person_id=membership.person_id,
            defaults={"membership": membership, "province_id": membership.province_id, "score": score},
        )
        audit.record(
            actor=acting_user,
            action="learning.contest_score",
            obj=entry,
            org=contest.offering.org,
            after={"score": score},
        )
    return entry


def do_award_contest(*, acting_user, contest: Contest, now=None) -> list[ContestEntry]:
    """Rank by score (ties share a rank) and give the top `awards` ranks a 获奖证书 and a contest skill."""
    actor = require(acting_user, MANAGE, contest.org_path)
    now = now or timezone.now()
    names = {1: _("一等奖"), 2: _("二等奖"), 3: _("三等奖")}
    with transaction.atomic():
        contest = Contest.objects.select_for_update().select_related("offering__org").get(pk=contest.pk)
        CONTEST.transition(contest, ContestStatus.AWARDED, _("颁奖"))
        entries = list(
            contest.entries.filter(score__isnull=False).select_related("membership__person").order_by("-score", "id")
        )
        if not entries:
            raise ValidationError(_("还没有参赛成绩"))
        rank, previous = 0, None
        for position, entry in enumerate(entries, 1):
            if entry.score != previous:
                rank, previous = position, entry.score
            entry.rank = rank
            if rank <= contest.awards:
                entry.award = names.get(rank, _("优秀奖"))
            entry.save(update_fields=["rank", "award"])
            if entry.award:
                _issue(
                    actor,
                    contest.offering,
                    entry.membership,
                    Certificate.Kind.AWARD,
                    now,
                    entry=entry,
                    award=entry.award,
                )
        contest.save(update_fields=["status", "updated_at"])
        audit.record(actor=actor, action="learning.contest_award", obj=contest, org=contest.offering.org)
    return entries
