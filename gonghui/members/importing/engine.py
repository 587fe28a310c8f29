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
import functools
from dataclasses import dataclass, field

from django.db import connection, models
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
from gonghui.people.choices import GigSubtype, WorkerType
from gonghui.people.identity import mask_mobile
from gonghui.people.models import Person
from gonghui.people.verification import get_backend

CHUNK = 900  # ids per IN (…): below SQLite's old 999-variable limit, fine for PostgreSQL
BATCH = 1000
CARD_DAYS = 365 * 3
COUNT_KEYS = ("rows", "created", "updated", "unchanged", "rejected", "duplicates", "warnings")


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
    settled_warnings: set[int] = field(default_factory=set)  # warned rows whose member already has the value

    @property
    def all_errors(self) -> list[RowError]:
        return sorted(self.validated.errors + self.errors, key=lambda e: (e.row, e.column))

    @property
    def warnings(self) -> list[RowError]:
        """Rows imported with something to complete (e.g. 新就业形态类别 未填写): not rejections."""
        skip = self.rejected_rows | self.settled_warnings
        return [w for w in self.validated.warnings if w.row not in skip]

    def counts(self) -> dict:
        v = self.validated
        return {
            "rows": v.total,
            "created": len(self.new) + len(self.attach),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "rejected": len(v.rejected_rows | self.rejected_rows),
            "duplicates": len(v.duplicate_rows),
            "warnings": len({w.row for w in self.warnings}),  # imported rows to complete (not rejected)
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


def _adapted(adapt, value):
    return None if value is None else adapt(value)


class _Inserter:
    """A raw bulk insert for one model: the ORM's bulk_create spends most of an import's time
    preparing values field by field; here every column's adapter is looked up once and values come
    from plain dicts. SQLite: multi-row INSERT … RETURNING (≥ 3.35); PostgreSQL: COPY."""

    def __init__(self, model):
        ops = connection.ops
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults = {}
        self.adapters = []
        for f in self.fields:
            self.defaults[f.attname] = None if f.null and not f.has_default() else f.get_default()
            # Dates and times repeat (one `now` for every row of an import): adapt each value once.
            if isinstance(f, models.DateTimeField):
                self.adapters.append(functools.lru_cache(maxsize=4096)(ops.adapt_datetimefield_value))
            elif isinstance(f, models.DateField):
                self.adapters.append(functools.lru_cache(maxsize=65536)(ops.adapt_datefield_value))
            elif isinstance(f, models.BinaryField):
                self.adapters.append(lambda v: v if v is None else bytes(v))
            else:
                self.adapters.append(None)
        qn = ops.quote_name
        self.table = qn(model._meta.db_table)
        self.columns = ", ".join(qn(f.column) for f in self.fields)
        self.pk = qn(model._meta.pk.column)
        self.table_name, self.pk_column = model._meta.db_table, model._meta.pk.column
        self.one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        # SQLite: as many rows as its parameter limit allows (one statement is cheapest there);
        # PostgreSQL: a few hundred rows, since very long statements cost more to parse than they save.
        limit, rows = (30000, BATCH) if connection.vendor == "sqlite" else (60000, 250)
        self.batch = max(1, min(rows, limit // len(self.fields)))
        self.plan = [(f.attname, self.defaults[f.attname], a) for f, a in zip(self.fields, self.adapters, strict=True)]

    def row(self, values: dict) -> list:
        # The hot loop of an import (once per column per row): names, defaults and adapters are
        # zipped once in __init__ (self.plan), and the branch-free path serves unadapted columns.
        get = values.get
        return [
            get(name, default) if adapt is None else _adapted(adapt, get(name, default))
            for name, default, adapt in self.plan
        ]

    def insert(self, rows: list[dict], returning: bool = False) -> list[int]:
        if connection.vendor == "postgresql":
            return self.copy(rows, returning)
        ids: list[int] = []
        with connection.cursor() as cursor:
            for i in range(0, len(rows), self.batch):
                chunk = rows[i : i + self.batch]
                params = [p for values in chunk for p in self.row(values)]
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {', '.join([self.one] * len(chunk))}"
                if returning:
                    cursor.execute(sql + f" RETURNING {self.pk}", params)
                    ids.extend(r[0] for r in cursor.fetchall())
                else:
                    cursor.execute(sql, params)
        return ids

    def copy(self, rows: list[dict], returning: bool) -> list[int]:
        """PostgreSQL: COPY, an order of magnitude faster than multi-row INSERTs (which PostgreSQL
        parses and plans statement by statement). Ids are drawn from the table's sequence first, so
        the caller still gets them back in row order."""
        if not rows:
            return []
        with connection.cursor() as cursor:
            ids: list[int] = []
            columns = self.columns
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table_name, self.pk_column, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
                columns = f"{self.pk}, {columns}"
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                if returning:
                    for pk, values in zip(ids, rows, strict=True):
                        copy.write_row([pk, *self.row(values)])
                else:
                    for values in rows:
                        copy.write_row(self.row(values))
        return ids


def bulk_insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    return _Inserter(model).insert(rows, returning)


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
        if (
            membership_changes.get("gig_subtype") == GigSubtype.UNSPECIFIED
            and current["worker_type"] == WorkerType.GIG
            and current["gig_subtype"]
        ):
            # A roster without the sub-type never erases the one already known (nothing to complete).
            del membership_changes["gig_subtype"]
            result.settled_warnings.add(row.row)
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


def _masked(values: dict) -> dict:
    """Audit entries keep what changed, with mobile numbers masked like everywhere else in lists."""
    if values.get("mobile"):
        values["mobile"] = mask_mobile(values["mobile"])
    return values


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
    person_rows = []
    for row in result.new:
        identity = row.identity
        full, initials = fast_pinyin(row.name)
        person_rows.append(
            {
                "name": row.name,
                "name_pinyin": full,
                "name_initials": initials,
                "sex": str(identity.sex or ""),
                "birth_date": identity.birth_date,
                "mobile": row.mobile,
                "doc_type": identity.doc_type,
                "doc_cipher": crypto.encrypt(identity.number, DOC_PURPOSE),
                "doc_index": row.index,
                "doc_masked": identity.masked,
                "verified_at": verified_at,
                "verification_method": method,
                "verification_note": note,
                "created_at": now,
                "updated_at": now,
                **row.person,
            }
        )
    person_ids = bulk_insert(Person, person_rows, returning=True)

    joining = [(row, pk, verified_at is not None) for row, pk in zip(result.new, person_ids, strict=True)]
    joining += result.attach
    allocated = numbers.allocate(org, len(joining)) if joining else []
    memberships = []
    for (row, person_id, _verified), member_no in zip(joining, allocated, strict=True):
        joined_on = row.joined_on or today
        memberships.append(
            {
                "person_id": person_id,
                "org_id": org.pk,
                "org_path": org.path,
                "province_id": org.province_id,
                "member_no": member_no,
                "status": MembershipStatus.ACTIVE.value,
                "joined_on": joined_on,
                "last_activity_on": max(joined_on, today),
                "created_at": now,
                "updated_at": now,
                **row.membership,
            }
        )
        result.member_nos[row.row] = member_no
    membership_ids = bulk_insert(Membership, memberships, returning=True)
    event_reason = (reason or _("名册导入"))[:300]
    actor_id = getattr(actor, "pk", None)
    events = [
        {
            "membership_id": pk,
            "type": MembershipEvent.Type.JOIN.value,
            "reason": event_reason,
            "to_org_id": org.pk,
            "on": m["joined_on"],
            "at": now,
            "actor_id": actor_id,
            "province_id": org.province_id,
        }
        for pk, m in zip(membership_ids, memberships, strict=True)
    ]
    expires = now + dt.timedelta(days=CARD_DAYS)
    new_cards = [
        {
            "membership_id": pk,
            "serial": cards.new_serial(),
            "status": Card.Status.ACTIVE.value,
            "org_code": org.code,
            "province_id": org.province_id,
            "issued_at": now,
            "expires_at": expires,
        }
        for pk, (_row, _pid, verified) in zip(membership_ids, joining, strict=True)
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
            {
                "membership_id": u.membership_id,
                "type": MembershipEvent.Type.UPDATE.value,
                "reason": event_reason,
                "on": today,
                "at": now,
                "actor_id": actor_id,
                "province_id": org.province_id,
            }
        )
        entries.append(
            audit.build_entry(
                actor=acting_user,
                action="member.import_update",
                object_type="members.membership",
                object_id=u.membership_id,
                object_label=u.member_no,
                org=org,
                before=_masked({**u.person_before, **u.membership_before}),
                after=_masked({**u.person_changes, **u.membership_changes}),
                reason=event_reason,
            )
        )
    for fields, objs in person_updates.items():
        Person.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)
    for fields, objs in membership_updates.items():
        Membership.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=BATCH)
    bulk_insert(MembershipEvent, events)
    bulk_insert(Card, new_cards)

    gig_new = sum(1 for m in memberships if m.get("worker_type") == WorkerType.GIG)
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
