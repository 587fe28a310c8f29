"""The membership, join-application and transfer state machines (DESIGN.md §3.4).

Each machine is a dict: state → states it may move to. Actions call `check()`, which
refuses with a message naming the current state.
"""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.errors import TransitionError


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _lazy("正常")
    TRANSFERRING = "transferring", _lazy("转会中")
    RETAINED = "retained", _lazy("保留会籍")
    LAPSED = "lapsed", _lazy("自动退会")
    LEFT = "left", _lazy("已退会")
    EXPELLED = "expelled", _lazy("已除名")
    DECEASED = "deceased", _lazy("已故")


S = MembershipStatus
# Counted as members of their org: the membership is alive.
CURRENT = (S.ACTIVE, S.TRANSFERRING, S.RETAINED)

MEMBERSHIP_TRANSITIONS = {
    S.ACTIVE: {S.TRANSFERRING, S.RETAINED, S.LAPSED, S.LEFT, S.EXPELLED, S.DECEASED},
    S.TRANSFERRING: {S.ACTIVE, S.DECEASED},
    S.RETAINED: {S.ACTIVE, S.LEFT, S.EXPELLED, S.DECEASED},
    # A former member may re-join: the same membership row comes back, member number kept.
    S.LAPSED: {S.ACTIVE, S.DECEASED},
    S.LEFT: {S.ACTIVE, S.DECEASED},
    S.EXPELLED: {S.DECEASED},
    S.DECEASED: set(),
}


class JoinStatus(models.TextChoices):
    PENDING = "pending", _lazy("待审核")
    APPROVED = "approved", _lazy("已通过")
    REJECTED = "rejected", _lazy("未通过")
    WITHDRAWN = "withdrawn", _lazy("已撤回")
    TRANSFERRED = "transferred", _lazy("已转为转会申请")


JOIN_TRANSITIONS = {
    JoinStatus.PENDING: {JoinStatus.APPROVED, JoinStatus.REJECTED, JoinStatus.WITHDRAWN, JoinStatus.TRANSFERRED},
    JoinStatus.APPROVED: set(),
    JoinStatus.REJECTED: set(),
    JoinStatus.WITHDRAWN: set(),
    JoinStatus.TRANSFERRED: set(),
}


class TransferStatus(models.TextChoices):
    PENDING = "pending", _lazy("待接收")
    ACCEPTED = "accepted", _lazy("已接收")
    REJECTED = "rejected", _lazy("已拒绝")
    CANCELLED = "cancelled", _lazy("已撤回")


TRANSFER_TRANSITIONS = {
    TransferStatus.PENDING: {TransferStatus.ACCEPTED, TransferStatus.REJECTED, TransferStatus.CANCELLED},
    TransferStatus.ACCEPTED: set(),
    TransferStatus.REJECTED: set(),
    TransferStatus.CANCELLED: set(),
}


def check(machine: dict, choices, current: str, target: str, what: str) -> None:
    if target not in machine[current]:
        raise TransitionError(
            _("当前状态为“%(state)s”，不能%(what)s") % {"state": choices(current).label, "what": what},
            current_state=current,
        )
