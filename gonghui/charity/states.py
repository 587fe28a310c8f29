"""Charity state machines (DESIGN.md §3.4): campaigns, transfers, grants, wishes, volunteer sign-ups."""

from django.db import models
from django.utils.translation import gettext_lazy as _lazy

from gonghui.core.actionkit import StateMachine


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _lazy("筹备中")
    OPEN = "open", _lazy("募捐中")
    CLOSED = "closed", _lazy("已结束")


CAMPAIGN = StateMachine(
    CampaignStatus,
    {
        CampaignStatus.DRAFT: {CampaignStatus.OPEN, CampaignStatus.CLOSED},
        CampaignStatus.OPEN: {CampaignStatus.CLOSED},
        CampaignStatus.CLOSED: set(),
    },
)


class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", _lazy("待审批")
    APPROVED = "approved", _lazy("已划转")
    REJECTED = "rejected", _lazy("未批准")


TRANSFER = StateMachine(
    TransferStatus,
    {
        TransferStatus.PROPOSED: {TransferStatus.APPROVED, TransferStatus.REJECTED},
        TransferStatus.APPROVED: set(),
        TransferStatus.REJECTED: set(),
    },
)


class GrantStatus(models.TextChoices):
    PROPOSED = "proposed", _lazy("待审批")
    APPROVED = "approved", _lazy("已批准，待拨付")
    PAID = "paid", _lazy("已拨付")
    CONFIRMED = "confirmed", _lazy("已确认收到")
    REJECTED = "rejected", _lazy("未批准")
    CANCELLED = "cancelled", _lazy("已撤销（已退回基金）")


GRANT = StateMachine(
    GrantStatus,
    {
        GrantStatus.PROPOSED: {GrantStatus.APPROVED, GrantStatus.REJECTED},
        GrantStatus.APPROVED: {GrantStatus.PAID, GrantStatus.CANCELLED},
        GrantStatus.PAID: {GrantStatus.CONFIRMED},
        GrantStatus.CONFIRMED: set(),
        GrantStatus.REJECTED: set(),
        GrantStatus.CANCELLED: set(),
    },
)


class WishStatus(models.TextChoices):
    SUBMITTED = "submitted", _lazy("待审核")
    PUBLISHED = "published", _lazy("待认领")
    CLAIMED = "claimed", _lazy("已认领")
    FULFILLED = "fulfilled", _lazy("已送达，待确认")
    CONFIRMED = "confirmed", _lazy("已确认")
    REJECTED = "rejected", _lazy("未通过审核")
    WITHDRAWN = "withdrawn", _lazy("已撤回")


WISH = StateMachine(
    WishStatus,
    {
        WishStatus.SUBMITTED: {WishStatus.PUBLISHED, WishStatus.REJECTED, WishStatus.WITHDRAWN},
        WishStatus.PUBLISHED: {WishStatus.CLAIMED, WishStatus.WITHDRAWN},
        WishStatus.CLAIMED: {WishStatus.PUBLISHED, WishStatus.FULFILLED},
        WishStatus.FULFILLED: {WishStatus.CONFIRMED},
        WishStatus.CONFIRMED: set(),
        WishStatus.REJECTED: set(),
        WishStatus.WITHDRAWN: set(),
    },
)


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _lazy("已报名")
    ATTENDED = "attended", _lazy("已参加")
    CANCELLED = "cancelled", _lazy("已取消")


SIGNUP = StateMachine(
    SignupStatus,
    {
        SignupStatus.SIGNED_UP: {SignupStatus.ATTENDED, SignupStatus.CANCELLED},
        SignupStatus.ATTENDED: set(),
        SignupStatus.CANCELLED: set(),
    },
)
