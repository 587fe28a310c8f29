"""Benefit state machines (DESIGN.md §3.4): campaigns, vouchers, services, partners."""

from django.db import models
from django.utils.translation import gettext_lazy as _lazy

from gonghui.members.states import check  # noqa: F401  (re-exported: one refusal message everywhere)


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _lazy("草稿")
    PUBLISHED = "published", _lazy("已发布")
    CLOSED = "closed", _lazy("已下架")


PUBLISH_TRANSITIONS = {
    PublishStatus.DRAFT: {PublishStatus.PUBLISHED, PublishStatus.CLOSED},
    PublishStatus.PUBLISHED: {PublishStatus.CLOSED},
    PublishStatus.CLOSED: set(),
}


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _lazy("合作中")
    SUSPENDED = "suspended", _lazy("暂停合作")
    ENDED = "ended", _lazy("已解约")


PARTNER_TRANSITIONS = {
    PartnerStatus.ACTIVE: {PartnerStatus.SUSPENDED, PartnerStatus.ENDED},
    PartnerStatus.SUSPENDED: {PartnerStatus.ACTIVE, PartnerStatus.ENDED},
    PartnerStatus.ENDED: set(),
}


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _lazy("未使用")
    REDEEMED = "redeemed", _lazy("已核销")
    EXPIRED = "expired", _lazy("已过期")
    REVOKED = "revoked", _lazy("已作废")


VOUCHER_TRANSITIONS = {
    VoucherStatus.ISSUED: {VoucherStatus.REDEEMED, VoucherStatus.EXPIRED, VoucherStatus.REVOKED},
    VoucherStatus.REDEEMED: set(),
    VoucherStatus.EXPIRED: set(),
    VoucherStatus.REVOKED: set(),
}
