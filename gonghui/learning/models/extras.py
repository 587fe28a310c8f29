"""Workflows around courses: the needs survey (members vote for proposed courses), 送课上门
requests from a workplace union, and 由训转赛 contests after a course."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import TimeStampedModel
from gonghui.core.scoping import ScopedManager
from gonghui.core.tree import PathField
from gonghui.learning.states import ContestStatus, RequestStatus, SurveyStatus


class Survey(TimeStampedModel):
    """A needs survey (需求调查): members of the org's subtree vote for proposed courses until it closes."""

    org = models.ForeignKey("orgs.Org", verbose_name=_("发起工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    title = models.CharField(_("调查名称"), max_length=120)
    closes_at = models.DateTimeField(_("投票截止"))
    max_votes = models.PositiveSmallIntegerField(_("每人最多投票数"), default=3)
    status = models.CharField(_("状态"), max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.OPEN)

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("课程需求调查")

    def __str__(self):
        return self.title


class Proposal(models.Model):
    """A proposed course in a survey; `votes` is kept in step with the Vote rows by the vote action."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("课程名称"), max_length=120)
    category = models.CharField(_("类别"), max_length=14)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    votes = models.PositiveIntegerField(_("票数"), default=0)

    class Meta:
        verbose_name = _("候选课程")
        ordering = ["-votes", "id"]

    def __str__(self):
        return self.title


class Vote(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="vote_rows")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    person_id = models.BigIntegerField()
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "person_id"], name="lvote_once_per_proposal")]
        indexes = [models.Index(fields=["survey", "person_id"], name="lvote_survey_person_idx")]

    def __str__(self):
        return f"{self.proposal_id}:{self.person_id}"


class CourseRequest(TimeStampedModel):
    """送课上门: a workplace (grassroots) union asks the org above for a course at its workplace."""

    requester = models.ForeignKey("orgs.Org", verbose_name=_("申请工会"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("orgs.Org", verbose_name=_("审批工会"), on_delete=models.PROTECT, related_name="+")
    org_path = PathField(_("组织路径"), editable=False)  # the owner's: its staff approve
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    topic = models.CharField(_("课程主题"), max_length=120)
    category = models.CharField(_("类别"), max_length=14)
    headcount = models.PositiveIntegerField(_("预计人数"))
    preferred_dates = models.CharField(_("希望时间"), max_length=120)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    offering = models.ForeignKey(
        "learning.Offering", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("送课上门申请")

    def __str__(self):
        return self.topic


class Contest(TimeStampedModel):
    """由训转赛: a contest after a course; the top ranks receive 获奖证书 (and a contest skill)."""

    offering = models.ForeignKey("learning.Offering", on_delete=models.PROTECT, related_name="contests")
    org_path = PathField(_("组织路径"), editable=False)
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    title = models.CharField(_("竞赛名称"), max_length=120)
    held_on = models.DateField(_("比赛日期"))
    awards = models.PositiveSmallIntegerField(_("获奖名额"), default=3)
    status = models.CharField(_("状态"), max_length=8, choices=ContestStatus.choices, default=ContestStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    permission_prefix = "learning"
    scope_path_field = "org_path"

    class Meta:
        verbose_name = _("技能竞赛")

    def __str__(self):
        return self.title


class ContestEntry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="entries")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField()
    province_id = models.BigIntegerField(null=True, blank=True, editable=False)
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)
    award = models.CharField(_("奖项"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("参赛")
        constraints = [models.UniqueConstraint(fields=["contest", "person_id"], name="lentry_once")]
        ordering = ["rank", "-score", "id"]

    def __str__(self):
        return f"{self.contest_id}:{self.person_id}"
