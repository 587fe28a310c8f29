"""Org kinds, federation kinds and which kind may hang under which (DOMAIN.md §1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    NATIONAL = "national", _("全国总工会")
    PROVINCE = "province", _("省级总工会")
    CITY = "city", _("地市级总工会")
    DISTRICT = "district", _("区县级总工会")
    STREET = "street", _("乡镇(街道)总工会")
    GRASSROOTS = "grassroots", _("基层工会")
    BRANCH = "branch", _("工会分会")
    GROUP = "group", _("工会小组")
    FEDERATION = "federation", _("工会联合会")
    INDUSTRY_UNION = "industry_union", _("产业工会")


class FederationKind(models.TextChoices):
    REGIONAL = "regional", _("区域")
    INDUSTRY = "industry", _("行业")
    BUSINESS_CHAIN = "business_chain", _("业务链")
    BUILDING = "building", _("楼宇")
    PARK = "park", _("园区")
    NEW_FORMS = "new_forms", _("新业态")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    CLOSED = "closed", _("已撤销")
    MERGED = "merged", _("已合并")


K = OrgKind
LOCAL_FEDERATIONS = frozenset({K.NATIONAL, K.PROVINCE, K.CITY, K.DISTRICT, K.STREET})
# Kinds that may be the root of an installation: from 全总 down to a county union on a laptop.
ROOT_KINDS = frozenset({K.NATIONAL, K.PROVINCE, K.CITY, K.DISTRICT})

ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    K.NATIONAL: frozenset(),
    K.PROVINCE: frozenset({K.NATIONAL}),
    K.CITY: frozenset({K.PROVINCE}),
    # Districts of a municipality (北京、上海 …) hang directly under the province-level union.
    K.DISTRICT: frozenset({K.CITY, K.PROVINCE}),
    # Some prefecture cities (东莞、中山) have towns directly under the city.
    K.STREET: frozenset({K.DISTRICT, K.CITY}),
    K.GRASSROOTS: frozenset({K.PROVINCE, K.CITY, K.DISTRICT, K.STREET, K.FEDERATION, K.INDUSTRY_UNION}),
    K.BRANCH: frozenset({K.GRASSROOTS}),
    K.GROUP: frozenset({K.GRASSROOTS, K.BRANCH}),
    K.FEDERATION: frozenset({K.CITY, K.DISTRICT, K.STREET}),
    K.INDUSTRY_UNION: frozenset({K.NATIONAL, K.PROVINCE, K.CITY, K.DISTRICT}),
}

# Which division-code level a local federation carries.
DIVISION_LEVEL = {K.PROVINCE: "province", K.CITY: "city", K.DISTRICT: "district", K.STREET: "street"}


def can_hold(parent_kind: str | None, child_kind: str) -> bool:
    if parent_kind is None:
        return child_kind in ROOT_KINDS
    return parent_kind in ALLOWED_PARENTS[child_kind]
