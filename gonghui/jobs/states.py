"""Jobs state machines (DESIGN.md §3.4): employers, posts, applications and job fairs."""

from django.db import models
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.actionkit import StateMachine


class EmployerStatus(models.TextChoices):
    REGISTERED = "registered", _lazy("待审核")
    APPROVED = "approved", _lazy("已审核")
    SUSPENDED = "suspended", _lazy("已暂停")


EMPLOYER = StateMachine(
    EmployerStatus,
    {
        EmployerStatus.REGISTERED: {EmployerStatus.APPROVED, EmployerStatus.SUSPENDED},
        EmployerStatus.APPROVED: {EmployerStatus.SUSPENDED},
        EmployerStatus.SUSPENDED: {EmployerStatus.APPROVED},
    },
)


class PostStatus(models.TextChoices):
    DRAFT = "draft", _lazy("草稿")
    IN_REVIEW = "in_review", _lazy("待审核")
    PUBLISHED = "published", _lazy("招聘中")
    FILLED = "filled", _lazy("已招满")
    EXPIRED = "expired", _lazy("已过期")
    WITHDRAWN = "withdrawn", _lazy("已撤回")


POST = StateMachine(
    PostStatus,
    {
        PostStatus.DRAFT: {PostStatus.IN_REVIEW, PostStatus.WITHDRAWN},
        PostStatus.IN_REVIEW: {PostStatus.PUBLISHED, PostStatus.DRAFT, PostStatus.WITHDRAWN},
        PostStatus.PUBLISHED: {PostStatus.FILLED, PostStatus.EXPIRED, PostStatus.WITHDRAWN},
        PostStatus.FILLED: set(),
        PostStatus.EXPIRED: set(),
        PostStatus.WITHDRAWN: set(),
    },
)


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _lazy("已投递")
    VIEWED = "viewed", _lazy("已查看")
    INTERVIEW = "interview", _lazy("邀请面试")
    OFFERED = "offered", _lazy("拟录用")
    HIRED = "hired", _lazy("已录用")
    DECLINED = "declined", _lazy("未录用")
    WITHDRAWN = "withdrawn", _lazy("已撤回")


# An application still in play: the member may not apply to the same post again meanwhile.
LIVE_APPLICATION = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.VIEWED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.OFFERED,
    ApplicationStatus.HIRED,
)

APPLICATION = StateMachine(
    ApplicationStatus,
    {
        ApplicationStatus.APPLIED: {
            ApplicationStatus.VIEWED,
            ApplicationStatus.INTERVIEW,
            ApplicationStatus.OFFERED,
            ApplicationStatus.DECLINED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.VIEWED: {
            ApplicationStatus.INTERVIEW,
            ApplicationStatus.OFFERED,
            ApplicationStatus.DECLINED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.INTERVIEW: {
            ApplicationStatus.OFFERED,
            ApplicationStatus.DECLINED,
            ApplicationStatus.WITHDRAWN,
        },
        ApplicationStatus.OFFERED: {ApplicationStatus.HIRED, ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN},
        ApplicationStatus.HIRED: set(),
        ApplicationStatus.DECLINED: set(),
        ApplicationStatus.WITHDRAWN: set(),
    },
)


class FairStatus(models.TextChoices):
    PLANNED = "planned", _lazy("筹备中")
    OPEN = "open", _lazy("进行中")
    CLOSED = "closed", _lazy("已结束")


FAIR = StateMachine(
    FairStatus,
    {
        FairStatus.PLANNED: {FairStatus.OPEN, FairStatus.CLOSED},
        FairStatus.OPEN: {FairStatus.CLOSED},
        FairStatus.CLOSED: set(),
    },
)
