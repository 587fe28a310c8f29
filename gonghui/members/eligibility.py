"""The member rule language (DOMAIN.md §8): which members may use a service, claim a voucher, enrol in a course.

It lives in `members` (DESIGN.md §2) because benefits, learning, jobs and push all use it.
A rule is a JSON object stored on the service, campaign or course. Every key is optional; an empty
rule still asks for what DOMAIN.md §2 says every benefit needs (an active membership, a
verified identity and an activated e-member card):

    {
      "statuses": ["active"],            membership statuses allowed (default: active)
      "verified": true,                  real-name verified identity (default: true)
      "card": true,                      an activated, unexpired e-member card (default: true)
      "orgs": ["440305"],                org codes: the member's org must lie in one of their subtrees
      "worker_types": ["gig"],           people.choices.WorkerType values
      "gig_subtypes": ["delivery"],      people.choices.GigSubtype values
      "age_min": 18, "age_max": 60,      age in whole years on the day of evaluation
      "skill_levels": ["三级/高级工"],    any of these vocational levels
      "hardship": "archived"             a pluggable condition (see below)
    }

The same rule is used two ways, and both must agree:
- `evaluate(rule, membership)` → `Verdict(eligible, reasons)`, reasons in Chinese for the member;
- `segment(rule)` → a `Q` over `Membership` for bulk issue and counts.

Pluggable conditions: another app provides a named condition without importing benefits (the
allowed import directions forbid it): its AppConfig names a factory by dotted path,

    class HardshipConfig(AppConfig):
        member_conditions = {"hardship": "gonghui.hardship.benefits.archive_condition"}

and the factory returns any object with `label`, `values` ({value: Chinese label}),
`check(membership, value)` → True / False / None and `segment(value)` → Q over Membership or None
(optionally `unknown_reason`, `fail_reason(value)`). `MembersConfig.ready()` collects them
(`discover()`); the older attribute name `benefit_conditions` is still read. Until the hardship
app provides "hardship" ("archived" / "not_archived"), the condition answers "unknown", which is
never eligible, and its segment is empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.tree import in_any_subtree
from gonghui.members.states import MembershipStatus
from gonghui.people.choices import SKILL_LEVELS, GigSubtype, WorkerType

KNOWN_KEYS = {
    "statuses",
    "verified",
    "card",
    "orgs",
    "worker_types",
    "gig_subtypes",
    "age_min",
    "age_max",
    "skill_levels",
}


# --- pluggable conditions ------------------------------------------------------------------------


@dataclass
class Condition:
    """A named condition another app provides.

    `check(membership, value)` → True / False / None (None: cannot tell, which is not eligible);
    `segment(value)` → a Q over Membership, or None when the condition cannot be queried (empty segment);
    `values` the accepted values with their Chinese labels; `unknown_reason` what a member reads on None.
    """

    label: str
    values: dict[str, str]
    check: Callable[[object, str], bool | None]
    segment: Callable[[str], Q | None]
    unknown_reason: str = ""
    fail_reason: Callable[[str], str] | None = None


CONDITIONS: dict[str, Condition] = {}


def register_condition(name: str, condition: Condition) -> None:
    """Provide (or replace) a named condition; call it from the providing app's `AppConfig.ready()`."""
    CONDITIONS[name] = condition


def _hardship_placeholder() -> Condition:
    return Condition(
        label="困难职工档案",
        values={"archived": "在档困难职工", "not_archived": "非在档困难职工"},
        check=lambda membership, value: None,
        segment=lambda value: None,
        unknown_reason="暂时无法核实困难职工档案状态，请联系所在工会",
    )


# Until the hardship app registers the real check, "hardship" is known but never satisfied.
register_condition("hardship", _hardship_placeholder())


def discover(configs=None) -> list[str]:
    """Register the conditions apps declare in `AppConfig.member_conditions`; returns their names.

    The attribute's former name `benefit_conditions` (from when the language lived in benefits) is read too.
    """
    from django.apps import apps
    from django.utils.module_loading import import_string

    found = []
    for config in configs if configs is not None else apps.get_app_configs():
        declared = {**getattr(config, "benefit_conditions", {}), **getattr(config, "member_conditions", {})}
        for name, path in declared.items():
            provided = import_string(path)()
            register_condition(
                name,
                Condition(
                    label=provided.label,
                    values=dict(provided.values),
                    check=provided.check,
                    segment=provided.segment,
                    unknown_reason=getattr(provided, "unknown_reason", ""),
                    fail_reason=getattr(provided, "fail_reason", None),
                ),
            )
            found.append(name)
    return found


# --- the rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    statuses: tuple[str, ...] = (MembershipStatus.ACTIVE,)
    verified: bool = True
    card: bool = True
    orgs: tuple[str, ...] = ()
    worker_types: tuple[str, ...] = ()
    gig_subtypes: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    skill_levels: tuple[str, ...] = ()
    conditions: tuple[tuple[str, str], ...] = ()

    def to_data(self) -> dict:
        data: dict = {"statuses": list(self.statuses), "verified": self.verified, "card": self.card}
        for key in ("orgs", "worker_types", "gig_subtypes", "skill_levels"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        for key in ("age_min", "age_max"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data.update(dict(self.conditions))
        return data


def _list(data: dict, key: str, allowed: dict[str, str], errors: list[str]) -> tuple[str, ...]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(_("“%(key)s”应为文本列表") % {"key": key})
        return ()
    wrong = [v for v in value if allowed and v not in allowed]
    if wrong:
        errors.append(
            _("“%(key)s”中的取值无效：%(wrong)s；可选：%(allowed)s")
            % {"key": key, "wrong": "、".join(wrong), "allowed": "、".join(allowed)}
        )
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _age(data: dict, key: str, errors: list[str]) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        errors.append(_("“%(key)s”应为 0–120 之间的整数") % {"key": key})
        return None
    return value


def parse_rule(data) -> Rule:
    """Validate rule data (a dict, or None for the default rule); raise ValidationError({"rule": …})."""
    if data is None:
        data = {}
    if isinstance(data, Rule):
        return data
    if not isinstance(data, dict):
        raise ValidationError({"rule": [_("领取条件应为 JSON 对象")]})
    errors: list[str] = []
    unknown = sorted(set(data) - KNOWN_KEYS - set(CONDITIONS))
    if unknown:
        errors.append(_("未知的条件：%(keys)s") % {"keys": "、".join(unknown)})
    # Allowed values only (no labels: translating every label cost more than the rest of a claim).
    statuses = _list(data, "statuses", dict.fromkeys(MembershipStatus.values), errors)
    rule_kwargs = {
        "statuses": statuses or (MembershipStatus.ACTIVE,),
        "orgs": tuple(code.upper() for code in _list(data, "orgs", {}, errors)),
        "worker_types": _list(data, "worker_types", dict.fromkeys(WorkerType.values), errors),
        "gig_subtypes": _list(data, "gig_subtypes", dict.fromkeys(GigSubtype.values), errors),
        "skill_levels": _list(data, "skill_levels", dict.fromkeys(SKILL_LEVELS), errors),
        "age_min": _age(data, "age_min", errors),
        "age_max": _age(data, "age_max", errors),
    }
    for key in ("verified", "card"):
        value = data.get(key, True)
        if not isinstance(value, bool):
            errors.append(_("“%(key)s”应为 true 或 false") % {"key": key})
            value = True
        rule_kwargs[key] = value
    low, high = rule_kwargs["age_min"], rule_kwargs["age_max"]
    if low is not None and high is not None and low > high:
        errors.append(_("最小年龄不能大于最大年龄"))
    conditions = []
    for name, condition in CONDITIONS.items():
        if name in data and data[name] not in (None, ""):
            if data[name] not in condition.values:
                errors.append(
                    _("“%(key)s”应为以下之一：%(allowed)s") % {"key": name, "allowed": "、".join(condition.values)}
                )
            else:
                conditions.append((name, data[name]))
    if errors:
        raise ValidationError({"rule": errors})
    return Rule(conditions=tuple(conditions), **rule_kwargs)


def rule_data(data) -> dict:
    """Validated, normalised rule data to store."""
    return parse_rule(data).to_data()


# --- evaluation ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    eligible: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.eligible


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year - years, day=28)


def age_bounds(rule: Rule, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(born after, born on or before): age ≤ age_max ⇔ born after the first; age ≥ age_min ⇔ born by the second."""
    born_after = _years_before(today, rule.age_max + 1) if rule.age_max is not None else None
    born_by = _years_before(today, rule.age_min) if rule.age_min is not None else None
    return born_after, born_by


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class OrgResolver:
    """Org codes → (paths, names), cached for one evaluation batch (orgs rarely move; never cached across calls)."""

    def __init__(self):
        self._cache: dict[str, tuple[str, str] | None] = {}

    def resolve(self, codes) -> list[tuple[str, str]]:
        missing = [c for c in codes if c not in self._cache]
        if missing:
            from gonghui.orgs.models import Org

            found = {
                code: (path, name)
                for code, path, name in Org.objects.filter(code__in=missing).values_list("code", "path", "name")
            }
            for code in missing:
                self._cache[code] = found.get(code)
        return [self._cache[c] for c in codes if self._cache[c] is not None]


def has_active_card(membership, now=None) -> bool:
    """An activated, unexpired card; uses an annotation `has_card` or prefetched cards when present."""
    if hasattr(membership, "has_card"):
        return bool(membership.has_card)
    from gonghui.members.models import Card

    now = now or timezone.now()
    return Card.objects.filter(membership=membership, status=Card.Status.ACTIVE, expires_at__gt=now).exists()


def active_card_exists(now=None):
    """Exists() over the membership's active, unexpired cards, to annotate as `has_card`."""
    from gonghui.members.models import Card

    return Exists(
        Card.objects.filter(membership=OuterRef("pk"), status=Card.Status.ACTIVE, expires_at__gt=now or timezone.now())
    )


def evaluate(rule, membership, *, today: dt.date | None = None, orgs: OrgResolver | None = None) -> Verdict:
    """Is this membership eligible under the rule? Every failed condition gives one reason (Chinese)."""
    rule = parse_rule(rule)
    if membership is None:
        return Verdict(False, [_("您还不是工会会员，入会后即可享受")])
    today = today or timezone.localdate()
    person = membership.person
    reasons: list[str] = []
    if membership.status not in rule.statuses:
        reasons.append(
            _("会籍状态为“%(state)s”，本项仅限：%(allowed)s")
            % {
                "state": MembershipStatus(membership.status).label,
                "allowed": "、".join(str(MembershipStatus(s).label) for s in rule.statuses),
            }
        )
    if rule.verified and person.verified_at is None:
        reasons.append(_("尚未完成实名认证"))
    if rule.card and not has_active_card(membership):
        reasons.append(_("电子会员卡未激活或已失效"))
    if rule.orgs:
        resolved = (orgs or OrgResolver()).resolve(rule.orgs)
        if not any(membership.org_path.startswith(path) for path, _name in resolved):
            names = "、".join(name for _path, name in resolved) or "、".join(rule.orgs)
            reasons.append(_("仅限%(orgs)s所属会员") % {"orgs": names})
    if rule.worker_types and membership.worker_type not in rule.worker_types:
        reasons.append(
            _("仅限职工类型：%(types)s") % {"types": "、".join(str(WorkerType(t).label) for t in rule.worker_types)}
        )
    if rule.gig_subtypes and membership.gig_subtype not in rule.gig_subtypes:
        reasons.append(_("仅限：%(types)s") % {"types": "、".join(str(GigSubtype(t).label) for t in rule.gig_subtypes)})
    if rule.age_min is not None or rule.age_max is not None:
        born_after, born_by = age_bounds(rule, today)
        birth = person.birth_date
        if birth is None:
            reasons.append(_("缺少出生日期，无法确认年龄"))
        elif (born_after is not None and birth <= born_after) or (born_by is not None and birth > born_by):
            reasons.append(
                _("仅限 %(low)s–%(high)s 周岁（您 %(age)s 周岁）")
                % {
                    "low": rule.age_min if rule.age_min is not None else 0,
                    "high": rule.age_max if rule.age_max is not None else "",
                    "age": age_on(birth, today),
                }
            )
    if rule.skill_levels and membership.skill_level not in rule.skill_levels:
        reasons.append(_("仅限技能等级：%(levels)s") % {"levels": "、".join(rule.skill_levels)})
    for name, value in rule.conditions:
        condition = CONDITIONS[name]
        outcome = condition.check(membership, value)
        if outcome is None:
            reasons.append(condition.unknown_reason or _("暂时无法核实：%(label)s") % {"label": condition.label})
        elif not outcome:
            reasons.append(
                condition.fail_reason(value)
                if condition.fail_reason
                else _("仅限%(v)s") % {"v": condition.values[value]}
            )
    return Verdict(not reasons, reasons)


def segment(rule, *, today: dt.date | None = None, now=None) -> Q:
    """The rule as a filter over Membership (the same conditions as `evaluate`)."""
    rule = parse_rule(rule)
    today = today or timezone.localdate()
    q = Q(status__in=list(rule.statuses))
    if rule.verified:
        q &= Q(person__verified_at__isnull=False)
    if rule.card:
        q &= Q(active_card_exists(now))
    if rule.orgs:
        paths = [path for path, _name in OrgResolver().resolve(rule.orgs)]
        q &= in_any_subtree("org_path", paths) if paths else Q(pk__in=[])
    if rule.worker_types:
        q &= Q(worker_type__in=list(rule.worker_types))
    if rule.gig_subtypes:
        q &= Q(gig_subtype__in=list(rule.gig_subtypes))
    if rule.age_min is not None or rule.age_max is not None:
        born_after, born_by = age_bounds(rule, today)
        q &= Q(person__birth_date__isnull=False)
        if born_after is not None:
            q &= Q(person__birth_date__gt=born_after)
        if born_by is not None:
            q &= Q(person__birth_date__lte=born_by)
    if rule.skill_levels:
        q &= Q(skill_level__in=list(rule.skill_levels))
    for name, value in rule.conditions:
        extra = CONDITIONS[name].segment(value)
        q &= extra if extra is not None else Q(pk__in=[])
    return q


def describe(rule) -> list[str]:
    """The rule in Chinese, one line per condition, for service and campaign pages."""
    rule = parse_rule(rule)
    lines = []
    if rule.statuses != (MembershipStatus.ACTIVE,):
        lines.append(_("会籍状态：%(s)s") % {"s": "、".join(str(MembershipStatus(s).label) for s in rule.statuses)})
    else:
        lines.append(_("会籍正常的会员"))
    if rule.verified:
        lines.append(_("已实名认证"))
    if rule.card:
        lines.append(_("已激活电子会员卡"))
    if rule.orgs:
        names = [name for _path, name in OrgResolver().resolve(rule.orgs)]
        lines.append(_("所属工会：%(o)s（含下级）") % {"o": "、".join(names or rule.orgs)})
    if rule.worker_types:
        lines.append(_("职工类型：%(t)s") % {"t": "、".join(str(WorkerType(t).label) for t in rule.worker_types)})
    if rule.gig_subtypes:
        lines.append(_("新就业形态：%(t)s") % {"t": "、".join(str(GigSubtype(t).label) for t in rule.gig_subtypes)})
    if rule.age_min is not None or rule.age_max is not None:
        lines.append(
            _("年龄：%(low)s–%(high)s 周岁")
            % {"low": rule.age_min if rule.age_min is not None else 0, "high": rule.age_max or ""}
        )
    if rule.skill_levels:
        lines.append(_("技能等级：%(s)s") % {"s": "、".join(rule.skill_levels)})
    for name, value in rule.conditions:
        lines.append(f"{CONDITIONS[name].label}：{CONDITIONS[name].values[value]}")
    return lines
