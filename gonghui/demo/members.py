"""Demo members (DESIGN.md §6 "Demo data"), generated in bulk.

The rows are those the member actions would have written — persons with encrypted,
blind-indexed synthetic ID numbers and pinyin; memberships with `org_path`, `province_id` and
block-allocated member numbers; join, transfer, retain, lapse and leave events; cards for active
verified members (suspended when retained, revoked when ended); per-org counters and rolled-up
subtree totals — but they are inserted with `bulk_create` and one counter pass, not one action per
row, and each bulk step leaves one audit entry naming the job and its counts (DESIGN.md §3.5).

Synthetic identities are unique by construction: person number `i` maps through a bijection to a
(residence division, birth date, sequence) triple and to a mobile number, so a later top-up (the
benchmark's million members) continues from `Person.objects.count()` without collisions.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gonghui.core import audit, crypto
from gonghui.core.calendar import add_working_days
from gonghui.members import cards, numbers
from gonghui.members.models import Card, JoinApplication, Membership, MembershipEvent, RoutingRule, TransferRequest
from gonghui.members.states import CURRENT, JoinStatus, MembershipStatus, TransferStatus
from gonghui.orgs import counters
from gonghui.orgs.kinds import OrgKind, OrgStatus
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE, doc_index, pinyin_of
from gonghui.people.choices import EDUCATION, POLITICAL_STATUS, SKILL_LEVELS, GigSubtype, WorkerType
from gonghui.people.identity import DocType, Identity, id_check_character, mask_document
from gonghui.people.models import Person

S = MembershipStatus
E = MembershipEvent.Type
CARD_DAYS = 365 * 3  # members.actions.CARD_YEARS
JOB = "demo members"

# The demo member who logs in to the portal: a delivery rider of the 南山区 外卖配送 联合会.
DEMO_MEMBER = {
    "name": "陈晓明",
    "mobile": "+8613800000001",
    "mobile_local": "13800000001",
    "org_code": "440305-F2",
    "platform": "美团",
    "division": "440305",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华建文辉玲红鹏宇浩凯晨欣怡子轩梓涵雨萱思博俊峰婷雪琳海波志"
# Where the members come from (residence division of the ID number): Guangdong and the
# provinces that send most migrant workers to it.
HOME_DIVISIONS = (
    "440305 440304 440306 440307 440106 440111 440604 441900 442000 441302 445102 441481 440823 440902 "
    "430102 430524 431102 431202 450102 450881 452501 510107 511302 513701 360102 362101 420102 421102 "
    "410102 411502 350102 350581 460102 520102 530102 500101 340102 341202"
).split()
MOBILE_PREFIXES = (
    "139 137 136 135 134 150 151 152 157 158 159 182 183 187 188 130 131 132 155 156 185 186 133 153 180 181 189 177 "
    "199 191"
).split()
ID_DAYS = 38 * 365  # birth dates over 38 years
ID_SPACE = len(HOME_DIVISIONS) * ID_DAYS * 1000
ID_STEP = 1_000_003  # prime, coprime with ID_SPACE: i → (i·step + offset) mod space is a bijection
MOBILE_SPACE = 10**8
MOBILE_STEP = 48_271
SUBTYPE_BY_FEDERATION = {
    "F1": GigSubtype.COURIER,
    "F2": GigSubtype.DELIVERY,
    "F3": GigSubtype.RIDE_HAILING,
    "F4": GigSubtype.TRUCK,
}
PLATFORMS = {
    GigSubtype.COURIER: ["顺丰", "京东", "中通", "圆通", "申通", "韵达", "极兔", "闪送"],
    GigSubtype.DELIVERY: ["美团", "饿了么", "达达"],
    GigSubtype.RIDE_HAILING: ["滴滴", "曹操出行", "T3出行"],
    GigSubtype.TRUCK: ["货拉拉", "满帮", "快狗打车"],
}
REGULAR_TYPES = [WorkerType.REGULAR] * 7 + [WorkerType.MIGRANT] * 2 + [WorkerType.DISPATCHED, WorkerType.FLEXIBLE]
MEMBER_KINDS = (OrgKind.GRASSROOTS, OrgKind.BRANCH, OrgKind.GROUP, OrgKind.FEDERATION)
# Share of each status among generated memberships (the rest are active).
STATUS_SHARES = ((S.RETAINED, 0.04), (S.LAPSED, 0.025), (S.LEFT, 0.01), (S.TRANSFERRING, 0.004))
TRANSFERRED_SHARE = 0.015  # active members who moved from another union through an accepted transfer
VERIFIED_SHARE = 0.92


def synthetic_identity(i: int) -> Identity:
    """The i-th synthetic resident ID: unique for every i < ID_SPACE."""
    n = (i * ID_STEP + 7_654_321) % ID_SPACE
    n, sequence = divmod(n, 1000)
    division_index, day = divmod(n, ID_DAYS)
    born = dt.date(1968, 1, 1) + dt.timedelta(days=day)
    first17 = f"{HOME_DIVISIONS[division_index]}{born:%Y%m%d}{sequence:03d}"
    number = first17 + id_check_character(first17)
    return Identity(DocType.RESIDENT_ID, number, born, "M" if sequence % 2 else "F")


def synthetic_mobile(i: int) -> str:
    """The i-th synthetic mobile number (E.164); never the demo member's 13800000001."""
    prefix = MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)]
    suffix = ((i // len(MOBILE_PREFIXES)) * MOBILE_STEP + 12_345_678) % MOBILE_SPACE
    return f"+86{prefix}{suffix:08d}"


@lru_cache(maxsize=400_000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_of(name)


def _given_names() -> list[str]:
    """600 given names (one or two characters): names repeat as they do in life, and pinyin is computed once each."""
    rng = random.Random(11)
    names = {rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "") for _ in range(700)}
    return sorted(names)[:600]


GIVEN_NAMES = _given_names()


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """An aware datetime on `day`, office hours in China time."""
    local = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=rng.randrange(0, 9 * 60))
    return timezone.make_aware(local)


@dataclass
class OrgRow:
    pk: int
    code: str
    name: str
    path: str
    province_id: int
    kind: str
    division: str
    subtype: str = ""


def member_orgs(province: Org) -> tuple[list[OrgRow], list[OrgRow]]:
    """(workplace unions, gig-worker 联合会) under the province, in path order."""
    rows = Org.objects.filter(
        path__startswith=province.path, kind__in=MEMBER_KINDS, status=OrgStatus.ACTIVE
    ).values_list("pk", "code", "name", "path", "province_id", "kind", "division_code", "uscc")
    workplaces, federations = [], []
    for pk, code, name, path, province_id, kind, division, uscc in rows.order_by("path"):
        if kind == OrgKind.FEDERATION:
            subtype = SUBTYPE_BY_FEDERATION.get(code.rpartition("-")[2], "")
            if subtype:
                federations.append(OrgRow(pk, code, name, path, province_id, kind, code[:6], subtype))
        else:
            uscc = uscc or code[:18]
            workplaces.append(OrgRow(pk, code, name, path, province_id, kind, uscc[2:8] if uscc else division))
    return workplaces, federations


@dataclass
class Batch:
    """Rows of one bulk step and what it did, for counters and the audit entry."""

    persons: list = field(default_factory=list)
    memberships: list = field(default_factory=list)
    events: list = field(default_factory=list)
    cards: list = field(default_factory=list)
    transfers: list = field(default_factory=list)
    by_status: Counter = field(default_factory=Counter)


class MemberGenerator:
    """Adds synthetic members under a province, in bulk. `add()` is atomic and may be called repeatedly."""

    def __init__(self, province: Org, *, seed: int = 2024, today: dt.date | None = None):
        self.province = province
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.workplaces, self.federations = member_orgs(province)
        if not self.workplaces or not self.federations:
            raise ValueError("the demo province has no grassroots unions or 联合会 to hold members")
        self.org_by_pk = {o.pk: o for o in self.workplaces + self.federations}
        self._due: dict[dt.date, dt.date] = {}
        self._serials: set[str] = set()

    # -- helpers ------------------------------------------------------------------------

    def due_on(self, day: dt.date) -> dt.date:
        if day not in self._due:
            self._due[day] = add_working_days(day, settings.GONGHUI["JOIN_REVIEW_WORKING_DAYS"])
        return self._due[day]

    def serial(self) -> str:
        serial = cards.new_serial()
        while serial in self._serials:
            serial = cards.new_serial()
        self._serials.add(serial)
        return serial

    def person(self, i: int, *, name: str | None = None, mobile: str | None = None, verified: bool | None = None):
        rng = self.rng
        identity = synthetic_identity(i)
        name = name or _name(rng)
        full, initials = _pinyin(name)
        if verified is None:
            verified = rng.random() < VERIFIED_SHARE
        return Person(
            name=name,
            name_pinyin=full,
            name_initials=initials,
            sex=identity.sex,
            birth_date=identity.birth_date,
            ethnicity="汉族" if rng.random() < 0.93 else rng.choice(["壮族", "苗族", "土家族", "瑶族", "回族", "满族"]),
            education=rng.choice(EDUCATION[2:10]),
            political_status=rng.choice(POLITICAL_STATUS[2:]) if rng.random() < 0.3 else "群众",
            hukou_type=rng.choice(["非农业", "农业"]),
            mobile=mobile or synthetic_mobile(i),
            doc_type=identity.doc_type,
            doc_cipher=crypto.encrypt(identity.number, DOC_PURPOSE),
            doc_index=doc_index(identity),
            doc_masked=mask_document(identity.number),
            verified_at=_at(self.today - dt.timedelta(days=rng.randrange(0, 900)), rng) if verified else None,
            verification_method="demo" if verified else "format_check",
            verification_note="演示数据" if verified else "",
        )

    def work(self, gig: bool, org: OrgRow | None = None) -> tuple[OrgRow, dict]:
        rng = self.rng
        if gig:
            org = org or rng.choice(self.federations)
            return org, {
                "worker_type": WorkerType.GIG,
                "gig_subtype": org.subtype,
                "platform": rng.choice(PLATFORMS[org.subtype]),
                "employer_name": "",
            }
        org = org or rng.choice(self.workplaces)
        company = org.name.split("工会")[0]
        return org, {"worker_type": rng.choice(REGULAR_TYPES), "employer_name": company[:120]}

    # -- members ------------------------------------------------------------------------

    @transaction.atomic
    def add(self, count: int, *, gig_share: float = 0.25, job: str = JOB, demo_member: bool = False) -> dict:
        """Add `count` members (plus the portal demo member when asked); returns the step's figures."""
        rng = self.rng
        start = Person.objects.count()
        batch = Batch()
        plans = []  # (person, org, work, status, joined_on, transferred_from)
        if demo_member:
            org = next(o for o in self.federations if o.code == DEMO_MEMBER["org_code"])
            person = self.person(start, name=DEMO_MEMBER["name"], mobile=DEMO_MEMBER["mobile"], verified=True)
            work = {
                "worker_type": WorkerType.GIG,
                "gig_subtype": GigSubtype.DELIVERY,
                "platform": DEMO_MEMBER["platform"],
                "employer_name": "",
            }
            plans.append((person, org, work, S.ACTIVE, self.today - dt.timedelta(days=200), None))
            start += 1
        for i in range(start, start + count):
            person = self.person(i)
            org, work = self.work(rng.random() < gig_share)
            roll, status = rng.random(), S.ACTIVE
            for candidate, share in STATUS_SHARES:
                if roll < share:
                    status = candidate
                    break
                roll -= share
            joined_on = self.today - dt.timedelta(days=rng.randrange(30, 1000))
            moved_from = None
            if status == S.ACTIVE and rng.random() < TRANSFERRED_SHARE:
                moved_from = self.work(work["worker_type"] == WorkerType.GIG)[0]
                if moved_from.pk == org.pk:
                    moved_from = None
            plans.append((person, org, work, status, joined_on, moved_from))
        plans.sort(key=lambda plan: plan[4])  # member numbers and ids follow the join date
        batch.persons = [plan[0] for plan in plans]
        member_numbers = numbers.allocate(self.province, len(plans))
        for plan, member_no in zip(plans, member_numbers, strict=True):
            batch.memberships.append(self.membership(plan, member_no))
        for person, m in zip(batch.persons, batch.memberships, strict=True):
            if person.verified_at is not None:  # verified when the application was filed
                person.verified_at = _at(m.joined_on, rng)
        Person.objects.bulk_create(batch.persons, batch_size=2000)
        Membership.objects.bulk_create(batch.memberships, batch_size=2000)
        for plan, membership in zip(plans, batch.memberships, strict=True):
            self.history(batch, plan, membership)
        MembershipEvent.objects.bulk_create(batch.events, batch_size=2000)
        Card.objects.bulk_create(batch.cards, batch_size=2000)
        TransferRequest.objects.bulk_create(batch.transfers, batch_size=2000)
        deltas = self.count(batch)
        counters.bump_many(deltas)
        return self.record(batch, job)

    def membership(self, plan, member_no: str) -> Membership:
        rng = self.rng
        person, org, work, status, joined_on, _moved = plan
        last_dues = self.today - dt.timedelta(days=rng.randrange(0, 60))
        m = Membership(
            person=person,
            org_id=org.pk,
            org_path=org.path,
            province_id=org.province_id,
            member_no=member_no,
            status=status,
            joined_on=joined_on,
            employment_status="在岗",
            skill_level=rng.choice(SKILL_LEVELS[:5]) if rng.random() < 0.3 else "",
            is_migrant_worker=work["worker_type"] == WorkerType.MIGRANT,
            residence_division=org.division,
            last_dues_paid_on=max(last_dues, joined_on),
            last_activity_on=joined_on,
            **work,
        )
        if status == S.RETAINED:
            m.employment_status = rng.choice(["退休", "失业/无业"])
            m.dues_exempt = True
        elif status in (S.LAPSED, S.LEFT):
            m.ended_on = self.today - dt.timedelta(days=rng.randrange(1, 25))
            m.last_dues_paid_on = min(m.last_dues_paid_on, m.ended_on)
            if status == S.LAPSED:
                m.last_dues_paid_on = m.ended_on - dt.timedelta(days=rng.randrange(190, 260))
                m.lapse_warned_on = m.ended_on - dt.timedelta(days=14)
            if m.last_dues_paid_on < joined_on:
                m.joined_on = m.last_dues_paid_on - dt.timedelta(days=rng.randrange(30, 300))
        return m

    def event(self, m: Membership, type_, on: dt.date, *, from_org=None, to_org=None, reason="") -> MembershipEvent:
        return MembershipEvent(
            membership=m,
            type=type_,
            reason=reason,
            from_org_id=from_org,
            to_org_id=to_org,
            on=on,
            province_id=m.province_id,
        )

    def card(self, m: Membership, org: OrgRow, issued: dt.datetime, status=Card.Status.ACTIVE, revoked=None, why=""):
        return Card(
            membership=m,
            serial=self.serial(),
            status=status,
            org_code=org.code,
            province_id=m.province_id,
            issued_at=issued,
            expires_at=issued + dt.timedelta(days=CARD_DAYS),
            revoked_at=revoked,
            revoke_reason=why,
        )

    def history(self, batch: Batch, plan, m: Membership) -> None:
        """Events, cards and transfer rows as the actions leave them for this membership's story."""
        rng = self.rng
        person, org, _work, status, _joined, moved_from = plan
        batch.by_status[status] += 1
        verified = person.verified_at is not None
        first_org = moved_from or org
        batch.events.append(self.event(m, E.JOIN, m.joined_on, to_org=first_org.pk))
        issued = _at(m.joined_on, rng)
        if moved_from is not None:
            moved_on = m.joined_on + dt.timedelta(days=rng.randrange(1, max(2, (self.today - m.joined_on).days)))
            reason = "工作变动"
            batch.events.append(
                self.event(m, E.TRANSFER_OUT, moved_on, from_org=moved_from.pk, to_org=org.pk, reason=reason)
            )
            batch.events.append(
                self.event(m, E.TRANSFER_IN, moved_on, from_org=moved_from.pk, to_org=org.pk, reason=reason)
            )
            decided = _at(moved_on, rng)
            batch.transfers.append(
                TransferRequest(
                    membership=m,
                    from_org_id=moved_from.pk,
                    to_org_id=org.pk,
                    from_path=moved_from.path,
                    to_path=org.path,
                    province_id=org.province_id,
                    status=TransferStatus.ACCEPTED,
                    reason=reason,
                    new_employer=m.employer_name,
                    requested_by_member=True,
                    decided_at=decided,
                    due_on=self.due_on(moved_on),
                )
            )
            m.last_activity_on = moved_on
            if verified:
                batch.cards.append(self.card(m, moved_from, issued, Card.Status.REVOKED, decided, "transfer_out"))
            issued = decided
        if status == S.RETAINED:
            on = m.joined_on + dt.timedelta(days=rng.randrange(1, max(2, (self.today - m.joined_on).days)))
            batch.events.append(self.event(m, E.RETAIN, on, from_org=org.pk, reason=m.employment_status))
            if verified:
                batch.cards.append(self.card(m, org, issued, Card.Status.SUSPENDED))
        elif status in (S.LAPSED, S.LEFT):
            if status == S.LAPSED:
                batch.events.append(self.event(m, E.LAPSE_WARNING, m.lapse_warned_on, from_org=org.pk))
                batch.events.append(
                    self.event(m, E.LAPSE, m.ended_on, from_org=org.pk, reason="连续6个月未缴会费且未参加组织活动")
                )
            else:
                batch.events.append(self.event(m, E.LEAVE, m.ended_on, from_org=org.pk, reason="本人申请退会"))
            if verified:
                why = "lapsed" if status == S.LAPSED else "left"
                batch.cards.append(self.card(m, org, issued, Card.Status.REVOKED, _at(m.ended_on, rng), why))
        else:  # active or transferring: the card stays valid until the transfer is accepted
            if verified:
                batch.cards.append(self.card(m, org, issued))
            if status == S.TRANSFERRING:
                to = self.work(m.worker_type == WorkerType.GIG)[0]
                if to.pk == org.pk:
                    to = next(o for o in self.workplaces + self.federations if o.pk != org.pk)
                requested = self.today - dt.timedelta(days=rng.randrange(0, 3))
                batch.transfers.append(
                    TransferRequest(
                        membership=m,
                        from_org_id=org.pk,
                        to_org_id=to.pk,
                        from_path=org.path,
                        to_path=to.path,
                        province_id=to.province_id,
                        status=TransferStatus.PENDING,
                        reason="工作变动",
                        new_employer=to.name.split("工会")[0][:120] if to.kind != OrgKind.FEDERATION else "",
                        requested_by_member=True,
                        due_on=self.due_on(requested),
                    )
                )

    def count(self, batch: Batch) -> dict[int, tuple[int, int, int]]:
        """Counter deltas per org: what `_counts()` adds for each current membership."""
        deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for m in batch.memberships:
            if m.status in CURRENT:
                row = deltas[m.org_id]
                row[0] += 1
                row[1] += 1 if m.person.verified_at is not None else 0
                row[2] += 1 if m.worker_type == WorkerType.GIG else 0
        return {pk: tuple(row) for pk, row in deltas.items()}

    def record(self, batch: Batch, job: str) -> dict:
        figures = {
            "job": job,
            "persons": len(batch.persons),
            "memberships": len(batch.memberships),
            "by_status": dict(sorted(batch.by_status.items())),
            "events": len(batch.events),
            "cards": len(batch.cards),
            "transfers": len(batch.transfers),
            "first_id": batch.memberships[0].pk if batch.memberships else None,
            "last_id": batch.memberships[-1].pk if batch.memberships else None,
        }
        audit.record(
            actor=None,
            action="person.bulk_create",
            obj=self.province,
            org=self.province,
            after={
                "job": job,
                "created": len(batch.persons),
                "verified": sum(1 for p in batch.persons if p.verified_at),
            },
        )
        audit.record(actor=None, action="member.bulk_create", obj=self.province, org=self.province, after=figures)
        return figures

    # -- join applications and routing ----------------------------------------------------

    @transaction.atomic
    def add_pending_joins(self, count: int, *, job: str = JOB) -> int:
        """Pending join applications from people without a membership, some routed by the gig table."""
        rng = self.rng
        start = Person.objects.count()
        persons, applications = [], []
        requested = self.today - dt.timedelta(days=1)
        for i in range(start, start + count):
            person = self.person(i)
            gig = rng.random() < 0.5
            org, work = self.work(gig)
            routed_by = f"分派规则：{work['platform']} @ {org.division}" if gig else "申请人选择"
            persons.append(person)
            applications.append(
                JoinApplication(
                    org_id=org.pk,
                    org_path=org.path,
                    province_id=org.province_id,
                    person=person,
                    channel=JoinApplication.Channel.WEB if gig else rng.choice(["qr", "staff"]),
                    status=JoinStatus.PENDING,
                    division_code=org.division,
                    routed_by=routed_by,
                    due_on=self.due_on(requested),
                    **work,
                )
            )
        Person.objects.bulk_create(persons, batch_size=2000)
        JoinApplication.objects.bulk_create(applications, batch_size=2000)
        audit.record(
            actor=None,
            action="member.join_apply_bulk",
            obj=self.province,
            org=self.province,
            after={
                "job": job,
                "persons": len(persons),
                "applications": len(applications),
                "first_id": applications[0].pk if applications else None,
                "last_id": applications[-1].pk if applications else None,
            },
        )
        return len(applications)


def routing_specs(province: Org) -> list[tuple[str, str, str, Org]]:
    """(platform, division, gig_subtype, org) rows: each platform and a catch-all per subtype → the district 联合会."""
    federations = Org.objects.filter(
        path__startswith=province.path, kind=OrgKind.FEDERATION, status=OrgStatus.ACTIVE, code__contains="-F"
    ).order_by("code")
    specs = []
    for org in federations:
        if not re.fullmatch(r"\d{6}-F[1-4]", org.code):
            continue
        subtype = SUBTYPE_BY_FEDERATION[org.code[-2:]]
        division = org.code[:6]
        for platform in PLATFORMS[subtype]:
            specs.append((platform, division, "", org))
        specs.append(("", division, subtype, org))
    return specs


@transaction.atomic
def add_routing_rules(province: Org, *, job: str = JOB) -> int:
    """Gig-worker routing rules (platform × district → 联合会) for every demo district; existing rules are kept."""
    existing = set(RoutingRule.objects.values_list("platform", "division_code", "gig_subtype"))
    rules = [
        RoutingRule(
            platform=platform,
            division_code=division,
            gig_subtype=subtype,
            org=org,
            org_path=org.path,
            note=f"演示：{org.short_name or org.name}",
        )
        for platform, division, subtype, org in routing_specs(province)
        if (platform, division, subtype) not in existing
    ]
    RoutingRule.objects.bulk_create(rules, batch_size=1000)
    if rules:
        audit.record(
            actor=None,
            action="member.routing_bulk_create",
            obj=province,
            org=province,
            after={"job": job, "created": len(rules), "districts": len({r.division_code for r in rules})},
        )
    return len(rules)


def demo_member_present() -> bool:
    return Person.objects.filter(mobile=DEMO_MEMBER["mobile"]).exists()


def load_demo_members(province: Org, *, members: int, pending_joins: int, seed: int = 2024) -> dict:
    """The demo's members, applications and routing rules, once: nothing when the demo member exists."""
    if demo_member_present():
        return {}
    with transaction.atomic():
        rules = add_routing_rules(province)
        generator = MemberGenerator(province, seed=seed)
        figures = generator.add(members, demo_member=True)
        figures["pending_joins"] = generator.add_pending_joins(pending_joins)
        figures["routing_rules"] = rules
    return figures
