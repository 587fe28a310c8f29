"""Every change to the org tree goes through these functions (DESIGN.md §3.1).

Each action is atomic, takes `acting_user` as a keyword-only argument (None only for
system jobs such as the demo loader), checks the permission on the affected subtree,
validates, writes, and appends its audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.errors import ActionPermissionError, TransitionError
from gonghui.core.scoping import user_can
from gonghui.core.tree import in_subtree, path_segment
from gonghui.core.validators import division_level, validate_division_code, validate_uscc
from gonghui.orgs import rollup
from gonghui.orgs.kinds import (
    DIVISION_LEVEL,
    LOCAL_FEDERATIONS,
    FederationKind,
    OrgKind,
    OrgStatus,
    can_hold,
)
from gonghui.orgs.models import Org

# Sent inside the merge transaction so that modules holding per-org rows (members,
# hardship archives …) move them to the surviving org. Receivers get source, target, acting_user.
org_merged = Signal()
# Sent inside the move transaction with the org and its old and new paths, for modules
# that keep a denormalised org path.
org_moved = Signal()

CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,39}$")
EDITABLE_FIELDS = (
    "name",
    "short_name",
    "code",
    "federation_kind",
    "division_code",
    "uscc",
    "certificate_no",
    "address",
    "latitude",
    "longitude",
    "employee_count",
    "established_on",
)


def _require(acting_user, permission: str, org: Org | None) -> None:
    if acting_user is None:
        return  # system job
    if not user_can(acting_user, permission, org.path if org else None):
        raise ActionPermissionError(
            permission,
            _("您没有在“%(org)s”执行此操作的权限（需要 %(perm)s）")
            % {"org": org.name if org else "-", "perm": permission},
        )
    if org is None and not acting_user.is_superuser:
        raise ActionPermissionError(permission, _("只有系统管理员可以创建根组织"))


def _require_active(org: Org, what: str) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise TransitionError(
            _("“%(org)s”当前状态为“%(state)s”，不能%(what)s")
            % {"org": org.name, "state": org.get_status_display(), "what": what},
            current_state=org.status,
        )


def _clean_text(value, field: str, max_length: int, required: bool, errors: dict) -> str:
    text = " ".join(str(value or "").replace("\u3000", " ").split())
    if required and not text:
        errors[field] = _("此项为必填项")
    elif len(text) > max_length:
        errors[field] = _("最多 %(n)d 个字符，当前 %(m)d 个") % {"n": max_length, "m": len(text)}
    return text


def _clean_coordinate(value, field: str, limit: int, errors: dict):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[field] = _("“%(v)s”不是数字") % {"v": value}
        return None
    if not -limit <= number <= limit:
        errors[field] = _("应在 -%(n)d 到 %(n)d 之间") % {"n": limit}
        return None
    return number


def clean_org_data(data: dict, *, kind: str, parent: Org | None, instance: Org | None = None) -> dict:
    """Validate and normalise org fields; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    current = instance.snapshot() if instance else {}

    def get(field, default=""):
        return data[field] if field in data else current.get(field, default)

    cleaned: dict = {}
    cleaned["name"] = _clean_text(get("name"), "name", 120, True, errors)
    cleaned["short_name"] = _clean_text(get("short_name"), "short_name", 40, False, errors)
    cleaned["address"] = _clean_text(get("address"), "address", 200, False, errors)
    cleaned["certificate_no"] = _clean_text(get("certificate_no"), "certificate_no", 40, False, errors)

    federation_kind = get("federation_kind") or ""
    if kind == OrgKind.FEDERATION:
        if federation_kind not in FederationKind.values:
            errors["federation_kind"] = _("工会联合会需选择类型：%(choices)s") % {
                "choices": "、".join(str(label) for label in FederationKind.labels)
            }
    elif federation_kind:
        errors["federation_kind"] = _("只有工会联合会需要填写联合会类型")
        federation_kind = ""
    cleaned["federation_kind"] = federation_kind

    division = str(get("division_code") or "").strip()
    if division:
        try:
            division = validate_division_code(division, DIVISION_LEVEL.get(kind))
        except ValidationError as e:
            errors["division_code"] = e.messages[0]
    elif kind in DIVISION_LEVEL:
        errors["division_code"] = _("%(kind)s必须填写行政区划代码") % {"kind": OrgKind(kind).label}
    if division and parent and parent.division_code and kind in DIVISION_LEVEL and "division_code" not in errors:
        # A city's districts carry codes inside the city's code; a mismatch is a typo. The
        # significant part is 2 digits for a province, 4 for a city, all of a district's or
        # street's code (stripping trailing zeros would cut real ones: 500000, 440310).
        significant = {"province": 2, "city": 4}.get(division_level(parent.division_code))
        prefix = parent.division_code[:significant]
        if parent.kind != OrgKind.NATIONAL and not division.startswith(prefix):
            errors["division_code"] = _("行政区划代码 %(code)s 不在上级“%(parent)s”（%(pcode)s）的辖区内") % {
                "code": division,
                "parent": parent.name,
                "pcode": parent.division_code,
            }
    cleaned["division_code"] = division

    uscc = str(get("uscc") or "").strip()
    if uscc:
        if kind not in (OrgKind.GROUP, OrgKind.BRANCH):
            try:
                uscc = validate_uscc(uscc)
            except ValidationError as e:
                errors["uscc"] = e.messages[0]
        else:
            errors["uscc"] = _("工会分会和小组不单独填写统一社会信用代码")
    cleaned["uscc"] = uscc

    cleaned["latitude"] = _clean_coordinate(get("latitude", None), "latitude", 90, errors)
    cleaned["longitude"] = _clean_coordinate(get("longitude", None), "longitude", 180, errors)

    employees = get("employee_count", 0)
    try:
        employees = int(employees or 0)
        if employees < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["employee_count"] = _("职工人数应为不小于0的整数")
        employees = 0
    cleaned["employee_count"] = employees

    established = get("established_on", None)
    if isinstance(established, str) and established:
        try:
            established = dt.date.fromisoformat(established)
        except ValueError:
            errors["established_on"] = _("日期格式应为 YYYY-MM-DD")
            established = None
    if established and established > timezone.localdate():
        errors["established_on"] = _("成立日期不能晚于今天")
    cleaned["established_on"] = established or None

    code = str(get("code") or "").strip().upper()
    if code and not CODE_RE.match(code):
        errors["code"] = _("组织代码只能包含数字、大写字母和“-”，2–40位")
    cleaned["code"] = code

    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_child_code(parent: Org | None, kind: str) -> str:
    base = parent.code if parent else kind.upper()
    n = Org.objects.filter(parent=parent).count() + 1
    while True:
        code = f"{base}-{n:03d}"
        if not Org.objects.filter(code=code).exists():
            return code
        n += 1


def _default_code(cleaned: dict, kind: str, parent: Org | None) -> str:
    if kind in LOCAL_FEDERATIONS and cleaned["division_code"]:
        return cleaned["division_code"]
    if kind == OrgKind.GRASSROOTS and cleaned["uscc"]:
        return cleaned["uscc"]
    return _next_child_code(parent, kind)


def _check_unique(cleaned: dict, kind: str, exclude_pk=None) -> None:
    errors = {}
    others = Org.objects.exclude(pk=exclude_pk) if exclude_pk else Org.objects.all()
    if cleaned["code"] and others.filter(code=cleaned["code"]).exists():
        errors["code"] = _("组织代码 %(code)s 已被使用") % {"code": cleaned["code"]}
    if cleaned["uscc"] and kind == OrgKind.GRASSROOTS:
        clash = others.filter(uscc=cleaned["uscc"], kind=OrgKind.GRASSROOTS, status=OrgStatus.ACTIVE).first()
        if clash:
            errors["uscc"] = _("该统一社会信用代码已登记为“%(org)s”的基层工会") % {"org": clash.name}
    if errors:
        raise ValidationError(errors)


def _province_id(org: Org, parent: Org | None):
    if org.kind == OrgKind.PROVINCE:
        return org.pk
    return parent.province_id if parent else None


@transaction.atomic
def do_create_org(*, acting_user, parent: Org | None, kind: str, data: dict, reason: str = "") -> Org:
    """Create an org under `parent` (None creates a root; superusers only)."""
    if parent is not None:
        parent = Org.objects.select_for_update().get(pk=parent.pk)
    _require(acting_user, "org.add", parent)
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("未知的组织类型“%(kind)s”") % {"kind": kind}})
    if parent is not None:
        _require_active(parent, _("新建下级组织"))
    if not can_hold(parent.kind if parent else None, kind):
        where = OrgKind(parent.kind).label if parent else _("根节点")
        raise ValidationError(
            {"kind": _("%(parent)s下不能设立%(kind)s") % {"parent": where, "kind": OrgKind(kind).label}}
        )
    cleaned = clean_org_data(data, kind=kind, parent=parent)
    cleaned["code"] = cleaned["code"] or _default_code(cleaned, kind, parent)
    _check_unique(cleaned, kind)
    org = Org(kind=kind, parent=parent, path="", depth=(parent.depth + 1) if parent else 0, **cleaned)
    org.save(force_insert=True)
    org.path = (parent.path if parent else "") + path_segment(org.pk)
    org.province_id = _province_id(org, parent)
    Org.objects.filter(pk=org.pk).update(path=org.path, province_id=org.province_id)
    if parent is not None:
        Org.objects.filter(pk=parent.pk).update(child_count=F("child_count") + 1)
    rollup.apply({org.path: rollup.structural(org.kind, org.status, org.employee_count)})
    audit.record(actor=acting_user, action="org.create", obj=org, org=org, after=org.snapshot(), reason=reason)
    return org


@transaction.atomic
def do_update_org(*, acting_user, org: Org, data: dict, reason: str = "") -> Org:
    """Change an org's descriptive fields. Kind, parent and status change through their own actions."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    _require(acting_user, "org.change", org)
    _require_active(org, _("修改"))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("此字段不能在这里修改") for field in sorted(unknown)})
    before = org.snapshot()
    cleaned = clean_org_data(data, kind=org.kind, parent=org.parent, instance=org)
    cleaned["code"] = cleaned["code"] or org.code
    _check_unique(cleaned, org.kind, exclude_pk=org.pk)
    changed = {k: v for k, v in cleaned.items() if before.get(k) != v}
    if not changed:
        return org
    for field, value in changed.items():
        setattr(org, field, value)
    org.save(update_fields=[*changed, "updated_at"])
    if "employee_count" in changed:
        rollup.apply(
            {
                org.path: {
                    "employees": rollup.structural(org.kind, org.status, org.employee_count).get("employees", 0)
                    - rollup.structural(org.kind, org.status, before["employee_count"]).get("employees", 0)
                }
            }
        )
    audit.record(
        actor=acting_user,
        action="org.update",
        obj=org,
        org=org,
        before={k: before[k] for k in changed},
        after={k: getattr(org, k) for k in changed},
        reason=reason,
    )
    return org


@transaction.atomic
def do_move_org(*, acting_user, org: Org, new_parent: Org, reason: str) -> Org:
    """Move an org and its whole subtree under `new_parent`: one UPDATE rewrites every path."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
    _require(acting_user, "org.change", org)
    _require(acting_user, "org.add", new_parent)
    _require_active(org, _("移动"))
    _require_active(new_parent, _("接收下级组织"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("移动组织需要填写原因")})
    if org.parent_id is None:
        raise ValidationError({"new_parent": _("根组织不能移动")})
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise ValidationError({"new_parent": _("不能把组织移动到它自己或它的下级之下")})
    if new_parent.pk == org.parent_id:
        raise ValidationError(
            {"new_parent": _("“%(org)s”已经在“%(parent)s”之下") % {"org": org.name, "parent": new_parent.name}}
        )
    if not can_hold(new_parent.kind, org.kind):
        raise ValidationError(
            {
                "new_parent": _("%(parent)s下不能设立%(kind)s")
                % {"parent": OrgKind(new_parent.kind).label, "kind": OrgKind(org.kind).label}
            }
        )
    return _move_subtree(acting_user, org, new_parent, reason)


def _move_subtree(acting_user, org: Org, new_parent: Org, reason: str) -> Org:
    """Rewrite the paths of `org`'s subtree under `new_parent` (both locked and checked by the caller)."""
    old_parent_id, old_path = org.parent_id, org.path
    new_path = new_parent.path + path_segment(org.pk)
    # The subtree's totals leave the old ancestors and join the new ones.
    carried = rollup.subtree_totals(Org.objects.get(pk=org.pk))
    old_parent_path = Org.objects.values_list("path", flat=True).get(pk=old_parent_id)
    rollup.apply({old_parent_path: rollup.negate(carried)})
    rollup.apply({new_parent.path: carried})
    depth_delta = new_parent.depth + 1 - org.depth
    subtree = Org.objects.filter(in_subtree("path", old_path))
    updates = {
        "path": Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        "depth": F("depth") + depth_delta,
    }
    if org.kind != OrgKind.PROVINCE:
        # Provinces hang only under 全总, which is a root and never moves, so a moved
        # subtree below province level holds no province of its own.
        updates["province_id"] = new_parent.province_id
    moved = subtree.update(**updates)
    Org.objects.filter(pk=org.pk).update(parent=new_parent)
    Org.objects.filter(pk=old_parent_id).update(child_count=F("child_count") - 1)
    Org.objects.filter(pk=new_parent.pk).update(child_count=F("child_count") + 1)
    org.refresh_from_db()
    org_moved.send(sender=Org, org=org, old_path=old_path, new_path=new_path, acting_user=acting_user)
    audit.record(
        actor=acting_user,
        action="org.move",
        obj=org,
        org=org,
        before={"parent": old_parent_id, "path": old_path},
        after={"parent": new_parent.pk, "path": new_path, "subtree_size": moved},
        reason=reason,
    )
    return org


@transaction.atomic
def do_close_org(*, acting_user, org: Org, reason: str, closed_on: dt.date | None = None) -> Org:
    """Close (撤销) an org. Refused while it still has active sub-orgs: move or close them first."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    _require(acting_user, "org.close", org)
    _require_active(org, _("撤销"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("撤销组织需要填写原因")})
    if org.parent_id is None:
        raise ValidationError({"__all__": _("根组织不能撤销")})
    active_children = org.children.filter(status=OrgStatus.ACTIVE).count()
    if active_children:
        raise TransitionError(
            _("“%(org)s”还有 %(n)d 个正常状态的下级组织，请先移动或撤销它们") % {"org": org.name, "n": active_children},
            current_state=org.status,
        )
    before = org.snapshot()
    org.status = OrgStatus.CLOSED
    org.closed_on = closed_on or timezone.localdate()
    org.save(update_fields=["status", "closed_on", "updated_at"])
    rollup.apply({org.path: rollup.negate(rollup.structural(org.kind, OrgStatus.ACTIVE, org.employee_count))})
    Org.objects.filter(pk=org.parent_id).update(child_count=F("child_count") - 1)
    audit.record(
        actor=acting_user,
        action="org.close",
        obj=org,
        org=org,
        before={"status": before["status"]},
        after={"status": org.status, "closed_on": org.closed_on},
        reason=reason,
    )
    return org


@transaction.atomic
def do_merge_org(*, acting_user, source: Org, target: Org, reason: str) -> Org:
    """Merge `source` into `target`: children and members move, the source keeps its history.

    Modules with per-org rows move them in their `org_merged` receivers, inside this
    transaction, so a merge is all or nothing.
    """
    source = Org.objects.select_for_update().get(pk=source.pk)
    target = Org.objects.select_for_update().get(pk=target.pk)
    _require(acting_user, "org.close", source)
    _require(acting_user, "org.change", target)
    _require_active(source, _("合并"))
    _require_active(target, _("接收合并"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("合并组织需要填写原因")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("不能把组织合并到它自己")})
    if source.parent_id is None:
        raise ValidationError({"__all__": _("根组织不能被合并")})
    if target.path.startswith(source.path):
        raise ValidationError({"target": _("不能合并到自己的下级组织")})
    if source.kind != target.kind:
        raise ValidationError(
            {
                "target": _("只能合并同类型的组织（%(a)s ≠ %(b)s）")
                % {"a": OrgKind(source.kind).label, "b": OrgKind(target.kind).label}
            }
        )
    children = list(source.children.select_for_update().filter(status=OrgStatus.ACTIVE).order_by("pk"))
    for child in children:
        # Same kind as the source, so the target can hold every child; each move is audited
        # under the merging user (their org.close on the source covers its subtree).
        _move_subtree(
            acting_user,
            child,
            target,
            _("随“%(src)s”并入“%(dst)s”") % {"src": source.name, "dst": target.name},
        )
        target.refresh_from_db()
    Org.objects.filter(pk=source.parent_id).update(child_count=F("child_count") - 1)
    before_target = target.employee_count
    Org.objects.filter(pk=target.pk).update(employee_count=F("employee_count") + source.employee_count)
    # The source stops counting as an org; its employees now count at the target (same kind).
    rollup.apply({source.path: rollup.negate(rollup.structural(source.kind, OrgStatus.ACTIVE, source.employee_count))})
    rollup.apply(
        {
            target.path: {
                "employees": rollup.structural(source.kind, OrgStatus.ACTIVE, source.employee_count).get("employees", 0)
            }
        }
    )
    org_merged.send(sender=Org, source=source, target=target, acting_user=acting_user)
    source.status = OrgStatus.MERGED
    source.merged_into = target
    source.closed_on = timezone.localdate()
    source.save(update_fields=["status", "merged_into", "closed_on", "updated_at"])
    target.refresh_from_db()
    audit.record(
        actor=acting_user,
        action="org.merge",
        obj=source,
        org=source,
        before={"status": OrgStatus.ACTIVE},
        after={"status": source.status, "merged_into": target.pk, "children_moved": len(children)},
        reason=reason,
    )
    audit.record(
        actor=acting_user,
        action="org.merge_receive",
        obj=target,
        org=target,
        before={"employee_count": before_target},
        after={"employee_count": target.employee_count, "merged_from": source.pk},
        reason=reason,
    )
    return target


def _subtree_totals_of_specs(rows: list[tuple[dict, dict]]) -> tuple[dict, dict[str, int]]:
    """Subtree totals of each new org (by spec key), and of the whole batch, before any insert."""
    totals: dict = {}
    parents = {spec["key"]: spec.get("parent_key") for spec, _cleaned in rows}
    batch_total = dict.fromkeys(rollup.KEYS, 0)
    for spec, cleaned in rows:
        totals.setdefault(spec["key"], dict.fromkeys(rollup.KEYS, 0))
        own = rollup.structural(spec["kind"], OrgStatus.ACTIVE, cleaned["employee_count"])
        key = spec["key"]
        while key is not None:
            row = totals.setdefault(key, dict.fromkeys(rollup.KEYS, 0))
            for name, value in own.items():
                row[name] += value
            key = parents.get(key)
        for name, value in own.items():
            batch_total[name] += value
    return totals, batch_total


@transaction.atomic
def do_bulk_create_orgs(*, acting_user, parent: Org, specs: list[dict], job: str) -> list[Org]:
    """Create many orgs below `parent` in one transaction (demo data, org imports).

    `specs` are dicts with `key`, `parent_key` (None for children of `parent`), `kind` and
    `data`; a spec's parent must come before it. Every row is validated first and all errors
    are reported together by row; nothing is written unless every row is valid. Rows are
    inserted level by level with bulk inserts, and the batch leaves one audit entry that
    names the job and its counts (DESIGN.md §3.5).
    """
    parent = Org.objects.select_for_update().get(pk=parent.pk)
    _require(acting_user, "org.add", parent)
    _require_active(parent, _("新建下级组织"))
    # key → the row's parent as far as validation needs it (kind, name, division code).
    parents: dict = {None: parent}
    errors: dict[str, list[str]] = {}
    cleaned_rows = []
    codes: set[str] = set()
    usccs: dict[str, int] = {}
    for number, spec in enumerate(specs, start=1):
        kind, parent_key = spec["kind"], spec.get("parent_key")
        if parent_key not in parents:
            errors.setdefault(f"row {number}", []).append(_("上级 %(k)s 不在它之前") % {"k": parent_key})
            continue
        up = parents[parent_key]
        if kind not in OrgKind.values or not can_hold(up.kind, kind):
            errors.setdefault(f"row {number}", []).append(_("%(p)s下不能设立%(k)s") % {"p": up.kind, "k": kind})
            continue
        try:
            cleaned = clean_org_data(spec["data"], kind=kind, parent=up)
        except ValidationError as e:
            errors.setdefault(f"row {number}", []).extend(f"{f}: {m}" for f, ms in e.message_dict.items() for m in ms)
            continue
        if not cleaned["code"]:
            errors.setdefault(f"row {number}", []).append(_("批量创建时必须提供组织代码"))
            continue
        if cleaned["code"] in codes:
            errors.setdefault(f"row {number}", []).append(_("组织代码 %(c)s 在本批中重复") % {"c": cleaned["code"]})
        codes.add(cleaned["code"])
        if kind == OrgKind.GRASSROOTS and cleaned["uscc"]:
            if cleaned["uscc"] in usccs:
                errors.setdefault(f"row {number}", []).append(
                    _("统一社会信用代码 %(u)s 与第 %(n)d 行重复") % {"u": cleaned["uscc"], "n": usccs[cleaned["uscc"]]}
                )
            usccs.setdefault(cleaned["uscc"], number)
        parents[spec["key"]] = Org(kind=kind, name=cleaned["name"], division_code=cleaned["division_code"])
        cleaned_rows.append((number, spec, cleaned))
    taken = set()
    code_list = sorted(codes)
    for i in range(0, len(code_list), 900):
        taken.update(Org.objects.filter(code__in=code_list[i : i + 900]).values_list("code", flat=True))
    registered = {}
    uscc_list = sorted(usccs)
    for i in range(0, len(uscc_list), 900):
        registered.update(
            Org.objects.filter(
                uscc__in=uscc_list[i : i + 900], kind=OrgKind.GRASSROOTS, status=OrgStatus.ACTIVE
            ).values_list("uscc", "name")
        )
    for number, spec, cleaned in cleaned_rows:
        if cleaned["code"] in taken:
            errors.setdefault(f"row {number}", []).append(_("组织代码 %(c)s 已被使用") % {"c": cleaned["code"]})
        if spec["kind"] == OrgKind.GRASSROOTS and cleaned["uscc"] in registered:
            errors.setdefault(f"row {number}", []).append(
                _("该统一社会信用代码已登记为“%(org)s”的基层工会") % {"org": registered[cleaned["uscc"]]}
            )
    cleaned_rows = [(spec, cleaned) for _number, spec, cleaned in cleaned_rows]
    if errors:
        raise ValidationError(errors)

    totals, batch_total = _subtree_totals_of_specs(cleaned_rows)
    by_key: dict = {None: parent}
    pending = list(cleaned_rows)
    created: list[Org] = []
    while pending:
        level = [(s, c) for s, c in pending if s.get("parent_key") in by_key]
        pending = [(s, c) for s, c in pending if s.get("parent_key") not in by_key]
        orgs = []
        for spec, cleaned in level:
            up = by_key[spec.get("parent_key")]
            sub = {rollup.FIELDS[name]: value for name, value in totals[spec["key"]].items()}
            orgs.append(Org(kind=spec["kind"], parent=up, path="", depth=up.depth + 1, **cleaned, **sub))
        Org.objects.bulk_create(orgs, batch_size=1000)
        if any(o.pk is None for o in orgs):  # older SQLite cannot return ids from bulk inserts
            ids = dict(Org.objects.filter(code__in=[o.code for o in orgs]).values_list("code", "pk"))
            for o in orgs:
                o.pk = ids[o.code]
        child_counts: dict[int, int] = {}
        for (spec, _cleaned), org in zip(level, orgs, strict=True):
            up = by_key[spec.get("parent_key")]
            org.path = up.path + path_segment(org.pk)
            org.province_id = org.pk if org.kind == OrgKind.PROVINCE else up.province_id
            child_counts[up.pk] = child_counts.get(up.pk, 0) + 1
            by_key[spec["key"]] = org
        Org.objects.bulk_update(orgs, ["path", "province_id"], batch_size=1000)
        for pk, n in child_counts.items():
            Org.objects.filter(pk=pk).update(child_count=F("child_count") + n)
        created.extend(orgs)
    rollup.apply({parent.path: batch_total})
    by_kind: dict[str, int] = {}
    for org in created:
        by_kind[org.kind] = by_kind.get(org.kind, 0) + 1
    audit.record(
        actor=acting_user,
        action="org.bulk_create",
        obj=parent,
        org=parent,
        after={
            "job": job,
            "created": len(created),
            "by_kind": by_kind,
            "first_id": created[0].pk if created else None,
            "last_id": created[-1].pk if created else None,
        },
    )
    return created
