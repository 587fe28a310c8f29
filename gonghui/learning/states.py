"""Learning state machines (DESIGN.md §3.4): offerings, enrolments, certificates, skills, and the
small workflows around them (needs surveys, 送课上门 requests, contests)."""

from django.db import models
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.actionkit import StateMachine


class OfferingStatus(models.TextChoices):
    DRAFT = "draft", _lazy("草稿")
    OPEN = "open", _lazy("报名中")
    RUNNING = "running", _lazy("已开班")
    COMPLETED = "completed", _lazy("已结业")
    CANCELLED = "cancelled", _lazy("已取消")


OFFERING = StateMachine(
    OfferingStatus,
    {
        OfferingStatus.DRAFT: {OfferingStatus.OPEN, OfferingStatus.CANCELLED},
        OfferingStatus.OPEN: {OfferingStatus.RUNNING, OfferingStatus.CANCELLED},
        OfferingStatus.RUNNING: {OfferingStatus.COMPLETED, OfferingStatus.CANCELLED},
        OfferingStatus.COMPLETED: set(),
        OfferingStatus.CANCELLED: set(),
    },
)


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _lazy("已报名")
    WAITLISTED = "waitlisted", _lazy("候补中")
    OFFERED = "offered", _lazy("候补递补待确认")
    CANCELLED = "cancelled", _lazy("已取消")
    BARRED = "barred", _lazy("已被取消资格")


# Statuses that hold (or wait for) a place: one such row per member and offering.
LIVE_ENROLMENT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
# Statuses that hold one of the offering's seats (the `seats_taken` counter).
SEAT_HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)

ENROLMENT = StateMachine(
    EnrolmentStatus,
    {
        EnrolmentStatus.ENROLLED: {EnrolmentStatus.CANCELLED, EnrolmentStatus.BARRED},
        EnrolmentStatus.WAITLISTED: {EnrolmentStatus.OFFERED, EnrolmentStatus.CANCELLED, EnrolmentStatus.ENROLLED},
        EnrolmentStatus.OFFERED: {EnrolmentStatus.ENROLLED, EnrolmentStatus.CANCELLED},
        EnrolmentStatus.CANCELLED: set(),
        EnrolmentStatus.BARRED: set(),
    },
)


class CertificateStatus(models.TextChoices):
    VALID = "valid", _lazy("有效")
    REVOKED = "revoked", _lazy("已撤销")


CERTIFICATE = StateMachine(
    CertificateStatus, {CertificateStatus.VALID: {CertificateStatus.REVOKED}, CertificateStatus.REVOKED: set()}
)


class SkillStatus(models.TextChoices):
    PENDING = "pending", _lazy("待核实")
    VERIFIED = "verified", _lazy("已核实")
    REJECTED = "rejected", _lazy("未通过核实")
    REVOKED = "revoked", _lazy("已撤销")


SKILL = StateMachine(
    SkillStatus,
    {
        SkillStatus.PENDING: {SkillStatus.VERIFIED, SkillStatus.REJECTED},
        SkillStatus.VERIFIED: {SkillStatus.REVOKED},
        SkillStatus.REJECTED: set(),
        SkillStatus.REVOKED: set(),
    },
)


class SurveyStatus(models.TextChoices):
    OPEN = "open", _lazy("投票中")
    CLOSED = "closed", _lazy("已结束")


SURVEY = StateMachine(SurveyStatus, {SurveyStatus.OPEN: {SurveyStatus.CLOSED}, SurveyStatus.CLOSED: set()})


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _lazy("待审批")
    APPROVED = "approved", _lazy("已批准并排课")
    REJECTED = "rejected", _lazy("未批准")


COURSE_REQUEST = StateMachine(
    RequestStatus,
    {
        RequestStatus.REQUESTED: {RequestStatus.APPROVED, RequestStatus.REJECTED},
        RequestStatus.APPROVED: set(),
        RequestStatus.REJECTED: set(),
    },
)


class ContestStatus(models.TextChoices):
    OPEN = "open", _lazy("报名/比赛中")
    AWARDED = "awarded", _lazy("已颁奖")


CONTEST = StateMachine(ContestStatus, {ContestStatus.OPEN: {ContestStatus.AWARDED}, ContestStatus.AWARDED: set()})
