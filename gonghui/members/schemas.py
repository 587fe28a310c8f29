"""API schemas for members, joins, transfers and e-member cards (DESIGN.md §6).

Document numbers only ever leave the API masked (`doc_masked`), mobiles masked (`mobile_masked`).
"""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema

from gonghui.people.identity import mask_mobile


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character stays, the rest never shows."""
    name = name or ""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


class MemberOut(Schema):
    member_no: str
    name: str
    sex: str
    doc_type: str
    doc_masked: str
    mobile_masked: str
    verified: bool
    org_code: str
    org_name: str
    status: str
    status_label: str
    worker_type: str
    gig_subtype: str
    platform: str
    employer_name: str
    joined_on: date
    ended_on: date | None

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_sex(obj):
        return obj.person.sex

    @staticmethod
    def resolve_doc_type(obj):
        return obj.person.doc_type

    @staticmethod
    def resolve_doc_masked(obj):
        return obj.person.doc_masked

    @staticmethod
    def resolve_mobile_masked(obj):
        return mask_mobile(obj.person.mobile) if obj.person.mobile else ""

    @staticmethod
    def resolve_verified(obj):
        return obj.person.is_verified

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class MemberSkillOut(Schema):
    """One entry of the member's skills record (provided by learning through members.extensions)."""

    name: str
    level: str = ""
    source: str
    source_label: str
    acquired_on: date | None = None
    status: str
    verified: bool
    evidence_url: str = ""
    certificate_serial: str | None = None


class MemberDetailOut(MemberOut):
    employment_status: str
    skill_level: str
    is_migrant_worker: bool
    model_worker: str
    dues_exempt: bool
    last_dues_paid_on: date | None
    last_activity_on: date | None
    card_serial: str | None
    card_status: str | None
    skills: list[MemberSkillOut] = []

    @staticmethod
    def resolve_skills(obj):
        from gonghui.members.extensions import skills_for

        return skills_for(obj)

    @staticmethod
    def resolve_card_serial(obj):
        card = getattr(obj, "current_card", None)
        return card.serial if card else None

    @staticmethod
    def resolve_card_status(obj):
        card = getattr(obj, "current_card", None)
        return card.status if card else None


class RevealIn(Schema):
    purpose: str = Field(..., min_length=1, max_length=200, description="查看完整证件号码的用途（记入审计）")


class RevealOut(Schema):
    member_no: str
    doc_type: str
    doc_number: str


# --- joins ------------------------------------------------------------------------------------


class JoinIn(Schema):
    name: str = Field(..., max_length=40)
    doc_type: Literal["resident_id", "hmt_residence", "foreign_pr", "passport"] = "resident_id"
    doc_number: str = Field(..., max_length=40)
    mobile: str = Field("", max_length=20)
    org: str | None = Field(None, max_length=40, description="受理工会代码；不填则按工作地/平台分派")
    channel: Literal["staff", "hotline"] = "staff"
    worker_type: str = Field("regular", max_length=12)
    gig_subtype: str = Field("", max_length=14)
    platform: str = Field("", max_length=40)
    division_code: str = Field("", max_length=12)
    employer_name: str = Field("", max_length=120)


class JoinOut(Schema):
    id: int
    status: str
    status_label: str
    channel: str
    name: str
    doc_masked: str
    org_code: str
    org_name: str
    worker_type: str
    gig_subtype: str
    platform: str
    employer_name: str
    routed_by: str
    due_on: date
    overdue: bool
    created_at: datetime
    decided_at: datetime | None
    reject_reason: str
    member_no: str | None
    transfer_id: int | None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_doc_masked(obj):
        return obj.person.doc_masked

    @staticmethod
    def resolve_org_code(obj):
        return obj.org.code

    @staticmethod
    def resolve_org_name(obj):
        return obj.org.name

    @staticmethod
    def resolve_overdue(obj):
        return obj.status == "pending" and obj.due_on < timezone.localdate()

    @staticmethod
    def resolve_member_no(obj):
        return obj.membership.member_no if obj.membership_id else None


class RejectIn(Schema):
    reason: str = Field(..., max_length=300)


# --- transfers --------------------------------------------------------------------------------


class TransferIn(Schema):
    member_no: str = Field(..., max_length=20)
    to_org: str | None = Field(None, max_length=40, description="接收工会代码；新单位未建会时不填并给出居住地")
    reason: str = Field("", max_length=300)
    new_employer: str = Field("", max_length=120)
    residence_division: str = Field("", max_length=12)


class TransferOut(Schema):
    id: int
    member_no: str
    name: str
    from_org_code: str
    from_org_name: str
    to_org_code: str
    to_org_name: str
    status: str
    status_label: str
    reason: str
    new_employer: str
    parked: bool
    due_on: date
    created_at: datetime
    decided_at: datetime | None
    reject_reason: str

    @staticmethod
    def resolve_member_no(obj):
        return obj.membership.member_no

    @staticmethod
    def resolve_name(obj):
        return obj.membership.person.name

    @staticmethod
    def resolve_from_org_code(obj):
        return obj.from_org.code

    @staticmethod
    def resolve_from_org_name(obj):
        return obj.from_org.name

    @staticmethod
    def resolve_to_org_code(obj):
        return obj.to_org.code

    @staticmethod
    def resolve_to_org_name(obj):
        return obj.to_org.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


# --- cards ------------------------------------------------------------------------------------


class CardOut(Schema):
    serial: str
    status: str
    payload: str
    expires_at: datetime


class VerifyIn(Schema):
    payload: str = Field(..., description="二维码文本（GH1.…）；任何文本都会得到 valid=true/false 的回答")


class VerifyOut(Schema):
    valid: bool
    reason: str
    member_no: str | None = None
    name_masked: str | None = None
    org_name: str | None = None
    status: str | None = None


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str = Field(..., description="原始 32 字节公钥的 base64")
    pem: str
    payload_format: str


class RevokedOut(Schema):
    serial: str
    revoked_at: datetime
