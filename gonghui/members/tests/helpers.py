"""Helpers shared by the members tests (actions, API, views, portal).

Everything here goes through the real actions (`do_apply_join`, `do_approve_join` …), so a
member made by `make_member` has its event rows, audit entries, counters and card exactly as
in production.

    person = make_person()                                  # verified, synthetic valid ID
    member = make_member(tree.grassroots)                   # active, verified, regular worker
    gig = make_member(fed, worker_type="gig", gig_subtype="courier", platform="美团")
    retained = make_member(tree.grassroots, status="retained")
    application = make_application(tree.grassroots)        # pending join application
    assert_counters_consistent()                            # org counters == recount from rows
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import Count, Q

from gonghui.core import sms
from gonghui.core.models import AuditEntry
from gonghui.members import actions
from gonghui.members.models import Card, JoinApplication, Membership, MembershipEvent, RoutingRule, TransferRequest
from gonghui.members.states import CURRENT, MembershipStatus
from gonghui.orgs.actions import do_create_org
from gonghui.orgs.models import Org
from gonghui.people.actions import get_or_create_person
from gonghui.people.identity import synthetic_id
from gonghui.people.models import Person

_seq = itertools.count(1)
SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def next_id(division: str = "440305", born: dt.date = dt.date(1990, 1, 1), *, female: bool | None = None) -> str:
    """A fresh, valid resident ID number (different on every call within a test run)."""
    n = next(_seq)
    sequence = n % 1000
    if female is not None and (sequence % 2 == 0) != female:
        sequence = (sequence + 1) % 1000
    day = born + dt.timedelta(days=n // 1000)
    return synthetic_id(division, day, sequence)


def next_name() -> str:
    n = next(_seq)
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + GIVEN[n % len(GIVEN)]


def next_mobile() -> str:
    return f"+86139{next(_seq) % 100_000_000:08d}"


def person_data(**kw) -> dict:
    """Input for `do_apply_join(person_data=…)` / `get_or_create_person(data=…)`."""
    data = {"name": next_name(), "doc_type": "resident_id", "doc_number": next_id(), "mobile": next_mobile()}
    data.update(kw)
    return data


def data_of(person: Person, number: str | None = None) -> dict:
    """Person input that finds an existing person again (needs the clear number: pass `number`,
    or the number is decrypted here — test code only)."""
    from gonghui.core import crypto
    from gonghui.people.actions import DOC_PURPOSE

    number = number or crypto.decrypt(person.doc_cipher, DOC_PURPOSE)
    return {"name": person.name, "doc_type": person.doc_type, "doc_number": number, "mobile": person.mobile}


def make_person(*, verified: bool = True, acting_user=None, **kw) -> Person:
    """A saved Person through `people.actions.get_or_create_person` (verified unless told)."""
    person, _created = get_or_create_person(acting_user=acting_user, data=person_data(**kw), verify=verified)
    return person


def work_data(**kw) -> dict:
    data = {"worker_type": "regular", "gig_subtype": "", "platform": "", "division_code": "", "employer_name": ""}
    data.update(kw)
    return data


def make_application(
    org: Org | None = None,
    *,
    acting_user=None,
    person: Person | None = None,
    channel: str = "staff",
    data: dict | None = None,
    **work,
) -> JoinApplication:
    """A join application through `do_apply_join` (pending, or transferred when the person is a member)."""
    pdata = data_of(person) if person is not None else person_data(**(data or {}))
    return actions.do_apply_join(
        acting_user=acting_user, person_data=pdata, work=work_data(**work), channel=channel, org=org
    )


def make_member(
    org: Org,
    *,
    acting_user=None,
    status: str = MembershipStatus.ACTIVE,
    worker_type: str = "regular",
    verified: bool = True,
    person: Person | None = None,
    joined_on: dt.date | None = None,
    **work,
) -> Membership:
    """A membership at `org` in `status`, made by applying, approving and then the status action."""
    if person is None:
        person = make_person(verified=verified)
    if worker_type == "gig":
        work.setdefault("gig_subtype", "courier")
    application = make_application(org, person=person, worker_type=worker_type, **work)
    membership = actions.do_approve_join(acting_user=acting_user, application=application, joined_on=joined_on)
    reason = "测试"
    if status == MembershipStatus.RETAINED:
        membership = actions.do_retain(acting_user=acting_user, membership=membership, reason=reason)
    elif status == MembershipStatus.LAPSED:
        membership = actions.do_lapse(acting_user=acting_user, membership=membership, reason=reason)
    elif status == MembershipStatus.LEFT:
        membership = actions.do_leave(acting_user=acting_user, membership=membership, reason=reason)
    elif status == MembershipStatus.EXPELLED:
        membership = actions.do_expel(acting_user=acting_user, membership=membership, reason=reason)
    elif status == MembershipStatus.DECEASED:
        membership = actions.do_mark_deceased(acting_user=acting_user, membership=membership, reason=reason)
    elif status == MembershipStatus.TRANSFERRING:
        raise ValueError("use make_transfer() for a membership in transfer")
    return reload(membership)


def make_transfer(membership: Membership, to_org: Org | None, *, acting_user=None, **kw) -> TransferRequest:
    return actions.do_request_transfer(acting_user=acting_user, membership=membership, to_org=to_org, **kw)


def make_federation(parent: Org, name: str = "南山区快递行业工会联合会", kind: str = "new_forms", **data) -> Org:
    return do_create_org(
        acting_user=None, parent=parent, kind="federation", data={"name": name, "federation_kind": kind, **data}
    )


def make_routing_rule(org: Org, division_code: str, platform: str = "", gig_subtype: str = "") -> RoutingRule:
    """A gig-worker routing rule through `do_create_routing_rule` (system user)."""
    return actions.do_create_routing_rule(
        acting_user=None,
        org=org,
        data={"division_code": division_code, "platform": platform, "gig_subtype": gig_subtype},
    )


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- assertions ------------------------------------------------------------------------


def recount() -> dict[int, tuple[int, int, int]]:
    """(members, verified, gig) per org, counted from the membership rows."""
    rows = (
        Membership.objects.filter(status__in=list(CURRENT))
        .values("org_id")
        .annotate(
            members=Count("pk"),
            verified=Count("pk", filter=Q(person__verified_at__isnull=False)),
            gig=Count("pk", filter=Q(worker_type="gig")),
        )
    )
    return {r["org_id"]: (r["members"], r["verified"], r["gig"]) for r in rows}


def assert_counters_consistent() -> None:
    """Own counters of every org equal a recount from rows, and every sub_* total equals the subtree sum."""
    from gonghui.orgs.tests.helpers import assert_rollups_consistent

    counted = recount()
    wrong = {}
    for pk, code, m, v, g in Org.objects.values_list(
        "pk", "code", "member_count", "verified_member_count", "gig_member_count"
    ):
        expected = counted.get(pk, (0, 0, 0))
        if (m, v, g) != expected:
            wrong[code] = {"stored": (m, v, g), "recount": expected}
    assert not wrong, f"org member counters drifted (members, verified, gig): {wrong}"
    assert_rollups_consistent()


def counts_of(org: Org) -> tuple[int, int, int]:
    org = Org.objects.get(pk=org.pk)
    return org.member_count, org.verified_member_count, org.gig_member_count


def sub_counts_of(org: Org) -> tuple[int, int, int]:
    org = Org.objects.get(pk=org.pk)
    return org.sub_members, org.sub_verified_members, org.sub_gig_members


def entries(action: str, **filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def events(membership: Membership) -> list[MembershipEvent]:
    return list(MembershipEvent.objects.filter(membership=membership).order_by("at", "id"))


def event_types(membership: Membership) -> list[str]:
    return [e.type for e in events(membership)]


def table_state() -> dict:
    """Everything a member action could write, to assert that a refused action wrote nothing."""
    return {
        "persons": list(Person.objects.order_by("pk").values("pk", "name", "verified_at", "mobile")),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "events": MembershipEvent.objects.count(),
        "applications": list(JoinApplication.objects.order_by("pk").values()),
        "transfers": list(TransferRequest.objects.order_by("pk").values()),
        "cards": list(Card.objects.order_by("pk").values()),
        "orgs": list(
            Org.objects.order_by("pk").values(
                "pk", "member_count", "verified_member_count", "gig_member_count", "sub_members"
            )
        ),
        "audit": AuditEntry.objects.count(),
    }


def active_cards(membership: Membership) -> list[Card]:
    return list(Card.objects.filter(membership=membership, status=Card.Status.ACTIVE))


def clear_outbox() -> None:
    sms.outbox.clear()


def outbox_to(mobile: str) -> list[str]:
    return [m["text"] for m in sms.outbox if m["mobile"] == mobile]
