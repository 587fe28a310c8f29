"""API schemas for orgs."""

from datetime import date
from decimal import Decimal

from ninja import Field, Schema


class OrgOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    federation_kind: str
    parent_code: str | None
    depth: int
    division_code: str
    uscc: str
    status: str
    employee_count: int
    child_count: int
    established_on: date | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.display_kind

    @staticmethod
    def resolve_parent_code(obj):
        parent = getattr(obj, "parent", None)
        return parent.code if parent is not None else None


class OrgDetailOut(OrgOut):
    certificate_no: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    closed_on: date | None
    merged_into_code: str | None
    path_codes: list[str]


class OrgStatsOut(Schema):
    code: str
    orgs: int
    grassroots: int
    federations: int
    employees: int
    members: int
    verified_members: int
    gig_members: int
    join_rate: float | None
    verified_rate: float | None


class OrgFields(Schema):
    name: str | None = Field(None, max_length=120)
    short_name: str | None = Field(None, max_length=40)
    code: str | None = Field(None, max_length=40)
    federation_kind: str | None = None
    division_code: str | None = Field(None, max_length=12)
    uscc: str | None = Field(None, max_length=40)
    certificate_no: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    employee_count: int | None = Field(None, ge=0)
    established_on: date | None = None


class OrgCreateIn(OrgFields):
    parent: str = Field(..., description="上级组织代码")
    kind: str
    name: str = Field(..., max_length=120)
    reason: str = ""


class OrgUpdateIn(OrgFields):
    reason: str = ""


class OrgMoveIn(Schema):
    new_parent: str
    reason: str = Field(..., min_length=1, max_length=500)


class OrgCloseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class OrgMergeIn(Schema):
    target: str
    reason: str = Field(..., min_length=1, max_length=500)
