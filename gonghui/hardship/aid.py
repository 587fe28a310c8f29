"""Aid programmes and money: every write goes through these functions (DESIGN.md §3.1, §3.6).

Same conventions as `hardship.actions`: atomic, `acting_user` keyword-only (None = a system job),
permission checked on the org subtree, everything validated before anything is written, an audit
entry in the same transaction.

Permissions:
- `hardship.change` (帮扶专员) — applications, checks, notices, objections, proposing a disbursement
  (the maker), payment batches, 便民服务 providers and orders;
- `hardship.approve` at the programme's union — programmes and their rules, approving applications;
- `finance.approve` (财务) at the budget's union — budgets, approving disbursements (the checker,
  never the maker), the bank file (whole account numbers, audited) and marking payments paid or failed.

Money: a disbursement draws on its budget with one conditional UPDATE
(`spent = spent + x WHERE spent + x <= amount`) inside the approval's transaction, so concurrent
approvals can never overspend; every movement is a new `LedgerEntry` (never updated or deleted,
reversed by a negative row referencing the original).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, crypto
from gonghui.core.calendar import add_working_days
from gonghui.core.errors import TransitionError
from gonghui.core.tree import ancestor_ids, in_subtree
from gonghui.hardship import actions as core
from gonghui.hardship.aid_labels import not_archived_message
from gonghui.hardship.models import HardshipArchive, HouseholdMember, Schooling
from gonghui.hardship.models_aid import (
    AidApplication,
    AidObjection,
    AidProgramme,
    Budget,
    ConvenienceAllowance,
    Disbursement,
    LedgerEntry,
    PaymentBatch,
    ServiceCategory,
    ServiceOrder,
    ServiceProvider,
)
from gonghui.hardship.states import IN_ARCHIVE, LIVE
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org
from gonghui.people.actions import doc_index
from gonghui.people.identity import normalise_name, parse_document

A = AidApplication.Status
D = Disbursement.Status
ACCOUNT_PURPOSE = "hardship.bank_account"
DEFAULT_CONVENIENCE_ALLOWANCE = Decimal("1000.00")
FACT_KEYS = {"archived", "category", "schooling", "relation"}
FLAG_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _today() -> dt.date:
    return core._today()  # one clock for the whole app (tests move it)


def _user(acting_user):
    return acting_user if getattr(acting_user, "pk", None) else None


def _require(acting_user, permission: str, org: Org) -> None:
    core._require(acting_user, permission, org)


def _audit(acting_user, action: str, obj, org, *, before=None, after=None, reason: str = "") -> None:
    audit.record(actor=acting_user, action=action, obj=obj, org=org, before=before, after=after, reason=reason)


def _in_subtree(path: str, root: str) -> bool:
    return path.startswith(root)


def _transition_error(current_label, what: str, current: str):
    return TransitionError(
        _("当前状态为“%(state)s”，不能%(what)s") % {"state": current_label, "what": what}, current_state=current
    )


# --- rules as data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    amount: Decimal | None
    rule_label: str
    exclusions: list[dict] = field(default_factory=list)


def _holds(when: dict, facts: dict) -> bool:
    for key, expected in when.items():
        value = facts.get(key)
        if isinstance(expected, list):
            if value not in expected:
                return False
        elif value != expected:
            return False
    return True


def evaluate(programme: AidProgramme, facts: dict) -> Evaluation:
    """Exclusions first (every one that matches is named), then the first amount rule that holds."""
    hits = [
        {"rule": r["code"], "message": r["label"]}
        for r in programme.exclusion_rules
        if _holds(r.get("when", {}), facts)
    ]
    for rule in programme.amount_rules:
        if _holds(rule.get("when", {}), facts):
            return Evaluation(Decimal(str(rule["amount"])), rule["label"], hits)
    return Evaluation(None, "", hits)


def clean_rules(amount_rules, exclusion_rules, flags) -> tuple[list, list, list]:
    """Validate a programme's rules; every problem is reported under its field."""
    errors: dict[str, list[str]] = {}
    flags = list(flags or [])
    for f in flags:
        if not isinstance(f, str) or not FLAG_RE.match(f) or f in FACT_KEYS:
            errors.setdefault("flags", []).append(_("申报情形代码无效：%(f)s") % {"f": f})
    known = FACT_KEYS | set(flags)

    def check_when(when, where: str, out: str):
        if not isinstance(when, dict):
            errors.setdefault(out, []).append(_("%(w)s：条件应为键值对") % {"w": where})
            return
        for key, value in when.items():
            if key not in known:
                errors.setdefault(out, []).append(_("%(w)s：未知条件 %(k)s") % {"w": where, "k": key})
            if not isinstance(value, bool | str | list):
                errors.setdefault(out, []).append(_("%(w)s：条件值无效") % {"w": where})

    cleaned_amounts = []
    if not isinstance(amount_rules, list) or not amount_rules:
        errors.setdefault("amount_rules", []).append(_("请至少设置一条资助标准"))
        amount_rules = []
    for i, rule in enumerate(amount_rules, 1):
        where = _("第%(i)d条标准") % {"i": i}
        if not isinstance(rule, dict) or not str(rule.get("label", "")).strip():
            errors.setdefault("amount_rules", []).append(_("%(w)s：请填写标准名称") % {"w": where})
            continue
        try:
            amount = core._money(rule.get("amount"), "amount")
        except ValidationError:
            errors.setdefault("amount_rules", []).append(_("%(w)s：金额无效") % {"w": where})
            continue
        if amount <= 0:
            errors.setdefault("amount_rules", []).append(_("%(w)s：金额应大于0") % {"w": where})
        check_when(rule.get("when", {}), where, "amount_rules")
        cleaned_amounts.append(
            {"label": str(rule["label"]).strip()[:100], "when": rule.get("when", {}), "amount": str(amount)}
        )
    cleaned_exclusions = []
    for i, rule in enumerate(exclusion_rules or [], 1):
        where = _("第%(i)d条排除情形") % {"i": i}
        if not isinstance(rule, dict) or not rule.get("code") or not str(rule.get("label", "")).strip():
            errors.setdefault("exclusion_rules", []).append(_("%(w)s：请填写代码和名称") % {"w": where})
            continue
        if not rule.get("when"):
            errors.setdefault("exclusion_rules", []).append(_("%(w)s：请填写条件") % {"w": where})
            continue
        check_when(rule["when"], where, "exclusion_rules")
        cleaned_exclusions.append(
            {"code": str(rule["code"]), "label": str(rule["label"]).strip(), "when": rule["when"]}
        )
    if errors:
        raise ValidationError(errors)
    return cleaned_amounts, cleaned_exclusions, flags


# --- programmes -----------------------------------------------------------------------------------------


@transaction.atomic
def do_create_programme(
    *,
    acting_user,
    org: Org,
    code: str,
    name: str,
    kind: str,
    beneficiary: str,
    amount_rules: list,
    exclusion_rules: list | None = None,
    flags: list | None = None,
    archived_only: bool = False,
    requires_notice: bool = True,
    notice_working_days: int = core.NOTICE_WORKING_DAYS,
    description: str = "",
) -> AidProgramme:
    """A programme run by `org` for its subtree, its amounts and exclusions as data."""
    _require(acting_user, "hardship.approve", org)
    errors = {}
    code = (code or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,39}", code):
        errors["code"] = [_("项目代码应为2–40位小写字母、数字、下划线或连字符")]
    elif AidProgramme.objects.filter(org=org, code=code).exists():
        errors["code"] = [_("本工会已有代码为%(c)s的项目") % {"c": code}]
    if kind not in AidProgramme.Kind.values:
        errors["kind"] = [_("无效的项目类型")]
    if beneficiary not in AidProgramme.Beneficiary.values:
        errors["beneficiary"] = [_("无效的资助对象")]
    if not isinstance(notice_working_days, int) or not 1 <= notice_working_days <= 30:
        errors["notice_working_days"] = [_("公示期应为1至30个工作日")]
    try:
        name = core._text(name, "name", 60, message=_("请填写项目名称"))
        description = core._text(description, "description", 500, required=False)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        amount_rules, exclusion_rules, flags = clean_rules(amount_rules, exclusion_rules, flags)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    programme = AidProgramme.objects.create(
        org=org,
        org_path=org.path,
        code=code,
        name=name,
        kind=kind,
        beneficiary=beneficiary,
        description=description,
        amount_rules=amount_rules,
        exclusion_rules=exclusion_rules,
        flags=flags,
        archived_only=bool(archived_only),
        requires_notice=bool(requires_notice),
        notice_working_days=notice_working_days,
    )
    _audit(
        acting_user,
        "hardship.programme_create",
        programme,
        org,
        after={"code": code, "amount_rules": amount_rules, "exclusion_rules": exclusion_rules, "flags": flags},
    )
    return programme


@transaction.atomic
def do_update_programme_rules(
    *, acting_user, programme: AidProgramme, amount_rules: list, exclusion_rules: list, flags: list, reason: str
) -> AidProgramme:
    """Change the amounts or exclusions; applications already made keep the amount they were given."""
    programme = AidProgramme.objects.select_for_update().select_related("org").get(pk=programme.pk)
    _require(acting_user, "hardship.approve", programme.org)
    reason = core._reason(reason)
    amount_rules, exclusion_rules, flags = clean_rules(amount_rules, exclusion_rules, flags)
    before = {
        "amount_rules": programme.amount_rules,
        "exclusion_rules": programme.exclusion_rules,
        "flags": programme.flags,
    }
    programme.amount_rules, programme.exclusion_rules, programme.flags = amount_rules, exclusion_rules, flags
    programme.save(update_fields=["amount_rules", "exclusion_rules", "flags"])
    _audit(
        acting_user,
        "hardship.programme_rules",
        programme,
        programme.org,
        before=before,
        after={"amount_rules": amount_rules, "exclusion_rules": exclusion_rules, "flags": flags},
        reason=reason,
    )
    return programme


@transaction.atomic
def do_set_programme_active(*, acting_user, programme: AidProgramme, active: bool, reason: str) -> AidProgramme:
    programme = AidProgramme.objects.select_for_update().select_related("org").get(pk=programme.pk)
    _require(acting_user, "hardship.approve", programme.org)
    reason = core._reason(reason)
    before = {"active": programme.active}
    programme.active = bool(active)
    programme.save(update_fields=["active"])
    _audit(
        acting_user,
        "hardship.programme_active",
        programme,
        programme.org,
        before=before,
        after={"active": active},
        reason=reason,
    )
    return programme


HIGHER_EDUCATION = [Schooling.COLLEGE, Schooling.UNIVERSITY, Schooling.POSTGRADUATE]
HIGH_SCHOOL = [Schooling.SENIOR, Schooling.VOCATIONAL]


def standard_programmes() -> list[dict]:
    """The standard programmes (DOMAIN.md §6). 金秋助学 follows the city example exactly; the other
    amounts are sensible defaults an admin changes through `do_update_programme_rules`."""
    archived = {"archived": True}
    return [
        {
            "code": "autumn_education",
            "name": "金秋助学",
            "kind": "autumn_education",
            "beneficiary": "household_member",
            "description": "困难职工家庭子女考入大学、高中的助学金；公示无异议后发放",
            "flags": ["temporary_hardship", "military_academy", "free_teacher_training", "aided_elsewhere"],
            "amount_rules": [
                {
                    "label": "在档困难职工家庭·大学",
                    "when": {**archived, "schooling": HIGHER_EDUCATION},
                    "amount": "5000.00",
                },
                {"label": "在档困难职工家庭·高中", "when": {**archived, "schooling": HIGH_SCHOOL}, "amount": "3000.00"},
                {
                    "label": "临时困难职工家庭·大学",
                    "when": {"archived": False, "temporary_hardship": True, "schooling": HIGHER_EDUCATION},
                    "amount": "4000.00",
                },
                {
                    "label": "临时困难职工家庭·高中",
                    "when": {"archived": False, "temporary_hardship": True, "schooling": HIGH_SCHOOL},
                    "amount": "2000.00",
                },
            ],
            "exclusion_rules": [
                {"code": "military_academy", "label": "就读军事院校", "when": {"military_academy": True}},
                {"code": "free_teacher_training", "label": "免费师范生", "when": {"free_teacher_training": True}},
                {"code": "aided_elsewhere", "label": "本年度已获其他单位同类资助", "when": {"aided_elsewhere": True}},
            ],
        },
        {
            "code": "winter_relief",
            "name": "送温暖",
            "kind": "winter_relief",
            "beneficiary": "worker",
            "archived_only": True,
            "description": "元旦春节送温暖慰问金",
            "flags": [],
            "amount_rules": [
                {"label": "深度困难", "when": {**archived, "category": "deep"}, "amount": "2000.00"},
                {"label": "其他在档困难职工", "when": archived, "amount": "1000.00"},
            ],
            "exclusion_rules": [],
        },
        {
            "code": "medical_aid",
            "name": "医疗救助",
            "kind": "medical_aid",
            "beneficiary": "worker",
            "archived_only": True,
            "description": "患大病、重病的在档困难职工医疗救助",
            "flags": ["serious_illness", "aided_elsewhere"],
            "amount_rules": [
                {"label": "大病救助", "when": {**archived, "serious_illness": True}, "amount": "5000.00"},
                {"label": "一般医疗救助", "when": archived, "amount": "2000.00"},
            ],
            "exclusion_rules": [
                {"code": "aided_elsewhere", "label": "本年度已获其他单位同类救助", "when": {"aided_elsewhere": True}},
            ],
        },
        {
            "code": "living_aid",
            "name": "生活救助",
            "kind": "living_aid",
            "beneficiary": "worker",
            "archived_only": True,
            "description": "在档困难职工生活救助",
            "flags": [],
            "amount_rules": [
                {"label": "深度困难", "when": {**archived, "category": "deep"}, "amount": "3000.00"},
                {"label": "意外致困", "when": {**archived, "category": "accident"}, "amount": "3000.00"},
                {"label": "相对困难、困难农民工", "when": archived, "amount": "1500.00"},
            ],
            "exclusion_rules": [],
        },
    ]


def seed_standard_programmes(org: Org, *, acting_user=None) -> list[AidProgramme]:
    """Create the standard programmes at `org` (demo data, a new installation); idempotent."""
    made = []
    existing = set(AidProgramme.objects.filter(org=org).values_list("code", flat=True))
    for spec in standard_programmes():
        if spec["code"] in existing:
            continue
        made.append(do_create_programme(acting_user=acting_user, org=org, **spec))
    return made


DEMO_BUDGETS = {
    "autumn_education": "200000.00",
    "winter_relief": "100000.00",
    "medical_aid": "150000.00",
    "living_aid": "100000.00",
}


def seed_demo(org: Org, year: int) -> dict:
    """Demo data for `gonghui demo`: the standard programmes at `org`, a budget for each for `year`,
    and the 便民服务 allowance of every archived household below `org`. Idempotent."""
    seed_standard_programmes(org)
    budgets = 0
    for programme in AidProgramme.objects.filter(org=org, code__in=list(DEMO_BUDGETS)):
        if not Budget.objects.filter(org=org, programme=programme, year=year).exists():
            do_set_budget(
                acting_user=None,
                org=org,
                programme=programme,
                year=year,
                amount=DEMO_BUDGETS[programme.code],
                reason="演示数据：年度预算",
            )
            budgets += 1
    allowances = do_grant_convenience_allowances(acting_user=None, org=org, year=year)
    return {"budgets": budgets, "allowances": allowances}


# --- applications ---------------------------------------------------------------------------------------


def live_archive(person) -> HardshipArchive | None:
    return HardshipArchive.objects.filter(person=person, status__in=list(LIVE)).select_related("org").first()


def _clean_flags(programme: AidProgramme, flags) -> dict:
    flags = dict(flags or {})
    unknown = [k for k in flags if k not in programme.flags]
    if unknown:
        raise ValidationError({"flags": _("本项目无此申报情形：%(k)s") % {"k": "、".join(unknown)}})
    if any(not isinstance(v, bool) for v in flags.values()):
        raise ValidationError({"flags": _("申报情形应为“是”或“否”")})
    return {k: flags.get(k, False) for k in programme.flags}


def _facts(application_like: dict) -> dict:
    return {k: application_like[k] for k in ("archived", "category", "schooling", "relation")} | application_like[
        "flags"
    ]


def _exclusion_error(hits: list[dict]) -> ValidationError:
    names = "；".join(f"{h['message']}（规则 {h['rule']}）" for h in hits)
    return ValidationError({"exclusions": _("不予资助：%(x)s") % {"x": names}})


@transaction.atomic
def do_apply(
    *,
    acting_user,
    programme: AidProgramme,
    membership: Membership,
    year: int,
    reason: str,
    household_member: HouseholdMember | None = None,
    beneficiary_name: str = "",
    doc_type: str = "resident_id",
    doc_number: str = "",
    schooling: str = "",
    school: str = "",
    flags: dict | None = None,
    applied_on=None,
) -> AidApplication:
    """Apply for `programme` for `year`. The amount comes from the programme's rules; an exclusion
    refuses the application naming its rule; a beneficiary has one live application per programme
    and year (no double aid)."""
    membership = Membership.objects.select_related("org", "person").get(pk=membership.pk)
    programme = AidProgramme.objects.select_related("org").get(pk=programme.pk)
    _require(acting_user, "hardship.change", membership.org)
    if not programme.active:
        raise ValidationError({"programme": _("项目“%(p)s”已停止受理") % {"p": programme.name}})
    if not _in_subtree(membership.org_path, programme.org_path):
        raise ValidationError({"programme": _("申请人所在工会不在项目“%(p)s”的范围内") % {"p": programme.name}})
    if membership.status not in CURRENT:
        raise ValidationError({"membership": _("会籍状态为“%(s)s”，不能申请") % {"s": membership.get_status_display()}})
    today = _today()
    if not isinstance(year, int) or not today.year - 1 <= year <= today.year + 1:
        raise ValidationError({"year": _("年度应为%(a)d至%(b)d年") % {"a": today.year - 1, "b": today.year + 1}})
    reason = core._text(reason, "reason", 300, message=_("请填写申请理由"))
    applied_on = core._date(applied_on, "applied_on", default=today)
    flags = _clean_flags(programme, flags)
    person = membership.person
    archive = live_archive(person)
    archived = archive is not None and archive.status in IN_ARCHIVE
    if programme.archived_only and not archived:
        raise ValidationError({"archive": not_archived_message(programme.name, archive)})
    school = core._text(school, "school", 100, required=False)
    relation = "self"
    if programme.beneficiary == AidProgramme.Beneficiary.WORKER:
        name, index, masked = person.name, person.doc_index, person.doc_masked
        member = None
    elif household_member is not None:
        member = HouseholdMember.objects.get(pk=household_member.pk)
        if archive is None or member.archive_id != archive.pk:
            raise ValidationError({"household_member": _("该家庭成员不属于申请人的困难职工档案")})
        if not member.doc_index:
            raise ValidationError({"household_member": _("请先在档案中登记该家庭成员的证件号码")})
        name, index, masked, relation = member.name, member.doc_index, member.doc_masked, member.relation
        schooling = schooling or member.schooling
        school = school or member.school
    else:
        member = None
        errors = {}
        try:
            name = normalise_name(beneficiary_name)
        except ValidationError as e:
            errors["beneficiary_name"] = e.messages
        if not (beneficiary_name or "").strip():
            errors["beneficiary_name"] = [_("请填写受助人姓名，或从档案中选择受助家庭成员")]
        if not (doc_number or "").strip():  # empty is its own message, not "证件号码“”格式不正确"
            errors["doc_number"] = [_("请填写受助人证件号码，或从档案中选择受助家庭成员")]
        else:
            try:
                identity = parse_document(doc_type, doc_number)
            except ValidationError as e:
                errors["doc_number"] = e.messages
        if errors:
            raise ValidationError(errors)
        index, masked, relation = doc_index(identity), identity.masked, "child"
    if not index:
        raise ValidationError({"beneficiary": _("请先登记受助人的证件号码（用于核对同一年度不得重复资助）")})
    if schooling and schooling not in Schooling.values:
        raise ValidationError({"schooling": _("无效的在读阶段：%(v)s") % {"v": schooling}})
    data = {
        "archived": archived,
        "category": archive.category if archived else "",
        "schooling": schooling or "",
        "relation": relation,
        "flags": flags,
    }
    result = evaluate(programme, _facts(data))
    if result.exclusions:
        raise _exclusion_error(result.exclusions)
    if result.amount is None:
        raise ValidationError({"amount": _("不符合“%(p)s”的任何资助标准") % {"p": programme.name}})
    clash = AidApplication.objects.filter(programme=programme, year=year, beneficiary_index=index).exclude(
        status=A.REJECTED
    )
    if clash.exists():
        raise ValidationError(
            {
                "beneficiary": _("%(n)s%(y)d年已申请过“%(p)s”（同一年度不得重复资助）")
                % {"n": name, "y": year, "p": programme.name}
            }
        )
    try:
        with transaction.atomic():
            application = AidApplication.objects.create(
                programme=programme,
                year=year,
                membership=membership,
                person=person,
                archive=archive,
                household_member=member,
                org=membership.org,
                org_path=membership.org.path,
                province_id=membership.org.province_id,
                beneficiary_name=name,
                beneficiary_index=index,
                beneficiary_masked=masked,
                schooling=data["schooling"],
                school=school,
                flags=flags,
                archived=archived,
                category=data["category"],
                amount=result.amount,
                rule_label=result.rule_label,
                reason=reason,
                applied_on=applied_on,
                created_by=_user(acting_user),
            )
    except IntegrityError:
        raise ValidationError(
            {
                "beneficiary": _("%(n)s%(y)d年已申请过“%(p)s”（同一年度不得重复资助）")
                % {"n": name, "y": year, "p": programme.name}
            }
        ) from None
    _audit(
        acting_user,
        "hardship.aid_apply",
        application,
        membership.org,
        after={
            "programme": programme.code,
            "year": year,
            "amount": result.amount,
            "rule": result.rule_label,
            "beneficiary": masked,
        },
        reason=reason,
    )
    return application


def _lock_application(application) -> AidApplication:
    return AidApplication.objects.select_for_update().select_related("org", "programme__org").get(pk=application.pk)


def _set_status(application, target, *, acting_user, action, what, allowed, reason="", **fields):
    if application.status not in allowed:
        raise _transition_error(application.get_status_display(), what, application.status)
    before = {"status": application.status}
    application.status = target
    for name, value in fields.items():
        setattr(application, name, value)
    application.save()
    _audit(
        acting_user,
        action,
        application,
        application.org,
        before=before,
        after={"status": target, **{k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()}},
        reason=reason,
    )
    return application


@transaction.atomic
def do_check_application(*, acting_user, application, person_name: str, reason: str) -> AidApplication:
    """审核: the officer confirms the facts; the rules are evaluated again on today's archive."""
    application = _lock_application(application)
    _require(acting_user, "hardship.change", application.org)
    if application.status != A.APPLIED:
        raise _transition_error(application.get_status_display(), _("审核"), application.status)
    person_name, reason = core._named(person_name), core._reason(reason)
    archive = live_archive(application.person)
    archived = archive is not None and archive.status in IN_ARCHIVE
    data = {
        "archived": archived,
        "category": archive.category if archived else "",
        "schooling": application.schooling,
        "relation": application.household_member.relation if application.household_member_id else "self",
        "flags": application.flags,
    }
    if (
        application.programme.beneficiary == AidProgramme.Beneficiary.HOUSEHOLD_MEMBER
        and not application.household_member_id
    ):
        data["relation"] = "child"
    result = evaluate(application.programme, _facts(data))
    if result.exclusions:
        raise _exclusion_error(result.exclusions)
    if result.amount is None or (application.programme.archived_only and not archived):
        raise ValidationError({"amount": _("按现有档案已不符合资助标准，请作不予资助处理")})
    return _set_status(
        application,
        A.CHECKED,
        acting_user=acting_user,
        action="hardship.aid_check",
        what=_("审核"),
        allowed=(A.APPLIED,),
        reason=f"{person_name}：{reason}",
        checked_by=_user(acting_user),
        archived=archived,
        category=data["category"],
        amount=result.amount,
        rule_label=result.rule_label,
    )


@transaction.atomic
def do_start_aid_notice(
    *, acting_user, applications, place: str, starts_on=None, working_days: int | None = None
) -> list[AidApplication]:
    """公示 a list of checked applications together (one place, the same period)."""
    applications = list(applications)
    if not applications:
        raise ValidationError({"applications": _("请选择要公示的申请")})
    locked = [_lock_application(a) for a in applications]
    for a in locked:
        _require(acting_user, "hardship.change", a.org)
    place = core._text(place, "place", 200, message=_("请填写公示地点或方式"))
    starts_on = core._date(starts_on, "starts_on", default=_today(), not_future=False)
    if starts_on < _today():
        raise ValidationError({"starts_on": _("公示开始日期不能早于今天")})
    for a in locked:
        if a.status != A.CHECKED:
            raise _transition_error(a.get_status_display(), _("公示"), a.status)
    days = working_days or max(a.programme.notice_working_days for a in locked)
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise ValidationError({"working_days": _("公示期应为1至30个工作日")})
    ends_on = add_working_days(starts_on, days)
    for a in locked:
        _set_status(
            a,
            A.NOTICE,
            acting_user=acting_user,
            action="hardship.aid_notice",
            what=_("公示"),
            allowed=(A.CHECKED,),
            notice_place=place,
            notice_starts_on=starts_on,
            notice_ends_on=ends_on,
        )
    return locked


@transaction.atomic
def do_log_aid_objection(*, acting_user, application, text: str, objector: str = "", received_on=None) -> AidObjection:
    application = _lock_application(application)
    _require(acting_user, "hardship.change", application.org)
    if application.status != A.NOTICE:
        raise ValidationError(
            {"status": _("申请当前状态为“%(s)s”，不在公示期") % {"s": application.get_status_display()}}
        )
    received_on = core._date(received_on, "received_on", default=_today())
    if not application.notice_starts_on <= received_on <= application.notice_ends_on:
        raise ValidationError(
            {
                "received_on": _("异议应在公示期内（%(a)s至%(b)s）提出")
                % {"a": application.notice_starts_on, "b": application.notice_ends_on}
            }
        )
    text = core._text(text, "text", 4000, message=_("请填写异议内容"))
    objector = core._text(objector, "objector", 60, required=False)
    row = AidObjection.objects.create(application=application, received_on=received_on, objector=objector, text=text)
    _audit(acting_user, "hardship.aid_objection", application, application.org, after={"objection": row.pk})
    return row


@transaction.atomic
def do_resolve_aid_objection(*, acting_user, objection: AidObjection, outcome: str, resolution: str) -> AidObjection:
    objection = AidObjection.objects.select_for_update().get(pk=objection.pk)
    application = _lock_application(objection.application)
    _require(acting_user, "hardship.change", application.org)
    if objection.resolved_at is not None:
        raise ValidationError({"objection": _("该异议已处理")})
    if outcome not in AidObjection.Outcome.values:
        raise ValidationError({"outcome": _("请选择处理结果：异议成立或异议不成立")})
    resolution = core._text(resolution, "resolution", 4000, message=_("请填写处理情况"))
    objection.outcome, objection.resolution = outcome, resolution
    objection.resolved_at, objection.resolved_by = timezone.now(), _user(acting_user)
    objection.save()
    _audit(
        acting_user,
        "hardship.aid_objection_resolve",
        application,
        application.org,
        after={"objection": objection.pk, "outcome": outcome},
    )
    return objection


@transaction.atomic
def do_approve_application(*, acting_user, application, note: str) -> AidApplication:
    """批准 by the programme's union: after a notice that has ended with no open and no upheld
    objection (or straight after the check for a programme without notice)."""
    application = _lock_application(application)
    _require(acting_user, "hardship.approve", application.programme.org)
    note = core._reason(note)
    allowed = (A.NOTICE,) if application.programme.requires_notice else (A.CHECKED, A.NOTICE)
    if application.status not in allowed:
        raise _transition_error(application.get_status_display(), _("批准"), application.status)
    if application.status == A.NOTICE:
        if application.notice_ends_on >= _today():
            raise ValidationError({"notice": _("公示期至%(d)s，公示期间不能审批") % {"d": application.notice_ends_on}})
        objections = list(application.objections.all())
        if any(o.resolved_at is None for o in objections):
            raise ValidationError({"objections": _("公示异议尚未处理完毕，不能审批")})
        if any(o.outcome == AidObjection.Outcome.UPHELD for o in objections):
            raise ValidationError({"objections": _("公示异议成立，不能发放，请作不予资助处理")})
    return _set_status(
        application,
        A.APPROVED,
        acting_user=acting_user,
        action="hardship.aid_approve",
        what=_("批准"),
        allowed=allowed,
        reason=note,
        decided_by=_user(acting_user),
        decided_on=_today(),
        decision_note=note,
    )


@transaction.atomic
def do_reject_application(*, acting_user, application, reason: str) -> AidApplication:
    """不予资助, at any step before payment; an approved one only when no disbursement is live."""
    application = _lock_application(application)
    _require(acting_user, "hardship.change", application.org)
    if application.status == A.APPROVED:
        _require(acting_user, "hardship.approve", application.programme.org)
        if application.disbursements.exclude(status__in=[D.FAILED, D.REJECTED, D.CANCELLED]).exists():
            raise ValidationError({"disbursement": _("已有发放记录，不能作不予资助处理")})
    reason = core._reason(reason)
    return _set_status(
        application,
        A.REJECTED,
        acting_user=acting_user,
        action="hardship.aid_reject",
        what=_("作不予资助处理"),
        allowed=(A.APPLIED, A.CHECKED, A.NOTICE, A.APPROVED),
        reason=reason,
        decided_by=_user(acting_user),
        decided_on=_today(),
        decision_note=reason,
    )


# --- budgets and the ledger -----------------------------------------------------------------------------


def _ledger(*, acting_user, kind, amount, memo, budget=None, allowance=None, reverses=None, **links) -> LedgerEntry:
    account = budget or allowance
    entry = LedgerEntry(
        budget=budget,
        allowance=allowance,
        org_id=account.org_id,
        org_path=account.org_path,
        kind=kind,
        amount=amount,
        reverses=reverses,
        memo=memo[:200],
        created_by=_user(acting_user),
        **links,
    )
    entry.save(force_insert=True)
    return entry


@transaction.atomic
def do_set_budget(*, acting_user, org: Org, programme: AidProgramme, year: int, amount, reason: str) -> Budget:
    """Set (or change) the budget of `org` for `programme` and `year`; the change is an allocation
    row in the ledger. It can never drop below what has been spent."""
    _require(acting_user, "finance.approve", org)
    programme = AidProgramme.objects.get(pk=programme.pk)
    if not _in_subtree(org.path, programme.org_path):
        raise ValidationError({"org": _("“%(o)s”不在项目“%(p)s”的范围内") % {"o": org.name, "p": programme.name}})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度无效")})
    amount = core._money(amount, "amount")
    reason = core._reason(reason)
    budget = Budget.objects.select_for_update().filter(org=org, programme=programme, year=year).first()
    if budget is None:
        budget = Budget.objects.create(org=org, org_path=org.path, programme=programme, year=year)
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if amount < budget.spent:
        raise ValidationError({"amount": _("预算不能少于已支出的%(s)s元") % {"s": budget.spent}})
    delta = amount - budget.amount
    if delta == 0:
        raise ValidationError({"amount": _("预算金额未变化")})
    before = {"amount": budget.amount, "spent": budget.spent}
    Budget.objects.filter(pk=budget.pk).update(amount=F("amount") + delta)
    _ledger(acting_user=acting_user, kind=LedgerEntry.Kind.ALLOCATION, amount=delta, memo=reason, budget=budget)
    budget.refresh_from_db()
    _audit(
        acting_user,
        "hardship.budget_set",
        budget,
        org,
        before=before,
        after={"amount": budget.amount, "delta": delta, "programme": programme.code, "year": year},
        reason=reason,
    )
    return budget


def budget_for(application: AidApplication) -> Budget | None:
    """The budget that pays `application`: the nearest union at or above the accepting union
    holding a budget for the programme and year."""
    ids = ancestor_ids(application.org_path)
    budgets = {
        b.org_id: b
        for b in Budget.objects.filter(org_id__in=ids, programme_id=application.programme_id, year=application.year)
    }
    for pk in reversed(ids):
        if pk in budgets:
            return budgets[pk]
    return None


def mask_account(number: str) -> str:
    return number[:4] + "*" * max(len(number) - 8, 4) + number[-4:]


def clean_account(number) -> str:
    number = re.sub(r"[\s-]", "", str(number or ""))
    if not re.fullmatch(r"\d{8,30}", number):
        raise ValidationError({"account_number": _("银行账号应为8至30位数字")})
    return number


@transaction.atomic
def do_propose_disbursement(
    *, acting_user, application, payee_name: str, bank_name: str, account_number: str
) -> Disbursement:
    """The maker: propose paying an approved application to a bank account."""
    application = _lock_application(application)
    _require(acting_user, "hardship.change", application.org)
    if application.status != A.APPROVED:
        raise _transition_error(application.get_status_display(), _("申请发放"), application.status)
    errors = {}
    try:
        payee_name = normalise_name(payee_name)
    except ValidationError as e:
        errors["payee_name"] = e.messages
    try:
        bank_name = core._text(bank_name, "bank_name", 60, message=_("请填写开户银行"))
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        account_number = clean_account(account_number)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    if application.disbursements.filter(status__in=[D.PROPOSED, D.APPROVED, D.BATCHED, D.PAID]).exists():
        raise ValidationError({"application": _("该申请已有待处理或已完成的发放")})
    budget = budget_for(application)
    if budget is None:
        raise ValidationError(
            {
                "budget": _("没有“%(p)s”%(y)d年的预算，请先由财务下达预算")
                % {"p": application.programme.name, "y": application.year}
            }
        )
    if budget.available < application.amount:
        raise ValidationError(
            {"budget": _("预算余额%(a)s元，不足以发放%(x)s元") % {"a": budget.available, "x": application.amount}}
        )
    disbursement = Disbursement.objects.create(
        application=application,
        budget=budget,
        org=application.org,
        org_path=application.org_path,
        amount=application.amount,
        payee_name=payee_name,
        bank_name=bank_name,
        account_cipher=crypto.encrypt(account_number, ACCOUNT_PURPOSE),
        account_masked=mask_account(account_number),
        made_by=_user(acting_user),
    )
    _audit(
        acting_user,
        "hardship.disbursement_propose",
        disbursement,
        application.org,
        after={"application": application.pk, "amount": disbursement.amount, "account": disbursement.account_masked},
    )
    return disbursement


def _lock_disbursement(disbursement) -> Disbursement:
    return (
        Disbursement.objects.select_for_update()
        .select_related("budget__org", "application__programme", "org")
        .get(pk=disbursement.pk)
    )


def _draw(budget: Budget, amount: Decimal) -> bool:
    """spent = spent + amount WHERE spent + amount <= amount: one atomic statement; on PostgreSQL the
    row lock makes a concurrent approval wait and re-check the condition on the committed row."""
    return bool(Budget.objects.filter(pk=budget.pk, spent__lte=F("amount") - amount).update(spent=F("spent") + amount))


@transaction.atomic
def do_approve_disbursement(*, acting_user, disbursement, note: str = "") -> Disbursement:
    """The checker (财务, never the maker): approve and draw on the budget in this transaction."""
    disbursement = _lock_disbursement(disbursement)
    budget = disbursement.budget
    _require(acting_user, "finance.approve", budget.org)
    if _user(acting_user) is None:
        raise ValidationError({"checker": _("发放审核须由审核人本人操作")})
    if disbursement.made_by_id == acting_user.pk:
        raise ValidationError({"checker": _("审核人不能是经办人本人（双人复核）")})
    if disbursement.status != D.PROPOSED:
        raise _transition_error(disbursement.get_status_display(), _("审核发放"), disbursement.status)
    note = core._text(note, "note", 300, required=False)
    if not _draw(budget, disbursement.amount):
        budget.refresh_from_db()
        raise ValidationError(
            {"budget": _("预算余额%(a)s元，不足以发放%(x)s元") % {"a": budget.available, "x": disbursement.amount}}
        )
    application = disbursement.application
    _ledger(
        acting_user=acting_user,
        kind=LedgerEntry.Kind.DRAW,
        amount=disbursement.amount,
        memo=f"{application.programme.name} {application.year} {application.beneficiary_name}",
        budget=budget,
        disbursement=disbursement,
    )
    disbursement.status = D.APPROVED
    disbursement.checked_by = acting_user
    disbursement.checked_at = timezone.now()
    disbursement.check_note = note
    disbursement.save()
    _audit(
        acting_user,
        "hardship.disbursement_approve",
        disbursement,
        budget.org,
        before={"status": D.PROPOSED},
        after={"status": D.APPROVED, "amount": disbursement.amount, "budget": budget.pk},
        reason=note,
    )
    return disbursement


@transaction.atomic
def do_reject_disbursement(*, acting_user, disbursement, note: str) -> Disbursement:
    disbursement = _lock_disbursement(disbursement)
    _require(acting_user, "finance.approve", disbursement.budget.org)
    if disbursement.status != D.PROPOSED:
        raise _transition_error(disbursement.get_status_display(), _("退回发放"), disbursement.status)
    note = core._reason(note)
    disbursement.status = D.REJECTED
    disbursement.checked_by = _user(acting_user)
    disbursement.checked_at = timezone.now()
    disbursement.check_note = note
    disbursement.save()
    _audit(
        acting_user,
        "hardship.disbursement_reject",
        disbursement,
        disbursement.budget.org,
        before={"status": D.PROPOSED},
        after={"status": D.REJECTED},
        reason=note,
    )
    return disbursement


@transaction.atomic
def do_cancel_disbursement(*, acting_user, disbursement, reason: str) -> Disbursement:
    """撤销 an approved disbursement not yet in a batch (an error found after approval): the money
    goes back to the budget through a reversal row; the application may be paid again."""
    disbursement = _lock_disbursement(disbursement)
    _require(acting_user, "finance.approve", disbursement.budget.org)
    if disbursement.status != D.APPROVED:
        raise _transition_error(disbursement.get_status_display(), _("撤销发放"), disbursement.status)
    reason = core._reason(reason)
    _reverse_draw(disbursement, acting_user=acting_user, memo=f"撤销发放：{reason}")
    disbursement.status = D.CANCELLED
    disbursement.settle_note = reason
    disbursement.save(update_fields=["status", "settle_note"])
    _audit(
        acting_user,
        "hardship.disbursement_cancel",
        disbursement,
        disbursement.budget.org,
        before={"status": D.APPROVED},
        after={"status": D.CANCELLED, "amount": disbursement.amount},
        reason=reason,
    )
    return disbursement


# --- payment batches ------------------------------------------------------------------------------------


@transaction.atomic
def do_create_batch(*, acting_user, org: Org, disbursements) -> PaymentBatch:
    """Group approved disbursements of `org`'s subtree into one batch for one bank file."""
    _require(acting_user, "hardship.change", org)
    ids = sorted({d.pk for d in disbursements})
    if not ids:
        raise ValidationError({"disbursements": _("请选择要编入批次的发放")})
    rows = list(Disbursement.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        raise ValidationError({"disbursements": _("部分发放记录不存在")})
    for d in rows:
        if not _in_subtree(d.org_path, org.path):
            raise ValidationError({"disbursements": _("发放 #%(n)d 不属于“%(o)s”") % {"n": d.pk, "o": org.name}})
        if d.status != D.APPROVED or d.batch_id:
            raise ValidationError(
                {
                    "disbursements": _("发放 #%(n)d 当前状态为“%(s)s”，不能编入批次")
                    % {"n": d.pk, "s": d.get_status_display()}
                }
            )
    total = sum((d.amount for d in rows), Decimal("0"))
    number = f"ZF{_today():%Y%m%d}{secrets.token_hex(3).upper()}"
    batch = PaymentBatch.objects.create(
        org=org, org_path=org.path, number=number, total=total, count=len(rows), created_by=_user(acting_user)
    )
    Disbursement.objects.filter(pk__in=ids).update(status=D.BATCHED, batch=batch)
    _audit(acting_user, "hardship.batch_create", batch, org, after={"disbursements": ids, "total": total})
    return batch


def _lock_batch(batch) -> PaymentBatch:
    return PaymentBatch.objects.select_for_update().select_related("org").get(pk=batch.pk)


def _reverse_draw(disbursement: Disbursement, *, acting_user, memo: str) -> LedgerEntry:
    draw = LedgerEntry.objects.get(disbursement=disbursement, kind=LedgerEntry.Kind.DRAW)
    updated = Budget.objects.filter(pk=disbursement.budget_id, spent__gte=draw.amount).update(
        spent=F("spent") - draw.amount
    )
    if not updated:  # the ledger and the budget disagree: stop rather than write a wrong balance
        raise ValidationError({"budget": _("预算已支出金额与台账不一致，请联系管理员")})
    return _ledger(
        acting_user=acting_user,
        kind=LedgerEntry.Kind.REVERSAL,
        amount=-draw.amount,
        memo=memo,
        budget=disbursement.budget,
        reverses=draw,
        disbursement=disbursement,
    )


@transaction.atomic
def do_reconcile_batch(*, acting_user, batch, failed: dict | None = None, settled_on=None) -> PaymentBatch:
    """对账 from the bank's return: every disbursement of the batch is paid except those in
    `failed` ({disbursement id: the bank's reason}); a failed one goes back to the budget through a
    reversal row and its application may be paid again (e.g. to a corrected account)."""
    batch = _lock_batch(batch)
    _require(acting_user, "finance.approve", batch.org)
    if batch.status != PaymentBatch.Status.EXPORTED:
        raise ValidationError(
            {"batch": _("批次当前状态为“%(s)s”，须先导出银行文件再对账") % {"s": batch.get_status_display()}}
        )
    try:
        failed = {int(k): core._text(v, "failed", 300, message=_("请填写失败原因")) for k, v in (failed or {}).items()}
    except (TypeError, ValueError):
        raise ValidationError({"failed": _("失败清单应为发放编号和失败原因")}) from None
    settled_on = core._date(settled_on, "settled_on", default=_today())
    rows = list(
        Disbursement.objects.select_for_update()
        .filter(batch=batch)
        .select_related("application__programme", "budget")
        .order_by("pk")
    )
    stray = set(failed) - {d.pk for d in rows}
    if stray:
        raise ValidationError({"failed": _("以下发放不在本批次中：%(ids)s") % {"ids": sorted(stray)}})
    paid_ids, failed_ids = [], []
    for d in rows:
        if d.status != D.BATCHED:
            continue
        if d.pk in failed:
            _reverse_draw(d, acting_user=acting_user, memo=f"发放失败冲回：{failed[d.pk]}")
            d.status, d.settle_note = D.FAILED, failed[d.pk]
            failed_ids.append(d.pk)
        else:
            d.status = D.PAID
            paid_ids.append(d.pk)
            AidApplication.objects.filter(pk=d.application_id).update(status=A.PAID)
        d.settled_on = settled_on
        d.save(update_fields=["status", "settle_note", "settled_on"])
    batch.status = PaymentBatch.Status.RECONCILED
    batch.reconciled_at = timezone.now()
    batch.save(update_fields=["status", "reconciled_at"])
    _audit(
        acting_user,
        "hardship.batch_reconcile",
        batch,
        batch.org,
        after={"paid": paid_ids, "failed": failed_ids, "settled_on": settled_on},
    )
    return batch


# --- 便民服务项目基金 ----------------------------------------------------------------------------------------


def convenience_allowance_amount() -> Decimal:
    return Decimal(str(getattr(settings, "HARDSHIP_CONVENIENCE_ALLOWANCE", DEFAULT_CONVENIENCE_ALLOWANCE)))


def _new_allowance(archive: HardshipArchive, year: int, amount: Decimal, acting_user) -> ConvenienceAllowance:
    allowance = ConvenienceAllowance.objects.create(
        archive=archive, org_id=archive.org_id, org_path=archive.org_path, year=year, amount=amount
    )
    _ledger(
        acting_user=acting_user,
        kind=LedgerEntry.Kind.ALLOCATION,
        amount=amount,
        memo=f"{year}年便民服务基金额度",
        allowance=allowance,
    )
    return allowance


@transaction.atomic
def do_grant_convenience_allowances(*, acting_user, org: Org, year: int) -> int:
    """Give every archived household of `org`'s subtree its allowance for `year` (idempotent: an
    allowance already given is kept). Returns how many were created; one audit entry for the run."""
    _require(acting_user, "hardship.change", org)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度无效")})
    amount = convenience_allowance_amount()
    has = ConvenienceAllowance.objects.filter(year=year).values("archive_id")
    todo = (
        HardshipArchive.objects.filter(in_subtree("org_path", org.path), status__in=list(IN_ARCHIVE))
        .exclude(pk__in=has)
        .order_by("pk")
    )
    created = [_new_allowance(a, year, amount, acting_user) for a in todo]
    if created:
        _audit(
            acting_user,
            "hardship.convenience_grant",
            org,
            org,
            after={"year": year, "amount": amount, "archives": [a.archive_id for a in created]},
        )
    return len(created)


def _categories(values) -> list[str]:
    values = list(dict.fromkeys(values or []))
    bad = [v for v in values if v not in ServiceCategory.values]
    if not values or bad:
        raise ValidationError({"categories": _("请从18类便民服务中选择服务类别")})
    return values


@transaction.atomic
def do_add_service_provider(*, acting_user, org: Org, name: str, categories, contact: str = "") -> ServiceProvider:
    _require(acting_user, "hardship.change", org)
    errors = {}
    try:
        name = core._text(name, "name", 100, message=_("请填写服务商名称"))
        contact = core._text(contact, "contact", 30, required=False)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        categories = _categories(categories)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    provider = ServiceProvider.objects.create(
        org=org, org_path=org.path, name=name, categories=categories, contact=contact
    )
    _audit(acting_user, "hardship.provider_add", provider, org, after={"name": name, "categories": categories})
    return provider


def _allowance(archive: HardshipArchive, year: int, acting_user) -> ConvenienceAllowance:
    row = ConvenienceAllowance.objects.select_for_update().filter(archive=archive, year=year).first()
    return row or _new_allowance(archive, year, convenience_allowance_amount(), acting_user)


@transaction.atomic
def do_dispatch_service_order(
    *, acting_user, archive, category: str, provider: ServiceProvider, description: str, dispatched_on=None
) -> ServiceOrder:
    """派单 to a provider for an archived household that still has allowance left this year."""
    archive = core._lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in IN_ARCHIVE:
        raise ValidationError(
            {"archive": _("档案当前状态为“%(s)s”，便民服务仅面向在档困难职工") % {"s": archive.get_status_display()}}
        )
    if category not in ServiceCategory.values:
        raise ValidationError({"category": _("请从18类便民服务中选择服务类别")})
    provider = ServiceProvider.objects.get(pk=provider.pk)
    if not provider.active or not _in_subtree(archive.org_path, provider.org_path):
        raise ValidationError({"provider": _("该服务商不为本户提供服务")})
    if category not in provider.categories:
        raise ValidationError({"provider": _("该服务商不提供“%(c)s”服务") % {"c": ServiceCategory(category).label}})
    description = core._text(description, "description", 300, message=_("请填写服务内容"))
    dispatched_on = core._date(dispatched_on, "dispatched_on", default=_today())
    allowance = _allowance(archive, dispatched_on.year, acting_user)
    if allowance.balance <= 0:
        raise ValidationError({"allowance": _("%(y)d年便民服务基金额度已用完") % {"y": dispatched_on.year}})
    order = ServiceOrder.objects.create(
        archive=archive,
        allowance=allowance,
        org_id=archive.org_id,
        org_path=archive.org_path,
        category=category,
        provider=provider,
        description=description,
        dispatched_on=dispatched_on,
        created_by=_user(acting_user),
    )
    _audit(
        acting_user,
        "hardship.service_dispatch",
        order,
        archive.org,
        after={"archive": archive.pk, "category": category, "provider": provider.pk},
    )
    return order


def _lock_order(order) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().select_related("org", "allowance").get(pk=order.pk)


@transaction.atomic
def do_complete_service_order(
    *, acting_user, order, total_price, cost_price, completed_on=None, note: str = ""
) -> ServiceOrder:
    """完工: the worker pays the cost price, the fund pays the rest — drawn on the allowance with a
    conditional UPDATE, so the balance can never go negative."""
    order = _lock_order(order)
    _require(acting_user, "hardship.change", order.org)
    if order.status != ServiceOrder.Status.DISPATCHED:
        raise _transition_error(order.get_status_display(), _("完工结算"), order.status)
    errors = {}
    try:
        total_price = core._money(total_price, "total_price")
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        cost_price = core._money(cost_price, "cost_price")
    except ValidationError as e:
        errors.update(e.message_dict)
    if not errors and cost_price > total_price:
        errors["cost_price"] = [_("成本价不能高于服务总价")]
    try:
        completed_on = core._date(completed_on, "completed_on", default=_today())
        note = core._text(note, "note", 300, required=False)
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    if completed_on < order.dispatched_on:
        raise ValidationError({"completed_on": _("完成日期不能早于派单日期")})
    fund = total_price - cost_price
    allowance = order.allowance
    if fund > 0:
        drawn = ConvenienceAllowance.objects.filter(pk=allowance.pk, spent__lte=F("amount") - fund).update(
            spent=F("spent") + fund
        )
        if not drawn:
            allowance.refresh_from_db()
            raise ValidationError(
                {"total_price": _("便民服务基金余额%(b)s元，不足以支付%(f)s元") % {"b": allowance.balance, "f": fund}}
            )
        _ledger(
            acting_user=acting_user,
            kind=LedgerEntry.Kind.DRAW,
            amount=fund,
            memo=f"便民服务：{order.get_category_display()}",
            allowance=allowance,
            service_order=order,
        )
    order.status = ServiceOrder.Status.COMPLETED
    order.cost_price, order.fund_amount = cost_price, fund
    order.completed_on, order.note = completed_on, note
    order.save()
    _audit(
        acting_user,
        "hardship.service_complete",
        order,
        order.org,
        after={"total_price": total_price, "cost_price": cost_price, "fund_amount": fund},
    )
    return order


@transaction.atomic
def do_cancel_service_order(*, acting_user, order, reason: str) -> ServiceOrder:
    order = _lock_order(order)
    _require(acting_user, "hardship.change", order.org)
    if order.status != ServiceOrder.Status.DISPATCHED:
        raise _transition_error(order.get_status_display(), _("取消"), order.status)
    reason = core._reason(reason)
    order.status, order.note = ServiceOrder.Status.CANCELLED, reason
    order.save(update_fields=["status", "note"])
    _audit(acting_user, "hardship.service_cancel", order, order.org, after={"status": order.status}, reason=reason)
    return order
