"""The hardship-archive state machine (DOMAIN.md §6, DESIGN.md §3.4).

    discovered | applied → visited → checked → reviewed → notice → archived
    archived ⇄ under_review;  archived | under_review → exited | relieved | removed
    exited → relapsed → visited → … → archived again (re-archived)
    relieved → removed;  any step before approval → rejected

Every transition is made by an action in `hardship.actions` with a named person and a reason
and leaves an `ArchiveEvent`. `check()` refuses a transition that is not allowed, naming the
current state.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.errors import TransitionError


class ArchiveStatus(models.TextChoices):
    DISCOVERED = "discovered", _lazy("走访发现")
    APPLIED = "applied", _lazy("本人申请")
    VISITED = "visited", _lazy("已入户调查")
    CHECKED = "checked", _lazy("已数据核查")
    REVIEWED = "reviewed", _lazy("基层已审核")
    NOTICE = "notice", _lazy("公示中")
    ARCHIVED = "archived", _lazy("在档")
    UNDER_REVIEW = "under_review", _lazy("年度复核中")
    EXITED = "exited", _lazy("已脱困")
    RELIEVED = "relieved", _lazy("已解困")
    REMOVED = "removed", _lazy("已退档")
    RELAPSED = "relapsed", _lazy("返困")
    REJECTED = "rejected", _lazy("未通过")


S = ArchiveStatus

# Before approval: a rejection is possible and the household is still being assessed.
PENDING = (S.DISCOVERED, S.APPLIED, S.VISITED, S.CHECKED, S.REVIEWED, S.NOTICE, S.RELAPSED)
# Counted as archived households (在档).
IN_ARCHIVE = (S.ARCHIVED, S.UNDER_REVIEW)
# A household whose members may not be in another archive: everything but the two ends
# that close an archive for good.
CLOSED = (S.REMOVED, S.REJECTED)
LIVE = tuple(s for s in S if s not in CLOSED)
# Where a visit can start the assessment (the first visit moves the archive on).
BEFORE_VISIT = (S.DISCOVERED, S.APPLIED, S.RELAPSED)

ARCHIVE_TRANSITIONS = {
    S.DISCOVERED: {S.VISITED, S.REJECTED},
    S.APPLIED: {S.VISITED, S.REJECTED},
    S.VISITED: {S.CHECKED, S.REJECTED},
    S.CHECKED: {S.REVIEWED, S.REJECTED},
    S.REVIEWED: {S.NOTICE, S.REJECTED},
    S.NOTICE: {S.NOTICE, S.ARCHIVED, S.REJECTED},
    S.ARCHIVED: {S.UNDER_REVIEW, S.EXITED, S.RELIEVED, S.REMOVED},
    S.UNDER_REVIEW: {S.ARCHIVED, S.EXITED, S.RELIEVED, S.REMOVED},
    S.EXITED: {S.RELAPSED},
    S.RELIEVED: {S.REMOVED},
    S.RELAPSED: {S.VISITED, S.REJECTED},
    S.REMOVED: set(),
    S.REJECTED: set(),
}


class ArchiveLevel(models.TextChoices):
    """建档标准: the level whose criteria the archive meets, and whose union approves it."""

    NATIONAL = "national", _lazy("全国级")
    PROVINCE = "province", _lazy("省级")
    CITY = "city", _lazy("地市级")
    DISTRICT = "district", _lazy("区县级")
    GRASSROOTS = "grassroots", _lazy("基层")


class Category(models.TextChoices):
    DEEP = "deep", _lazy("深度困难")
    RELATIVE = "relative", _lazy("相对困难")
    ACCIDENT = "accident", _lazy("意外致困")
    MIGRANT = "migrant", _lazy("困难农民工")


class Cause(models.TextChoices):
    ILLNESS = "illness", _lazy("因病")
    DISABILITY = "disability", _lazy("因残")
    DISASTER = "disaster", _lazy("因灾")
    ACCIDENT = "accident", _lazy("因意外")
    SCHOOLING = "schooling", _lazy("子女就学")
    UNEMPLOYMENT = "unemployment", _lazy("失业/下岗")
    SINGLE_PARENT = "single_parent", _lazy("单亲")
    LOW_WAGE = "low_wage", _lazy("工资低")
    OTHER = "other", _lazy("其他")


class RemovalReason(models.TextChoices):
    RETIRED = "retired", _lazy("退休")
    TRANSFERRED = "transferred", _lazy("调离")
    DIED = "died", _lazy("去世")
    INELIGIBLE = "ineligible", _lazy("经核查不符合条件")


def check(current: str, target: str, what: str) -> None:
    if target not in ARCHIVE_TRANSITIONS[current]:
        raise TransitionError(
            _("档案当前状态为“%(state)s”，不能%(what)s") % {"state": ArchiveStatus(current).label, "what": what},
            current_state=current,
        )
