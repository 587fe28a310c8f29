"""Every write to hardship archives goes through these functions (DESIGN.md §3.1).

Each action is atomic, takes `acting_user` keyword-only (None = a system job), checks the
permission on the archive's org subtree (`hardship.change`; `hardship.approve` at the union
whose level matches the archive's level for approval, exit, relief and removal), checks the
state machine (`hardship.states`), validates before writing anything, and leaves an
`ArchiveEvent` naming a person and a reason plus an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, crypto, uploads
from gonghui.core.calendar import add_working_days
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.scoping import user_can, user_scope_paths
from gonghui.core.tree import ancestor_ids, in_subtree
from gonghui.hardship import rules
from gonghui.hardship.checks import get_checker
from gonghui.hardship.models import (
    ArchiveEvent,
    DataCheck,
    FollowUpCall,
    HardshipArchive,
    Health,
    HomeVisit,
    HouseholdMember,
    IncomeItem,
    MonthlyIncome,
    NoticeObjection,
    PlanMeasure,
    PublicNotice,
    Relation,
    RigidExpense,
    Schooling,
    SchoolKind,
    SubsistenceLine,
    VisitAttachment,
)
from gonghui.hardship.states import (
    BEFORE_VISIT,
    CLOSED,
    IN_ARCHIVE,
    LIVE,
    ArchiveLevel,
    ArchiveStatus,
    Category,
    Cause,
    RemovalReason,
    check,
)
from gonghui.members.models import Membership
from gonghui.members.states import CURRENT
from gonghui.orgs.kinds import OrgKind
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE, doc_index
from gonghui.people.identity import normalise_name, parse_document

S = ArchiveStatus
NOTICE_WORKING_DAYS = 5
MAX_CAUSES = 3
MAX_MONEY = Decimal("999999999999.99")
# Which kind of union approves an archive of each level (the nearest one at or above the archive's org).
LEVEL_KINDS = {
    ArchiveLevel.NATIONAL: {OrgKind.NATIONAL},
    ArchiveLevel.PROVINCE: {OrgKind.PROVINCE},
    ArchiveLevel.CITY: {OrgKind.CITY},
    ArchiveLevel.DISTRICT: {OrgKind.DISTRICT},
    ArchiveLevel.GRASSROOTS: {OrgKind.GRASSROOTS, OrgKind.FEDERATION},
}
# States in which the household's data (members, incomes, category) may still change.
EDITABLE = (S.DISCOVERED, S.APPLIED, S.VISITED, S.CHECKED, S.RELAPSED, S.UNDER_REVIEW)
VISIT_STATES = tuple(s for s in LIVE if s not in (S.EXITED, S.NOTICE))
CHECK_STATES = (S.VISITED, S.CHECKED, S.ARCHIVED, S.UNDER_REVIEW)
ALL_CHECK_KINDS = tuple(DataCheck.Kind.values)


# --- helpers -----------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _require(acting_user, permission: str, org: Org) -> None:
    if acting_user is None:
        return
    if not user_can(acting_user, permission, org.path):
        raise ActionPermissionError(
            permission, _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）") % {"org": org.name, "perm": permission}
        )


def _text(value, field: str, max_length: int, *, required: bool = True, message: str | None = None) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ValidationError({field: message or _("此项必填")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多%(n)d个字符") % {"n": max_length}})
    return value


def _named(person_name) -> str:
    return _text(person_name, "person_name", 30, message=_("请填写经办人姓名"))


def _reason(reason) -> str:
    return _text(reason, "reason", 300, message=_("请填写原因或意见"))


def _money(value, field: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("金额格式不正确：%(v)s") % {"v": value}}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("金额格式不正确：%(v)s") % {"v": value}})
    if amount != amount.quantize(rules.FEN):
        raise ValidationError({field: _("金额最多保留两位小数")})
    if amount < 0 and not allow_negative:
        raise ValidationError({field: _("金额不能为负数")})
    if abs(amount) > MAX_MONEY:
        raise ValidationError({field: _("金额过大")})
    return amount.quantize(rules.FEN)


def _date(value, field: str, *, default: dt.date | None = None, not_future: bool = True) -> dt.date:
    if value in (None, ""):
        if default is None:
            raise ValidationError({field: _("请填写日期")})
        return default
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")}) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD")})
    if not_future and value > _today():
        raise ValidationError({field: _("日期不能晚于今天")})
    return value


def _lock(archive: HardshipArchive) -> HardshipArchive:
    return HardshipArchive.objects.select_for_update().select_related("org").get(pk=archive.pk)


def _snapshot(a: HardshipArchive) -> dict:
    return {
        "status": a.status,
        "level": a.level,
        "category": a.category,
        "per_capita": a.per_capita,
        "household_size": a.household_size,
    }


def _event(archive, kind, *, actor, person_name, reason, from_status="", to_status="", on=None) -> ArchiveEvent:
    return ArchiveEvent.objects.create(
        archive=archive,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        person_name=person_name,
        reason=reason[:300],
        on=on or _today(),
    )


def _audit(acting_user, action: str, archive: HardshipArchive, *, before=None, after=None, reason: str = ""):
    audit.record(
        actor=acting_user, action=action, obj=archive, org=archive.org, before=before, after=after, reason=reason
    )


def _transition(archive, target, *, acting_user, person_name, reason, action, what, on=None, **fields):
    """Move `archive` (locked) to `target`, with event and audit entry."""
    check(archive.status, target, what)
    before = _snapshot(archive)
    source = archive.status
    archive.status = target
    for name, value in fields.items():
        setattr(archive, name, value)
    archive.save()
    _event(
        archive,
        ArchiveEvent.Kind.TRANSITION,
        actor=acting_user,
        person_name=person_name,
        reason=reason,
        from_status=source,
        to_status=target,
        on=on,
    )
    _audit(
        acting_user,
        action,
        archive,
        before=before,
        after={**_snapshot(archive), "person_name": person_name, **_jsonable(fields)},
        reason=reason,
    )
    return archive


def _jsonable(fields: dict) -> dict:
    return {k: (v.pk if isinstance(v, Org) else v) for k, v in fields.items()}


def approving_org(org: Org, level: str) -> Org | None:
    """The union that approves an archive of `level` kept at `org`: the nearest org at or above
    `org` whose kind matches the level (基层: a grassroots union or a joint federation)."""
    kinds = LEVEL_KINDS[level]
    ids = ancestor_ids(org.path)
    candidates = {o.pk: o for o in Org.objects.filter(pk__in=ids, kind__in=list(kinds))}
    for pk in reversed(ids):
        if pk in candidates:
            return candidates[pk]
    return None


def levels_for(org: Org | None) -> list[str]:
    """建档标准 a user whose home union is `org` can use: a level whose approving union exists at or
    above `org` or inside its subtree (where the user's workers are kept; 基层 always). Without a
    home union (an installation admin), every level whose kind of union exists at all. A level no
    union can approve (全国级 in a provincial installation) is never offered."""
    rows = Org.objects.all()
    if org is not None:
        rows = rows.filter(Q(pk__in=ancestor_ids(org.path)) | in_subtree("path", org.path))
    kinds = set(rows.order_by().values_list("kind", flat=True).distinct())
    return [
        level
        for level in ArchiveLevel.values
        if level == ArchiveLevel.GRASSROOTS or LEVEL_KINDS[ArchiveLevel(level)] & kinds
    ]


def _default_division(membership: Membership) -> str:
    if membership.residence_division:
        return membership.residence_division
    ids = ancestor_ids(membership.org.path)
    codes = dict(Org.objects.filter(pk__in=ids).exclude(division_code="").values_list("pk", "division_code"))
    for pk in reversed(ids):
        if pk in codes:
            return codes[pk]
    return ""


def subsistence_line(division_code: str, year: int) -> tuple[str, Decimal]:
    """The 低保 line for a division and year, inherited from the city, then the province."""
    chain = rules.division_chain(division_code)
    rows = dict(
        SubsistenceLine.objects.filter(division_code__in=chain, year=year).values_list(
            "division_code", "monthly_amount"
        )
    )
    found = rules.pick_line(division_code, rows)
    if found is None:
        raise ValidationError(
            {
                "division_code": _("没有行政区划%(code)s（及其上级）%(year)d年的低保标准，请先由管理员录入")
                % {"code": division_code, "year": year}
            }
        )
    return found


# --- household members ---------------------------------------------------------------------------


def _choice(value, field: str, choices_, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if value not in choices_:
        raise ValidationError({field: _("无效的选项：%(v)s") % {"v": value}})
    return value


def _clean_member(data: dict) -> dict:
    """Validate one household member's input; all field problems reported together."""
    errors: dict[str, list[str]] = {}

    def attempt(field, fn):
        try:
            return fn()
        except ValidationError as e:
            errors.setdefault(field, []).extend(e.messages)
            return None

    relation = attempt("relation", lambda: _choice(data.get("relation"), "relation", Relation.values, required=True))
    name = attempt("name", lambda: normalise_name(data.get("name", "")))
    identity = None
    if data.get("doc_number"):
        identity = attempt(
            "doc_number", lambda: parse_document(data.get("doc_type") or "resident_id", data["doc_number"])
        )
    birth = attempt("birth_date", lambda: _date(data.get("birth_date"), "birth_date", default=dt.date.min))
    if identity and identity.birth_date and birth not in (dt.date.min, None) and birth != identity.birth_date:
        errors.setdefault("birth_date", []).append(_("出生日期与证件号码不一致"))
    cleaned = {
        "relation": relation,
        "name": name,
        "identity": identity,
        "birth_date": (identity.birth_date if identity and identity.birth_date else None)
        or (birth if birth not in (dt.date.min, None) else None),
        "sex": (identity.sex if identity and identity.sex else "") or "",
        "health": attempt("health", lambda: _choice(data.get("health") or Health.GOOD, "health", Health.values)),
        "illness": attempt("illness", lambda: _text(data.get("illness"), "illness", 60, required=False)),
        "disability_category": attempt(
            "disability_category",
            lambda: _text(data.get("disability_category"), "disability_category", 20, required=False),
        ),
        "disability_grade": attempt(
            "disability_grade", lambda: _text(data.get("disability_grade"), "disability_grade", 10, required=False)
        ),
        "employment": attempt(
            "employment",
            lambda: _choice(
                data.get("employment"),
                "employment",
                [c for c, _l in HouseholdMember._meta.get_field("employment").choices],
            ),
        ),
        "monthly_income": attempt("monthly_income", lambda: _money(data.get("monthly_income") or 0, "monthly_income")),
        "schooling": attempt("schooling", lambda: _choice(data.get("schooling"), "schooling", Schooling.values)),
        "school": attempt("school", lambda: _text(data.get("school"), "school", 100, required=False)),
        "grade": attempt("grade", lambda: _text(data.get("grade"), "grade", 20, required=False)),
        "school_kind": attempt(
            "school_kind", lambda: _choice(data.get("school_kind"), "school_kind", SchoolKind.values)
        ),
        "annual_tuition": attempt(
            "annual_tuition",
            lambda: (
                None if data.get("annual_tuition") in (None, "") else _money(data["annual_tuition"], "annual_tuition")
            ),
        ),
        "public_tuition": attempt(
            "public_tuition",
            lambda: (
                None if data.get("public_tuition") in (None, "") else _money(data["public_tuition"], "public_tuition")
            ),
        ),
    }
    if cleaned["health"] == Health.DISABLED and not cleaned["disability_category"]:
        errors.setdefault("disability_category", []).append(_("残疾人员请填写残疾类别"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _build_member(archive, cleaned: dict) -> HouseholdMember:
    identity = cleaned.pop("identity")
    member = HouseholdMember(archive=archive, **cleaned)
    if identity is not None:
        member.doc_type = identity.doc_type
        member.doc_cipher = crypto.encrypt(identity.number, DOC_PURPOSE)
        member.doc_index = doc_index(identity)
        member.doc_masked = identity.masked
    return member


def _subject_member(archive, person, membership, data: dict | None) -> HouseholdMember:
    data = dict(data or {})
    data.update({"relation": Relation.SELF, "name": person.name, "doc_number": "", "birth_date": None})
    data.setdefault("employment", membership.employment_status)
    cleaned = _clean_member(data)
    cleaned["identity"] = None
    cleaned["birth_date"] = person.birth_date
    cleaned["sex"] = person.sex
    member = _build_member(archive, cleaned)
    member.person = person
    member.doc_type = person.doc_type
    member.doc_cipher = person.doc_cipher
    member.doc_index = person.doc_index
    member.doc_masked = person.doc_masked
    return member


def _assert_not_archived_elsewhere(members: list[HouseholdMember], archive: HardshipArchive | None = None) -> None:
    """一户一档: no document number twice in the household, and none in another live archive."""
    seen: dict[str, str] = {}
    for m in members:
        if m.doc_index and m.doc_index in seen:
            raise ValidationError(
                {"household": _("%(a)s与%(b)s的证件号码相同") % {"a": seen[m.doc_index], "b": m.name}}
            )
        if m.doc_index:
            seen[m.doc_index] = m.name
    if not seen:
        return
    clash = HouseholdMember.objects.filter(doc_index__in=list(seen), active=True)
    if archive is not None and archive.pk:
        clash = clash.exclude(archive=archive)
    hit = clash.values_list("doc_index", flat=True).first()
    if hit:
        raise ValidationError(
            {"household": _("%(name)s已在另一户困难职工档案中（一户一档，一人不得重复建档）") % {"name": seen[hit]}}
        )


def _save_members(members: list[HouseholdMember]) -> None:
    try:
        with transaction.atomic():
            for m in members:
                m.save(force_insert=True)
    except IntegrityError:
        # A concurrent archive took one of these people between the check and the insert.
        raise ValidationError({"household": _("家庭成员已在另一户困难职工档案中（一户一档）")}) from None


def _causes(primary, secondary, third) -> tuple[str, str, str]:
    values = [(c or "").strip() for c in (primary, secondary, third)]
    if not values[0]:
        raise ValidationError({"primary_cause": _("请选择主要致困原因")})
    present = [c for c in values if c]
    for c in present:
        if c not in Cause.values:
            raise ValidationError({"causes": _("无效的致困原因：%(v)s") % {"v": c}})
    if len(set(present)) != len(present):
        raise ValidationError({"causes": _("致困原因不能重复")})
    return values[0], values[1], values[2]


FACT_FIELDS = (
    "accident_event",
    "accident_note",
    "lives_in_city",
    "employed_since",
    "housing",
    "marital_status",
    "address",
)


def _clean_facts(facts: dict) -> dict:
    out = {}
    for key, value in (facts or {}).items():
        if key not in FACT_FIELDS:
            raise ValidationError({key: _("未知字段")})
        if key in ("accident_event", "lives_in_city"):
            out[key] = bool(value)
        elif key == "employed_since":
            out[key] = _date(value, key) if value else None
        elif key in ("housing", "marital_status"):
            field = HardshipArchive._meta.get_field(key)
            out[key] = _choice(value, key, [c for c, _l in field.choices])
        else:
            out[key] = _text(value, key, HardshipArchive._meta.get_field(key).max_length, required=False)
    return out


# --- create --------------------------------------------------------------------------------------


@transaction.atomic
def do_create_archive(
    *,
    acting_user,
    membership: Membership,
    origin: str,
    level: str,
    primary_cause: str,
    person_name: str,
    reason: str,
    secondary_cause: str = "",
    third_cause: str = "",
    household: list[dict] | None = None,
    division_code: str = "",
    applied_on=None,
    facts: dict | None = None,
) -> HardshipArchive:
    """Open a household archive: discovered by the union (`origin="discovered"`) or applied for
    by the worker (`"applied"`). `household` lists the other household members (an entry with
    relation "self" adds the worker's own health, employment and income)."""
    membership = Membership.objects.select_related("org", "person").get(pk=membership.pk)
    org = membership.org
    _require(acting_user, "hardship.change", org)
    if origin not in (S.DISCOVERED, S.APPLIED):
        raise ValidationError({"origin": _("来源应为走访发现或本人申请")})
    if membership.status not in CURRENT:
        raise ValidationError(
            {"membership": _("只能为在册会员建档（当前会籍状态：%(s)s）") % {"s": membership.get_status_display()}}
        )
    if level not in ArchiveLevel.values:
        raise ValidationError({"level": _("请选择建档标准（全国级、省级、地市级、区县级、基层）")})
    approver = approving_org(org, level)
    if approver is None:
        raise ValidationError(
            {
                "level": _("“%(org)s”及其上级中没有%(level)s工会，不能按此标准建档")
                % {"org": org.name, "level": ArchiveLevel(level).label}
            }
        )
    person_name, reason = _named(person_name), _reason(reason)
    causes = _causes(primary_cause, secondary_cause, third_cause)
    division_code = (division_code or "").strip() or _default_division(membership)
    if not rules.division_chain(division_code):
        raise ValidationError({"division_code": _("请填写6位或9位居住地行政区划代码")})
    applied_on = _date(applied_on, "applied_on", default=_today())
    facts = _clean_facts(facts or {})
    if HardshipArchive.objects.filter(person=membership.person).exclude(status__in=list(CLOSED)).exists():
        raise ValidationError({"membership": _("该职工已有困难职工档案（一户一档）")})

    archive = HardshipArchive(
        membership=membership,
        person=membership.person,
        org=org,
        org_path=org.path,
        province_id=org.province_id,
        division_code=division_code,
        level=level,
        status=origin,
        primary_cause=causes[0],
        secondary_cause=causes[1],
        third_cause=causes[2],
        is_migrant_worker=membership.is_migrant_worker or membership.worker_type == "migrant",
        applied_on=applied_on,
        **facts,
    )
    rows = list(household or [])
    self_rows = [r for r in rows if r.get("relation") == Relation.SELF]
    if len(self_rows) > 1:
        raise ValidationError({"household": _("“本人”只能填写一次")})
    members = [_subject_member(archive, membership.person, membership, self_rows[0] if self_rows else None)]
    errors = {}
    for i, row in enumerate(r for r in rows if r.get("relation") != Relation.SELF):
        try:
            members.append(_build_member(archive, _clean_member(row)))
        except ValidationError as e:
            errors.update({f"household.{i}.{k}": v for k, v in e.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    _assert_not_archived_elsewhere(members)
    archive.household_size = len(members)
    try:
        with transaction.atomic():
            archive.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"membership": _("该职工已有困难职工档案（一户一档）")}) from None
    archive.number = f"KN{applied_on:%Y}{archive.pk:08d}"
    archive.save(update_fields=["number"])
    for m in members:
        m.archive = archive
    _save_members(members)
    _event(
        archive, ArchiveEvent.Kind.CREATED, actor=acting_user, person_name=person_name, reason=reason, to_status=origin
    )
    _audit(
        acting_user,
        "hardship.create",
        archive,
        after={**_snapshot(archive), "origin": origin, "causes": archive.causes, "approving_org": approver.pk},
        reason=reason,
    )
    return archive


@transaction.atomic
def do_add_household_member(*, acting_user, archive, data: dict, person_name: str, reason: str) -> HouseholdMember:
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in EDITABLE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能修改家庭成员") % {"s": archive.get_status_display()}}
        )
    if data.get("relation") == Relation.SELF:
        raise ValidationError({"relation": _("本人已在档案中")})
    person_name, reason = _named(person_name), _reason(reason)
    member = _build_member(archive, _clean_member(data))
    _assert_not_archived_elsewhere([member, *archive.household.all()], archive)
    _save_members([member])
    before = _snapshot(archive)
    archive.household_size = archive.household.count()
    archive.save(update_fields=["household_size", "updated_at"])
    if archive.assessment_year:
        _assess(archive)
    _event(archive, ArchiveEvent.Kind.HOUSEHOLD, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user,
        "hardship.household_add",
        archive,
        before=before,
        after={**_snapshot(archive), "relation": member.relation, "member": member.pk},
        reason=reason,
    )
    return member


# --- finances and the means test -----------------------------------------------------------------------


def _clean_rows(rows, kinds, prefix: str) -> list[dict]:
    cleaned, errors = [], {}
    for i, row in enumerate(rows or []):
        try:
            kind = _choice(row.get("kind"), "kind", kinds, required=True)
            amount = _money(row.get("amount"), "amount")
            note = _text(row.get("note"), "note", 200, required=False)
            cleaned.append({"kind": kind, "amount": amount, "note": note})
        except ValidationError as e:
            errors.update({f"{prefix}.{i}.{k}": v for k, v in e.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def do_record_finances(
    *, acting_user, archive, year: int, incomes: list[dict], expenses: list[dict], person_name: str, reason: str
) -> HardshipArchive:
    """Replace the household's income items and rigid expenses for `year` and re-run the means
    test on that year (refused when there is no 低保 line for the archive's division and year)."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in EDITABLE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能修改收支") % {"s": archive.get_status_display()}}
        )
    if not isinstance(year, int) or not 2000 <= year <= _today().year:
        raise ValidationError({"year": _("年度应在2000年至今年之间")})
    person_name, reason = _named(person_name), _reason(reason)
    income_rows = _clean_rows(incomes, IncomeItem.Kind.values, "incomes")
    expense_rows = _clean_rows(expenses, RigidExpense.Kind.values, "expenses")
    subsistence_line(archive.division_code, year)  # refuse before writing when no line exists
    before = _snapshot(archive)
    IncomeItem.objects.filter(archive=archive, year=year).delete()
    RigidExpense.objects.filter(archive=archive, year=year).delete()
    IncomeItem.objects.bulk_create([IncomeItem(archive=archive, year=year, **r) for r in income_rows])
    RigidExpense.objects.bulk_create([RigidExpense(archive=archive, year=year, **r) for r in expense_rows])
    archive.assessment_year = year
    _assess(archive)
    _event(archive, ArchiveEvent.Kind.FINANCES, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user,
        "hardship.finances",
        archive,
        before=before,
        after={
            **_snapshot(archive),
            "year": year,
            "annual_income": archive.annual_income,
            "rigid_expenses": archive.rigid_expenses,
            "computed_category": archive.computed_category,
            "exclusions": archive.exclusions,
        },
        reason=reason,
    )
    return archive


def latest_checks(archive) -> list[DataCheck]:
    latest: dict[str, DataCheck] = {}
    for c in DataCheck.objects.filter(archive=archive).order_by("checked_on", "id"):
        latest[c.kind] = c
    return list(latest.values())


def _assess(archive: HardshipArchive) -> rules.Assessment:
    """Recompute the stored means-test fields of a locked archive for its assessment year."""
    year = archive.assessment_year
    _code, line = subsistence_line(archive.division_code, year)
    incomes = list(IncomeItem.objects.filter(archive=archive, year=year))
    expenses = list(RigidExpense.objects.filter(archive=archive, year=year))
    # No income item at all is "not recorded" (待核算), not a zero income.
    income = sum((i.amount for i in incomes), Decimal("0")) if incomes else None
    rigid = sum((e.amount for e in expenses if e.kind != RigidExpense.Kind.EMERGENCY), Decimal("0"))
    accident_costs = sum((e.amount for e in expenses if e.kind != RigidExpense.Kind.EDUCATION), Decimal("0"))
    household = list(archive.household.all())
    result = rules.categorise(
        annual_income=income,
        rigid_expenses=rigid,
        household_size=len(household),
        line=line,
        accident_costs=accident_costs,
        accident_event=archive.accident_event,
        migrant_worker=archive.is_migrant_worker,
        lives_in_city=archive.lives_in_city,
        employed_since=archive.employed_since,
        on=_today(),
    )
    found = rules.exclusions(household, latest_checks(archive))
    archive.household_size = len(household)
    archive.annual_income = income
    archive.rigid_expenses = rigid
    archive.per_capita = result.per_capita
    archive.subsistence_line = line
    archive.computed_category = result.category
    archive.computed_reason = result.reason[:300]
    archive.basis_category = result.basis_category
    archive.exclusions = [{"rule": e.rule, "message": e.message} for e in found]
    if not archive.category_overridden:
        archive.category = result.category
        archive.category_reason = result.reason[:300]
    archive.save()
    return result


@transaction.atomic
def do_override_category(*, acting_user, archive, category: str | None, person_name: str, reason: str):
    """Set the category by hand, with a written reason; `category=None` returns to the computed one."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in EDITABLE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能修改困难类别") % {"s": archive.get_status_display()}}
        )
    person_name, reason = _named(person_name), _reason(reason)
    before = {**_snapshot(archive), "overridden": archive.category_overridden}
    if category is None:
        archive.category_overridden = False
        archive.override_reason = ""
        archive.category = archive.computed_category
        archive.category_reason = archive.computed_reason
    else:
        if category not in Category.values:
            raise ValidationError({"category": _("无效的困难类别")})
        if archive.annual_income is None:
            raise ValidationError({"category": _("困难类别待核算：请先登记家庭收入完成测算，再人工认定")})
        archive.category_overridden = True
        archive.override_reason = reason
        archive.category = category
        archive.category_reason = _("人工认定：%(r)s") % {"r": reason}
    archive.save()
    _event(archive, ArchiveEvent.Kind.CATEGORY, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user,
        "hardship.category_override",
        archive,
        before=before,
        after={**_snapshot(archive), "overridden": archive.category_overridden, "computed": archive.computed_category},
        reason=reason,
    )
    return archive


# --- visits and checks -----------------------------------------------------------------------------


def _coordinate(value, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("坐标格式不正确")}) from None
    if not -limit <= number <= limit:
        raise ValidationError({field: _("坐标超出范围（±%(n)d）") % {"n": limit}})
    return number


@transaction.atomic
def do_record_visit(
    *, acting_user, archive, visited_on, visitors: str, findings: str, latitude=None, longitude=None
) -> HomeVisit:
    """入户调查. The first visit moves a discovered, applied or relapsed archive to `visited`;
    the visitors are the named persons and the findings the reason."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in VISIT_STATES:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能登记入户调查") % {"s": archive.get_status_display()}}
        )
    visited_on = _date(visited_on, "visited_on")
    if visited_on < archive.applied_on:
        raise ValidationError({"visited_on": _("调查日期不能早于发现/申请日期")})
    visitors = _text(visitors, "visitors", 200, message=_("请填写调查人员（至少一人）"))
    findings = _text(findings, "findings", 4000, message=_("请填写调查情况"))
    lat, lon = _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise ValidationError({"longitude": _("经纬度需同时填写")})
    visit = HomeVisit.objects.create(
        archive=archive,
        visited_on=visited_on,
        visitors=visitors,
        findings=findings,
        latitude=lat,
        longitude=lon,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    named = visitors[:30]
    if archive.status in BEFORE_VISIT:
        _transition(
            archive,
            S.VISITED,
            acting_user=acting_user,
            person_name=named,
            reason=findings[:300],
            action="hardship.visit",
            what=_("登记入户调查"),
            on=visited_on,
        )
    else:
        _event(
            archive, ArchiveEvent.Kind.VISIT, actor=acting_user, person_name=named, reason=findings[:300], on=visited_on
        )
        _audit(acting_user, "hardship.visit", archive, after={"visit": visit.pk, "visited_on": visited_on})
    return visit


@transaction.atomic
def do_record_check(
    *,
    acting_user,
    archive,
    kind: str,
    person_name: str,
    result: str = "",
    source: str = "",
    detail: str = "",
    checked_on=None,
) -> DataCheck:
    """Record one data check through the configured checker. When all four kinds (property,
    vehicles, business registration, social insurance) have a result, a visited archive moves
    to `checked`. An archive already assessed gets its exclusions recomputed."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in CHECK_STATES:
        if archive.status in BEFORE_VISIT:
            raise ValidationError({"status": _("请先完成入户调查，再进行数据核查")})
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能登记数据核查") % {"s": archive.get_status_display()}}
        )
    if kind not in DataCheck.Kind.values:
        raise ValidationError({"kind": _("核查项目应为房产、车辆、工商登记或社会保险")})
    person_name = _named(person_name)
    checked_on = _date(checked_on, "checked_on", default=_today())
    outcome = get_checker().run(archive, kind, result=result, source=source, detail=detail)
    row = DataCheck.objects.create(
        archive=archive,
        kind=kind,
        result=outcome.result,
        source=outcome.source,
        detail=outcome.detail,
        checker=outcome.checker,
        checked_on=checked_on,
        checked_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    summary = f"{row.get_kind_display()}：{row.get_result_display()}（{row.source}）"
    if archive.assessment_year:
        _assess(archive)
    done = _checked_kinds(archive)
    if archive.status == S.VISITED and done >= set(ALL_CHECK_KINDS):
        _event(
            archive, ArchiveEvent.Kind.CHECK, actor=acting_user, person_name=person_name, reason=summary, on=checked_on
        )
        _transition(
            archive,
            S.CHECKED,
            acting_user=acting_user,
            person_name=person_name,
            reason=_("房产、车辆、工商登记、社会保险四项核查已完成"),
            action="hardship.checks_complete",
            what=_("完成数据核查"),
            on=checked_on,
        )
    else:
        _event(
            archive, ArchiveEvent.Kind.CHECK, actor=acting_user, person_name=person_name, reason=summary, on=checked_on
        )
    _audit(acting_user, "hardship.check", archive, after={"kind": kind, "result": row.result, "source": row.source})
    return row


def _checked_kinds(archive) -> set[str]:
    """Kinds checked in the current assessment round (since the archive was opened or relapsed)."""
    start = (
        ArchiveEvent.objects.filter(archive=archive, to_status__in=list(BEFORE_VISIT))
        .order_by("-at", "-id")
        .values_list("on", flat=True)
        .first()
    )
    rows = DataCheck.objects.filter(archive=archive)
    if start:
        rows = rows.filter(checked_on__gte=start)
    return set(rows.values_list("kind", flat=True))


# --- review, notice, objections, approval ------------------------------------------------------------


def _assert_eligible(archive: HardshipArchive) -> None:
    if not archive.assessment_year or archive.annual_income is None:
        raise ValidationError({"finances": _("困难类别待核算：请先登记家庭收入和刚性支出，完成困难类别测算")})
    if archive.exclusions:
        names = "；".join(f"{e['message']}（规则 {e['rule']}）" for e in archive.exclusions)
        raise ValidationError({"exclusions": _("存在不予建档的情形：%(x)s") % {"x": names}})
    if not archive.category:
        raise ValidationError({"category": _("不符合困难职工认定条件：%(r)s") % {"r": archive.computed_reason}})


@transaction.atomic
def do_review(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """基层审核: the keeping union confirms the visit, the four checks and the category."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    check(archive.status, S.REVIEWED, _("审核"))
    person_name, reason = _named(person_name), _reason(reason)
    missing = set(ALL_CHECK_KINDS) - _checked_kinds(archive)
    if missing:
        labels = "、".join(str(DataCheck.Kind(k).label) for k in ALL_CHECK_KINDS if k in missing)
        raise ValidationError({"checks": _("尚未核查：%(k)s") % {"k": labels}})
    _assert_eligible(archive)
    return _transition(
        archive,
        S.REVIEWED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.review",
        what=_("审核"),
    )


def current_notice(archive) -> PublicNotice | None:
    return PublicNotice.objects.filter(archive=archive, superseded=False).order_by("-starts_on", "-id").first()


@transaction.atomic
def do_start_notice(
    *,
    acting_user,
    archive,
    place: str,
    person_name: str,
    reason: str,
    starts_on=None,
    working_days: int = NOTICE_WORKING_DAYS,
) -> PublicNotice:
    """公示 for `working_days` working days after `starts_on` (default today; 5 working days).
    A notice that has ended may be run again (after an upheld objection was corrected): the old
    one is kept, marked superseded."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    check(archive.status, S.NOTICE, _("公示"))
    person_name, reason = _named(person_name), _reason(reason)
    place = _text(place, "place", 200, message=_("请填写公示地点或方式"))
    starts_on = _date(starts_on, "starts_on", default=_today(), not_future=False)
    if starts_on < _today():
        raise ValidationError({"starts_on": _("公示开始日期不能早于今天")})
    if not isinstance(working_days, int) or not 1 <= working_days <= 30:
        raise ValidationError({"working_days": _("公示期应为1至30个工作日")})
    previous = current_notice(archive) if archive.status == S.NOTICE else None
    if previous is not None:
        if previous.ends_on >= _today():
            raise ValidationError({"status": _("公示尚未结束（至%(d)s），不能重新公示") % {"d": previous.ends_on}})
        if previous.objections.filter(resolved_at__isnull=True).exists():
            raise ValidationError({"objections": _("尚有未处理的异议")})
        previous.superseded = True
        previous.save(update_fields=["superseded"])
    notice = PublicNotice.objects.create(
        archive=archive,
        starts_on=starts_on,
        ends_on=add_working_days(starts_on, working_days),
        place=place,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _transition(
        archive,
        S.NOTICE,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.notice",
        what=_("公示"),
        on=starts_on,
    )
    return notice


@transaction.atomic
def do_log_objection(*, acting_user, archive, text: str, objector: str = "", received_on=None) -> NoticeObjection:
    """Record an objection received while the notice runs (anonymous objections are allowed)."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status != S.NOTICE:
        raise ValidationError({"status": _("档案当前状态为“%(s)s”，不在公示期") % {"s": archive.get_status_display()}})
    notice = current_notice(archive)
    received_on = _date(received_on, "received_on", default=_today())
    if not notice.is_running(received_on):
        raise ValidationError(
            {"received_on": _("异议应在公示期内（%(a)s至%(b)s）提出") % {"a": notice.starts_on, "b": notice.ends_on}}
        )
    text = _text(text, "text", 4000, message=_("请填写异议内容"))
    objector = _text(objector, "objector", 60, required=False)
    row = NoticeObjection.objects.create(
        notice=notice,
        received_on=received_on,
        objector=objector,
        text=text,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    named = getattr(acting_user, "display_name", "") or getattr(acting_user, "username", "") or _("系统")
    _event(
        archive,
        ArchiveEvent.Kind.OBJECTION,
        actor=acting_user,
        person_name=named[:30],
        reason=text[:300],
        on=received_on,
    )
    _audit(acting_user, "hardship.objection", archive, after={"objection": row.pk, "notice": notice.pk})
    return row


@transaction.atomic
def do_resolve_objection(
    *, acting_user, objection: NoticeObjection, outcome: str, resolution: str, person_name: str
) -> NoticeObjection:
    objection = NoticeObjection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    archive = _lock(objection.notice.archive)
    _require(acting_user, "hardship.change", archive.org)
    if objection.is_resolved:
        raise ValidationError(
            {"objection": _("该异议已于%(d)s处理") % {"d": timezone.localtime(objection.resolved_at).date()}}
        )
    if outcome not in NoticeObjection.Outcome.values:
        raise ValidationError({"outcome": _("请选择处理结果：异议成立或异议不成立")})
    person_name = _named(person_name)
    resolution = _text(resolution, "resolution", 4000, message=_("请填写处理情况"))
    objection.outcome = outcome
    objection.resolution = resolution
    objection.resolved_at = timezone.now()
    objection.resolved_by = acting_user if getattr(acting_user, "pk", None) else None
    objection.save()
    _event(
        archive,
        ArchiveEvent.Kind.OBJECTION_RESOLVED,
        actor=acting_user,
        person_name=person_name,
        reason=f"{objection.get_outcome_display()}：{resolution}"[:300],
    )
    _audit(acting_user, "hardship.objection_resolve", archive, after={"objection": objection.pk, "outcome": outcome})
    return objection


def _require_approver(acting_user, archive) -> Org:
    org = approving_org(archive.org, archive.level)
    if org is None:
        raise ValidationError({"level": _("找不到与建档标准对应的审批工会")})
    if acting_user is not None and not user_can(acting_user, "hardship.approve", org.path):
        raise ActionPermissionError(
            "hardship.approve",
            _("%(level)s档案须由“%(org)s”审批，您没有该工会的审批权限")
            % {"level": archive.get_level_display(), "org": org.name},
        )
    return org


@transaction.atomic
def do_approve(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """批准建档 by the union at the archive's level, after a notice that has ended with every
    objection resolved and none upheld. A relapsed household approved again is re-archived."""
    archive = _lock(archive)
    if acting_user is not None:
        _require(acting_user, "hardship.view", archive.org)
    approver = _require_approver(acting_user, archive)
    check(archive.status, S.ARCHIVED, _("批准建档"))
    person_name, reason = _named(person_name), _reason(reason)
    notice = current_notice(archive)
    today = _today()
    if notice.ends_on >= today:
        raise ValidationError({"notice": _("公示期至%(d)s，公示期间不能审批") % {"d": notice.ends_on}})
    objections = list(notice.objections.all())
    if any(not o.is_resolved for o in objections):
        raise ValidationError({"objections": _("公示异议尚未处理完毕，不能审批")})
    if any(o.outcome == NoticeObjection.Outcome.UPHELD for o in objections):
        raise ValidationError({"objections": _("公示异议成立，请核实整改后重新公示，或不予建档")})
    _assert_eligible(archive)
    return _transition(
        archive,
        S.ARCHIVED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.approve",
        what=_("批准建档"),
        archived_on=today,
        approved_org=approver,
        next_review_due=rules.review_due(today),
        times_archived=archive.times_archived + 1,
        exit_proposed_on=None,
        exit_considered_through=None,
    )


def _close_household(archive) -> None:
    HouseholdMember.objects.filter(archive=archive).update(active=False)


@transaction.atomic
def do_reject(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """不予建档, at any step before approval; the household's members are free again."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    check(archive.status, S.REJECTED, _("作不予建档处理"))
    person_name, reason = _named(person_name), _reason(reason)
    if archive.status == S.NOTICE:
        notice = current_notice(archive)
        if notice.objections.filter(resolved_at__isnull=True).exists():
            raise ValidationError({"objections": _("请先处理公示异议")})
    _close_household(archive)
    return _transition(
        archive,
        S.REJECTED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.reject",
        what=_("作不予建档处理"),
    )


# --- after archiving ----------------------------------------------------------------------------------


@transaction.atomic
def do_start_annual_review(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    person_name, reason = _named(person_name), _reason(reason)
    return _transition(
        archive,
        S.UNDER_REVIEW,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.annual_review_start",
        what=_("开始年度复核"),
    )


@transaction.atomic
def do_complete_annual_review(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """The household is still eligible: archived again, next review in a year. A review needs a
    visit since it started and the finances of this year or last year."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    check(archive.status, S.ARCHIVED, _("完成年度复核"))
    person_name, reason = _named(person_name), _reason(reason)
    started = (
        ArchiveEvent.objects.filter(archive=archive, to_status=S.UNDER_REVIEW)
        .order_by("-at", "-id")
        .values_list("on", flat=True)
        .first()
    )
    if not HomeVisit.objects.filter(archive=archive, visited_on__gte=started).exists():
        raise ValidationError({"visits": _("年度复核须入户调查，请先登记本次复核的入户调查")})
    if not archive.assessment_year or archive.assessment_year < _today().year - 1:
        raise ValidationError({"finances": _("请登记最近一年的家庭收支，重新测算困难类别")})
    try:
        _assert_eligible(archive)
    except ValidationError as e:
        raise ValidationError({**e.message_dict, "status": [_("不再符合条件，请办理脱困、解困或退档")]}) from None
    return _transition(
        archive,
        S.ARCHIVED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.annual_review_complete",
        what=_("完成年度复核"),
        next_review_due=rules.review_due(_today()),
    )


@transaction.atomic
def do_exit(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """脱困: decided by the approving union (usually on the exit rule's proposal)."""
    archive = _lock(archive)
    if acting_user is not None:
        _require(acting_user, "hardship.view", archive.org)
    _require_approver(acting_user, archive)
    check(archive.status, S.EXITED, _("办理脱困"))
    person_name, reason = _named(person_name), _reason(reason)
    return _transition(
        archive,
        S.EXITED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.exit",
        what=_("办理脱困"),
        exited_on=_today(),
        exit_proposed_on=None,
        next_review_due=None,
    )


@transaction.atomic
def do_relieve(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """解困: a household that cannot exit because of serious illness or disability moves to the
    government safety net, with ongoing union help."""
    archive = _lock(archive)
    if acting_user is not None:
        _require(acting_user, "hardship.view", archive.org)
    _require_approver(acting_user, archive)
    check(archive.status, S.RELIEVED, _("办理解困"))
    person_name, reason = _named(person_name), _reason(reason)
    if not archive.household.filter(health__in=[Health.SERIOUS, Health.DISABLED]).exists():
        raise ValidationError({"household": _("解困适用于因大病或残疾无法脱困的家庭，该户没有大病或残疾成员")})
    return _transition(
        archive,
        S.RELIEVED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.relieve",
        what=_("办理解困"),
        relieved_on=_today(),
        exit_proposed_on=None,
        next_review_due=None,
    )


@transaction.atomic
def do_remove(*, acting_user, archive, removal_reason: str, person_name: str, reason: str) -> HardshipArchive:
    """退档 (清档): the worker retired, transferred away or died, or the checks show ineligibility."""
    archive = _lock(archive)
    if acting_user is not None:
        _require(acting_user, "hardship.view", archive.org)
    _require_approver(acting_user, archive)
    check(archive.status, S.REMOVED, _("办理退档"))
    if removal_reason not in RemovalReason.values:
        raise ValidationError({"removal_reason": _("请选择退档原因：退休、调离、去世或不符合条件")})
    person_name, reason = _named(person_name), _reason(reason)
    _close_household(archive)
    return _transition(
        archive,
        S.REMOVED,
        acting_user=acting_user,
        person_name=person_name,
        reason=f"{RemovalReason(removal_reason).label}：{reason}"[:300],
        action="hardship.remove",
        what=_("办理退档"),
        removed_on=_today(),
        removal_reason=removal_reason,
        exit_proposed_on=None,
        next_review_due=None,
    )


@transaction.atomic
def do_relapse(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """返困: an exited household falls back; it goes through visit, checks, review, notice and
    approval again and is then re-archived."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    person_name, reason = _named(person_name), _reason(reason)
    return _transition(
        archive,
        S.RELAPSED,
        acting_user=acting_user,
        person_name=person_name,
        reason=reason,
        action="hardship.relapse",
        what=_("登记返困"),
    )


# --- monthly incomes and the exit rule -------------------------------------------------------------------


@transaction.atomic
def do_record_monthly_income(
    *, acting_user, archive, month, household_income, rigid_expenses=0, household_size: int | None = None
) -> MonthlyIncome:
    """One month's household income after archiving (the exit rule's input). One row per month."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in IN_ARCHIVE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能登记月收入") % {"s": archive.get_status_display()}}
        )
    month = rules.month_start(_date(month, "month"))
    if archive.archived_on and month < rules.month_start(archive.archived_on):
        raise ValidationError({"month": _("月份不能早于建档月份")})
    income = _money(household_income, "household_income")
    expenses = _money(rigid_expenses or 0, "rigid_expenses")
    size = archive.household_size if household_size is None else household_size
    if not isinstance(size, int) or not 1 <= size <= 30:
        raise ValidationError({"household_size": _("家庭人口应为1至30人")})
    if MonthlyIncome.objects.filter(archive=archive, month=month).exists():
        raise ValidationError({"month": _("%(m)s的月收入已登记") % {"m": f"{month:%Y-%m}"}})
    row = MonthlyIncome.objects.create(
        archive=archive,
        month=month,
        household_income=income,
        rigid_expenses=expenses,
        household_size=size,
        per_capita=rules.money((income - expenses) / size),
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _audit(
        acting_user,
        "hardship.monthly_income",
        archive,
        after={"month": f"{month:%Y-%m}", "per_capita": row.per_capita, "household_size": size},
    )
    return row


@transaction.atomic
def do_decline_exit_proposal(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """The officer keeps the household archived despite the exit rule; it is proposed again only
    when a later month is recorded and the rule still holds."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.exit_proposed_on is None:
        raise ValidationError({"status": _("该档案没有待处理的脱困建议")})
    person_name, reason = _named(person_name), _reason(reason)
    archive.exit_proposed_on = None
    archive.save(update_fields=["exit_proposed_on", "updated_at"])
    _event(archive, ArchiveEvent.Kind.EXIT_DECLINED, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user, "hardship.exit_decline", archive, after={"through": archive.exit_considered_through}, reason=reason
    )
    return archive


@transaction.atomic
def do_record_follow_up(*, acting_user, archive, called_on, caller: str, stable: bool, notes: str) -> FollowUpCall:
    """回访 of an exited household."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status != S.EXITED:
        raise ValidationError(
            {"status": _("只有已脱困的家庭需要回访（当前：%(s)s）") % {"s": archive.get_status_display()}}
        )
    called_on = _date(called_on, "called_on")
    if archive.exited_on and called_on < archive.exited_on:
        raise ValidationError({"called_on": _("回访日期不能早于脱困日期")})
    caller = _text(caller, "caller", 30, message=_("请填写回访人"))
    notes = _text(notes, "notes", 500, message=_("请填写回访情况"))
    row = FollowUpCall.objects.create(
        archive=archive,
        called_on=called_on,
        caller=caller,
        stable=bool(stable),
        notes=notes,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _event(
        archive, ArchiveEvent.Kind.FOLLOW_UP, actor=acting_user, person_name=caller, reason=notes[:300], on=called_on
    )
    _audit(acting_user, "hardship.follow_up", archive, after={"follow_up": row.pk, "stable": row.stable})
    return row


# --- the 低保 table -----------------------------------------------------------------------------------


@transaction.atomic
def do_set_subsistence_line(
    *, acting_user, division_code: str, year: int, monthly_amount, note: str = ""
) -> SubsistenceLine:
    """Enter or change a 低保 line. Allowed to a user holding hardship.approve at a union of that
    division (the city union sets its city's line) or to a superuser / system job."""
    code = (division_code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9):
        raise ValidationError({"division_code": _("行政区划代码应为6位或9位数字")})
    if not isinstance(year, int) or not 2000 <= year <= _today().year + 1:
        raise ValidationError({"year": _("年度应在2000年至明年之间")})
    amount = _money(monthly_amount, "monthly_amount")
    if amount <= 0:
        raise ValidationError({"monthly_amount": _("低保标准应大于0")})
    note = _text(note, "note", 200, required=False)
    orgs = list(Org.objects.filter(division_code=code, status="active").order_by("depth"))
    org = orgs[0] if orgs else None
    unrestricted = acting_user is None or user_scope_paths(acting_user, "hardship.approve") is None
    if not unrestricted and not any(user_can(acting_user, "hardship.approve", o.path) for o in orgs):
        raise ActionPermissionError(
            "hardship.approve", _("只有行政区划%(code)s所在工会的审批人员可以维护其低保标准") % {"code": code}
        )
    line = SubsistenceLine.objects.select_for_update().filter(division_code=code, year=year).first()
    before = None if line is None else {"monthly_amount": line.monthly_amount, "note": line.note}
    if line is None:
        line = SubsistenceLine(division_code=code, year=year)
    line.monthly_amount = amount
    line.note = note
    line.save()
    audit.record(
        actor=acting_user,
        action="hardship.subsistence_line",
        obj=line,
        org=org,
        before=before,
        after={"division_code": code, "year": year, "monthly_amount": amount, "note": note},
    )
    return line


# --- visit attachments and household corrections ----------------------------------------------------

ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".pdf": "application/pdf",
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def do_add_visit_attachment(*, acting_user, visit: HomeVisit, upload) -> VisitAttachment:
    """Attach a photo or PDF to a visit (`upload`: a Django File / UploadedFile). Images and PDFs
    up to 10 MB; the stored name is random, the original name is kept for display only."""
    from pathlib import PurePath

    visit = HomeVisit.objects.select_related("archive__org").get(pk=visit.pk)
    archive = _lock(visit.archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status in CLOSED:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能添加附件") % {"s": archive.get_status_display()}}
        )
    name = PurePath(getattr(upload, "name", "") or "").name
    ext = PurePath(name).suffix.lower()
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError({"file": _("只能上传照片（jpg、png、webp、heic）或 PDF 文件")})
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError({"file": _("文件为空")})
    limit = getattr(settings, "HARDSHIP_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)
    if size > limit:
        raise ValidationError({"file": _("文件不能超过%(n)dMB") % {"n": limit // (1024 * 1024)}})
    if not uploads.matches(upload, ext):
        raise ValidationError({"file": _("文件内容与扩展名不符，请上传真实的照片或 PDF 文件")})
    row = VisitAttachment(
        visit=visit,
        original_name=name[-120:],
        content_type=ATTACHMENT_TYPES[ext],
        size=size,
        uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    row.file.save(name, upload, save=False)
    stored, storage = row.file.name, row.file.storage
    # The file is written first; if the insert or the audit entry fails it is deleted again. (A
    # rollback of an enclosing transaction can still leave an orphan file: harmless, unreferenced.)
    try:
        row.save(force_insert=True)
        _audit(
            acting_user,
            "hardship.visit_attachment",
            archive,
            after={"visit": visit.pk, "attachment": row.pk, "content_type": row.content_type, "size": size},
        )
    except Exception:
        storage.delete(stored)
        raise
    return row


def _member_of(archive, member: HouseholdMember) -> HouseholdMember:
    try:
        return HouseholdMember.objects.get(pk=member.pk, archive=archive)
    except HouseholdMember.DoesNotExist:
        raise ValidationError({"member": _("该成员不属于此档案")}) from None


@transaction.atomic
def do_update_household_member(
    *, acting_user, archive, member: HouseholdMember, data: dict, person_name: str, reason: str
) -> HouseholdMember:
    """Correct or update one household member (health, employment, income, schooling …). The
    worker's own identity comes from the member registry and cannot be changed here."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in EDITABLE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能修改家庭成员") % {"s": archive.get_status_display()}}
        )
    member = _member_of(archive, member)
    person_name, reason = _named(person_name), _reason(reason)
    merged = {
        field: getattr(member, field)
        for field in (
            "relation",
            "name",
            "health",
            "illness",
            "disability_category",
            "disability_grade",
            "employment",
            "monthly_income",
            "schooling",
            "school",
            "grade",
            "school_kind",
            "annual_tuition",
            "public_tuition",
        )
    }
    merged["birth_date"] = member.birth_date
    merged.update(data)
    is_self = member.relation == Relation.SELF
    if is_self:
        merged.update(
            {"relation": Relation.SELF, "name": member.name, "doc_number": "", "birth_date": member.birth_date}
        )
    elif merged.get("relation") == Relation.SELF:
        raise ValidationError({"relation": _("本人已在档案中")})
    cleaned = _clean_member(merged)
    identity = cleaned.pop("identity")
    before = {"relation": member.relation, "health": member.health, "monthly_income": member.monthly_income}
    for field, value in cleaned.items():
        if is_self and field in ("birth_date", "sex"):
            continue
        if field == "sex" and not value:
            continue
        setattr(member, field, value)
    if identity is not None and not is_self:
        member.doc_type = identity.doc_type
        member.doc_cipher = crypto.encrypt(identity.number, DOC_PURPOSE)
        member.doc_index = doc_index(identity)
        member.doc_masked = identity.masked
        others = list(archive.household.exclude(pk=member.pk))
        _assert_not_archived_elsewhere([member, *others], archive)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError({"household": _("家庭成员已在另一户困难职工档案中（一户一档）")}) from None
    if archive.assessment_year:
        _assess(archive)
    _event(archive, ArchiveEvent.Kind.HOUSEHOLD, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user,
        "hardship.household_update",
        archive,
        before=before,
        after={
            "member": member.pk,
            "relation": member.relation,
            "health": member.health,
            "monthly_income": member.monthly_income,
        },
        reason=reason,
    )
    return member


@transaction.atomic
def do_remove_household_member(*, acting_user, archive, member: HouseholdMember, person_name: str, reason: str) -> None:
    """Take someone out of the household (moved out, died, entered by mistake). Not the worker."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in EDITABLE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能修改家庭成员") % {"s": archive.get_status_display()}}
        )
    member = _member_of(archive, member)
    if member.relation == Relation.SELF:
        raise ValidationError({"member": _("不能移除困难职工本人；不再符合条件请办理退档")})
    person_name, reason = _named(person_name), _reason(reason)
    before = _snapshot(archive)
    IncomeItem.objects.filter(member=member).update(member=None)
    removed = {"member": member.pk, "relation": member.relation, "doc": member.doc_masked}
    member.delete()
    archive.household_size = archive.household.count()
    archive.save(update_fields=["household_size", "updated_at"])
    if archive.assessment_year:
        _assess(archive)
    _event(archive, ArchiveEvent.Kind.HOUSEHOLD, actor=acting_user, person_name=person_name, reason=reason)
    _audit(
        acting_user,
        "hardship.household_remove",
        archive,
        before=before,
        after={**_snapshot(archive), **removed},
        reason=reason,
    )


# --- 一户一策 household plan -------------------------------------------------------------------------

PLAN_STATES = (S.REVIEWED, S.NOTICE, S.ARCHIVED, S.UNDER_REVIEW, S.RELIEVED)
PLAN_TRANSITIONS = {
    PlanMeasure.Status.PLANNED: {PlanMeasure.Status.IN_PROGRESS, PlanMeasure.Status.DONE, PlanMeasure.Status.CANCELLED},
    PlanMeasure.Status.IN_PROGRESS: {PlanMeasure.Status.DONE, PlanMeasure.Status.CANCELLED},
    PlanMeasure.Status.DONE: set(),
    PlanMeasure.Status.CANCELLED: set(),
}


@transaction.atomic
def do_add_plan_measure(
    *, acting_user, archive, measure: str, description: str, owner: str, due_on, person_name: str
) -> PlanMeasure:
    """Add a measure to the household plan (from review on; the plan belongs to archived households)."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in PLAN_STATES:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能制定帮扶措施") % {"s": archive.get_status_display()}}
        )
    if measure not in PlanMeasure.Measure.values:
        raise ValidationError({"measure": _("请从帮扶措施目录中选择")})
    person_name = _named(person_name)
    description = _text(description, "description", 300, message=_("请填写具体内容"))
    owner = _text(owner, "owner", 30, message=_("请填写责任人"))
    due_on = _date(due_on, "due_on", not_future=False)
    if due_on < _today():
        raise ValidationError({"due_on": _("完成期限不能早于今天")})
    row = PlanMeasure.objects.create(
        archive=archive,
        measure=measure,
        description=description,
        owner=owner,
        due_on=due_on,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    _event(
        archive,
        ArchiveEvent.Kind.PLAN,
        actor=acting_user,
        person_name=person_name,
        reason=f"{row.get_measure_display()}：{description}"[:300],
    )
    _audit(
        acting_user, "hardship.plan_add", archive, after={"measure": measure, "plan_measure": row.pk, "due_on": due_on}
    )
    return row


@transaction.atomic
def do_update_plan_measure(
    *, acting_user, measure: PlanMeasure, status: str, outcome: str, person_name: str
) -> PlanMeasure:
    """Move a measure on (in progress, done, cancelled), with its outcome or the reason it was dropped."""
    measure = PlanMeasure.objects.select_for_update().get(pk=measure.pk)
    archive = _lock(measure.archive)
    _require(acting_user, "hardship.change", archive.org)
    if status not in PlanMeasure.Status.values:
        raise ValidationError({"status": _("无效的状态")})
    if status not in PLAN_TRANSITIONS[measure.status]:
        raise TransitionError(
            _("措施当前状态为“%(s)s”，不能改为“%(t)s”")
            % {"s": measure.get_status_display(), "t": PlanMeasure.Status(status).label},
            current_state=measure.status,
        )
    person_name = _named(person_name)
    outcome = _text(outcome, "outcome", 300, message=_("请填写实施结果或取消原因"))
    before = {"status": measure.status}
    measure.status = status
    measure.outcome = outcome
    if status == PlanMeasure.Status.DONE:
        measure.completed_on = _today()
    measure.save()
    _event(
        archive,
        ArchiveEvent.Kind.PLAN,
        actor=acting_user,
        person_name=person_name,
        reason=f"{measure.get_measure_display()}：{measure.get_status_display()}，{outcome}"[:300],
    )
    _audit(
        acting_user,
        "hardship.plan_update",
        archive,
        before=before,
        after={"plan_measure": measure.pk, "status": status},
    )
    return measure


@transaction.atomic
def do_propose_exit(*, acting_user, archive, person_name: str, reason: str) -> HardshipArchive:
    """The officer proposes an exit by hand (the sweep proposes it when the 6-month rule holds): the
    household then waits in the "exits proposed" queue for 办理脱困 or 暂不脱困 like a swept one."""
    archive = _lock(archive)
    _require(acting_user, "hardship.change", archive.org)
    if archive.status not in IN_ARCHIVE:
        raise ValidationError(
            {"status": _("档案当前状态为“%(s)s”，不能建议脱困") % {"s": archive.get_status_display()}}
        )
    if archive.exit_proposed_on is not None:
        raise ValidationError({"status": _("该档案已有待处理的脱困建议")})
    person_name, reason = _named(person_name), _reason(reason)
    archive.exit_proposed_on = _today()
    archive.save(update_fields=["exit_proposed_on", "updated_at"])
    _event(archive, ArchiveEvent.Kind.EXIT_PROPOSED, actor=acting_user, person_name=person_name, reason=reason)
    _audit(acting_user, "hardship.exit_propose", archive, after={"on": archive.exit_proposed_on}, reason=reason)
    return archive
