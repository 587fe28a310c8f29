"""Planning and writing a validated roster.

`plan()` is read-only: it looks every row's blind index up in batches (one IN query per
chunk for persons, one for their memberships) and sorts rows into new members, updates,
unchanged rows and problems (members elsewhere = transfer candidates, former members,
name mismatches). `write()` applies a plan with bulk inserts and updates; it is called only
by `members.actions.do_import_roster`, inside that action's transaction, so an import is
all or nothing. The figures match DESIGN.md §6 "Import".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit, crypto
from gonghui.members import cards, numbers
from gonghui.members.importing.rows import MEMBERSHIP_FIELDS, PERSON_FIELDS, RosterRow, RowError, Validated, fast_pinyin
from gonghui.members.models import Card, Membership, MembershipEvent
from gonghui.members.states import CURRENT, MembershipStatus
from gonghui.orgs import counters
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE
from gonghui.people.choices import WorkerType
from gonghui.people.models import Person
from gonghui.people.verification import get_backend

CHUNK = 900  # ids per IN (…): below SQLite's old 999-variable limit, fine for PostgreSQL
BATCH = 1000
CARD_DAYS = 365 * 3
COUNT_KEYS = ("rows", "created", "updated", "unchanged", "rejected", "duplicates")


@dataclass
class Update:
    row: RosterRow
    person_id: int
    membership_id: int
    member_no: str
    person_before: dict
    membership_before: dict
    person_changes: dict
    membership_changes: dict


@dataclass
class Plan:
    validated: Validated
    new: list[RosterRow] = field(default_factory=list)
    attach: list[tuple[RosterRow, int, bool]] = field(default_factory=list)  # existing person, no membership
    updates: list[Update] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # problems found against the database
    rejected_rows: set[int] = field(default_factory=set)
    transfer_rows: set[int] = field(default_factory=set)
    member_nos: dict[int, str] = field(default_factory=dict)  # row → member number (after write)
    committed: bool = False

    @property
    def all_errors(self) -> list[RowError]:
        return sorted(self.validated.errors + self.errors, key=lambda e: (e.row, e.column))

    def counts(self) -> dict:
        v = self.validated
        return {
            "rows": v.total,
            "created": len(self.new) + len(self.attach),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "rejected": len(v.rejected_rows | self.rejected_rows),
            "duplicates": len(v.duplicate_rows),
        }

    def summary(self) -> dict:
        return {**self.counts(), "transfer_candidates": len(self.transfer_rows)}

    def status_of(self, row: int) -> str:
        """A short result for the report's result column (errors are listed separately)."""
        if row in self.validated.duplicate_rows:
            return _("与第%(r)d行完全相同，已跳过") % {"r": self.validated.duplicate_rows[row]}
        if row in self.validated.rejected_rows or row in self.rejected_rows:
            return _("未导入")
        no = self.member_nos.get(row, "")
        if row in self._new_rows:
            return (_("已新增 %(no)s") if self.committed else _("将新增")) % {"no": no}
        if row in self._updated_rows:
            return (_("已更新 %(no)s") if self.committed else _("将更新 %(no)s")) % {"no": no}
        return _("无变化 %(no)s") % {"no": no}

    def __post_init__(self):
        self._new_rows: set[int] = set()
        self._updated_rows: set[int] = set()


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def plan(org: Org, validated: Validated) -> Plan:
    result = Plan(validated)
    rows = validated.rows
    persons: dict[str, dict] = {}
    for chunk in _chunks([r.index for r in rows]):
        for p in Person.objects.filter(doc_index__in=chunk).values(
            "pk", "doc_index", "name", "mobile", "verified_at", *PERSON_FIELDS
        ):
            persons[p["doc_index"]] = p
    memberships: dict[int, list[dict]] = {}
    person_ids = [p["pk"] for p in persons.values()]
    for chunk in _chunks(person_ids):
        for m in Membership.objects.filter(person_id__in=chunk).values(
            "pk", "person_id", "org_id", "status", "member_no", "joined_on", *MEMBERSHIP_FIELDS
        ):
            memberships.setdefault(m["person_id"], []).append(m)
    id_header = validated.header_of("id_number")
    for row in rows:
        person = persons.get(row.index)
        if person is None:
            result.new.append(row)
            result._new_rows.add(row.row)
            continue
        if person["name"] != row.name:
            result.errors.append(
                RowError(
                    row.row,
                    validated.header_of("name"),
                    row.name,
                    _("该证件号码已登记的姓名与表格中的不一致，请核对姓名和证件号码"),
                )
            )
            result.rejected_rows.add(row.row)
            continue
        rows_of_person = memberships.get(person["pk"], [])
        current = next((m for m in rows_of_person if m["status"] in CURRENT), None)
        if current is None and rows_of_person:
            former = max(rows_of_person, key=lambda m: m["pk"])
            result.errors.append(
                RowError(
                    row.row,
                    id_header,
                    row.identity.masked,
                    _("该人员曾有会籍（%(s)s），重新入会请通过入会申请办理")
                    % {"s": MembershipStatus(former["status"]).label},
                )
            )
            result.rejected_rows.add(row.row)
            continue
        if current is None:
            result.attach.append((row, person["pk"], person["verified_at"] is not None))
            result._new_rows.add(row.row)
            continue
        if current["org_id"] != org.pk:
            result.errors.append(
                RowError(
                    row.row,
                    id_header,
                    row.identity.masked,
                    _("该人员已是其他工会的会员：请发起转会，不重复登记（转会候选）"),
                )
            )
            result.rejected_rows.add(row.row)
            result.transfer_rows.add(row.row)
            continue
        if row.member_no and row.member_no != current["member_no"]:
            result.errors.append(
                RowError(
                    row.row,
                    validated.header_of("member_no"),
                    row.member_no,
                    _("会员证号与系统中的记录（%(no)s）不一致") % {"no": current["member_no"]},
                )
            )
            result.rejected_rows.add(row.row)
            continue
        result.member_nos[row.row] = current["member_no"]
        person_changes = {k: v for k, v in row.person.items() if person[k] != v}
        if row.mobile and row.mobile != person["mobile"]:
            person_changes["mobile"] = row.mobile
        membership_changes = {k: v for k, v in row.membership.items() if current[k] != v}
        if row.joined_on and row.joined_on != current["joined_on"]:
            membership_changes["joined_on"] = row.joined_on
        if not person_changes and not membership_changes:
            result.unchanged.append(row.row)
            continue
        result.updates.append(
            Update(
                row=row,
                person_id=person["pk"],
                membership_id=current["pk"],
                member_no=current["member_no"],
                person_before={k: person[k] for k in person_changes},
                membership_before={k: current[k] for k in membership_changes},
                person_changes=person_changes,
                membership_changes=membership_changes,
            )
        )
        result._updated_rows.add(row.row)
    return result


def _verification():
    """Imported persons are verified the way `get_or_create_person` verifies them when the
    configured backend is the bundled format check (the checks already ran on every row);
    with a real identity service they stay unverified until a verification job runs."""
    backend = get_backend()
    if getattr(backend, "method", "") != "format_check":
        return None, "", _("名册导入，待实名核验")
    result = backend.verify(name="", doc_type="", number="")
    return (timezone.now() if result.verified else None), result.method, result.note[:200]


def write(org: Org, result: Plan, *, acting_user, job=None, reason: str = "") -> None:
    """Apply `result` (call only from `do_import_roster`, inside its transaction)."""
    today = timezone.localdate()
    now = timezone.now()
    verified_at, method, note = _verification()
    actor = acting_user if getattr(acting_user, "pk", None) else None

    # New persons, in bulk; their ids come back from the insert (RETURNING on both backends).
    new_persons = []
    for row in result.new:
        identity = row.identity
        full, initials = fast_pinyin(row.name)
        new_persons.append(
            Person(
                name=row.name,
                name_pinyin=full,
                name_initials=initials,
                sex=identity.sex or "",
                birth_date=identity.birth_date,
                mobile=row.mobile,
                doc_type=identity.doc_type,
                doc_cipher=crypto.encrypt(identity.number, DOC_PURPOSE),
                doc_index=row.index,
                doc_masked=identity.masked,
                verified_at=verified_at,
                verification_method=method,
                verification_note=note,
                created_at=now,
                updated_at=now,
                **row.person,
            )
        )
    Person.objects.bulk_create(new_persons, batch_size=BATCH)
    if new_persons and new_persons[0].pk is None:  # a backend without RETURNING
        ids = {}
        for chunk in _chunks([p.doc_index for p in new_persons]):
            ids.update(Person.objects.filter(doc_index__in=chunk).values_list("doc_index", "pk"))
        for p in new_persons:
            p.pk = ids[p.doc_index]

    joining = [(row, p.pk, verified_at is not None) for row, p in zip(result.new, new_persons, strict=True)]
    joining += result.attach
    allocated = numbers.allocate(org, len(joining)) if joining else []
    memberships = []
    for (row, person_id, _verified), member_no in zip(joining, allocated, strict=True):
        values = {
            "worker_type": WorkerType.REGULAR.value,
            "gig_subtype": "",
            "platform": "",
            "employer_name": "",
            "employment_status": "",
            "skill_level": "",
            "is_migrant_worker": False,
            "model_worker": "",
            **row.membership,
        }
        joined_on = row.joined_on or today
        memberships.append(
            Membership(
                person_id=person_id,
                org_id=org.pk,
                org_path=org.path,
                province_id=org.province_id,
                member_no=member_no,
                status=MembershipStatus.ACTIVE,
                joined_on=joined_on,
                last_activity_on=max(joined_on, today),
                created_at=now,
                updated_at=now,
                **values,
            )
        )
        result.member_nos[row.row] = member_no
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    if memberships and memberships[0].pk is None:
        ids = {}
        for chunk in _chunks([m.member_no for m in memberships]):
            ids.update(Membership.objects.filter(member_no__in=chunk).values_list("member_no", "pk"))
        for m in memberships:
            m.pk = ids[m.member_no]
    event_reason = (reason or _("名册导入"))[:300]
    events = [
        MembershipEvent(
            membership_id=m.pk,
            type=MembershipEvent.Type.JOIN,
            reason=event_reason,
            to_org_id=org.pk,
            on=m.joined_on,
            actor=actor,
            province_id=org.province_id,
        )
        for m in memberships
    ]
    expires = now + dt.timedelta(days=CARD_DAYS)
    new_cards = [
        Card(
            membership_id=m.pk,
            serial=cards.new_serial(),
            org_code=org.code,
            province_id=org.province_id,
            issued_at=now,
            expires_at=expires,
        )
        for m, (_row, _pid, verified) in zip(memberships, joining, strict=True)
        if verified
    ]

    # Updates: only the fields the file changed; one audit entry per updated member.
    person_updates: dict[tuple, list[Person]] = {}
    membership_updates: dict[tuple, list[Membership]] = {}
    entries = []
    gig_delta = 0
    for u in result.updates:
        if u.person_changes:
            fields = tuple(sorted(u.person_changes))
            person_updates.setdefault(fields, []).append(Person(pk=u.person_id, updated_at=now, **u.person_changes))
        if u.membership_changes:
            fields = tuple(sorted(u.membership_changes))
            membership_updates.setdefault(fields, []).append(
                Membership(pk=u.membership_id, updated_at=now, **u.membership_changes)
            )
            if "worker_type" in u.membership_changes:
                was_gig = u.membership_before["worker_type"] == WorkerType.GIG
                is_gig = u.membership_changes["worker_type"] == WorkerType.GIG
                gig_delta += int(is_gig) - int(was_gig)
        events.append(
            MembershipEvent(
                membership_id=u.membership_id,
                type=MembershipEvent.Type.UPDATE,
                reason=event_reason,
                on=today,
                actor=actor,
                province_id=org.province_id,
            )
        )
        entries.append(
            audit.build_entry(
                actor=acting_user,
                action="member.import_update",
                object_type="members.membership",
                object_id=u.membership_id,
                object_label=u.member_no,
                org=org,
                before={**u.person_before, **u.membership_before},
                after={**u.person_changes, **u.membership_changes},
                reason=event_reason,
            )
        )
    for fields, objs in person_updates.items():
        Person.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)
    for fields, objs in membership_updates.items():
        Membership.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)
    MembershipEvent.objects.bulk_create(events, batch_size=BATCH)
    Card.objects.bulk_create(new_cards, batch_size=BATCH)

    gig_new = sum(1 for m in memberships if m.worker_type == WorkerType.GIG)
    counters.bump_many({org.pk: (len(memberships), len(new_cards), gig_new + gig_delta)})
    result.committed = True
    summary = result.summary()
    entries.append(
        audit.build_entry(
            actor=acting_user,
            action="member.import",
            object_type="members.importjob",
            object_id=getattr(job, "pk", "") or "",
            object_label=(getattr(job, "original_name", "") or reason or "")[:200],
            org=org,
            after={
                **summary,
                "job": getattr(job, "pk", None),
                "first_member_no": allocated[0] if allocated else None,
                "last_member_no": allocated[-1] if allocated else None,
                "cards": len(new_cards),
            },
            reason=event_reason,
        )
    )
    audit.record_many(entries)
