"""Jobs state machines (DESIGN.md §3.4): employers, posts, applications and job fairs."""

from django.db import models
from django.utils.translation import gettext_lazy

from gonghui.core.actionkit import StateMachine


class EmployerStatus(models.TextChoices):
    REGISTERED = "registered", gettext_lazy("待审核")
    APPROVED = "approved", gettext_lazy("已审核")
    SUSPENDED = "suspended", gettext_lazy("已暂停")


EMPLOYER = StateMachine(
    EmployerStatus,
    {
        EmployerStatus.REGISTERED: {EmployerStatus.APPROVED, EmployerStatus.SUSPENDED},
        EmployerStatus.APPROVED: {EmployerStatus.SUSPENDED},
        EmployerStatus.SUSPENDED: {EmployerStatus.APPROVED},
    },
)


class PostStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    IN_REVIEW = "in_review", gettext_lazy("待审核")
    PUBLISHED = "published", gettext_lazy("招聘中")
    FILLED = "filled", gettext_lazy("已招满")
    EXPIRED = "expired", gettext_lazy("已过期")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


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
    APPLIED = "applied", gettext_lazy("已投递")
    VIEWED = "viewed", gettext_lazy("已查看")
    INTERVIEW = "interview", gettext_lazy("邀请面试")
    OFFERED = "offered", gettext_lazy("拟录用")
    HIRED = "hired", gettext_lazy("已录用")
    DECLINED = "declined", gettext_lazy("未录用")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


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
    PLANNED = "planned", gettext_lazy("筹备中")
    OPEN = "open", gettext_lazy("进行中")
    CLOSED = "closed", gettext_lazy("已结束")


FAIR = StateMachine(
    FairStatus,
    {
        FairStatus.PLANNED: {FairStatus.OPEN, FairStatus.CLOSED},
        FairStatus.OPEN: {FairStatus.CLOSED},
        FairStatus.CLOSED: set(),
    },
)
