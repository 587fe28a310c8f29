"""`gonghui demo`: the demo members are the rows the member actions would have written.

The data are checked independently of the generator: counters against a plain Python count of
the membership rows, cards against the verified/active rule, events against each status, the
audit chain with `audit.verify()`, and the portal login through `person_for_mobile()`.
"""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.core import audit, crypto
from gonghui.core.models import AuditEntry
from gonghui.demo.members import DEMO_MEMBER, synthetic_identity, synthetic_mobile
from gonghui.members.management.commands.recount import find_drift
from gonghui.members.models import Card, JoinApplication, Membership, MembershipEvent, RoutingRule, TransferRequest
from gonghui.members.portal.auth import person_for_mobile
from gonghui.members.routing import route_gig_worker
from gonghui.members.states import CURRENT, JoinStatus, TransferStatus
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE, doc_index
from gonghui.people.identity import DocType, normalise_mobile, parse_document
from gonghui.people.models import Person

MEMBERS = 300


def load(**options) -> str:
    out = io.StringIO()
    call_command("demo", members=MEMBERS, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return load()


def test_it_loads_members_with_counters_equal_to_the_rows(demo):
    assert Membership.objects.count() == MEMBERS + 1  # plus the portal demo member
    own: Counter = Counter()
    for org_id, verified_at, worker_type in Membership.objects.filter(status__in=CURRENT).values_list(
        "org_id", "person__verified_at", "worker_type"
    ):
        own[(org_id, "members")] += 1
        own[(org_id, "verified")] += verified_at is not None
        own[(org_id, "gig")] += worker_type == "gig"
    for org in Org.objects.all():
        assert org.member_count == own[(org.pk, "members")], org.code
        assert org.verified_member_count == own[(org.pk, "verified")], org.code
        assert org.gig_member_count == own[(org.pk, "gig")], org.code
    province = Org.objects.get(code="440000")
    assert province.sub_members == Membership.objects.filter(status__in=CURRENT).count()
    assert find_drift() == ([], Org.objects.count())


def test_it_gives_every_membership_its_org_path_province_and_a_province_member_number(demo):
    province = Org.objects.get(code="440000")
    for m in Membership.objects.select_related("org"):
        assert m.org_path == m.org.path
        assert m.province_id == province.pk
        assert m.member_no.startswith("440000") and len(m.member_no) == 16
        assert m.org.kind in {"grassroots", "branch", "group", "federation"}
    numbers = sorted(Membership.objects.values_list("member_no", flat=True))
    assert numbers == [f"440000{n:010d}" for n in range(1, len(numbers) + 1)]


def test_it_stores_valid_encrypted_identities_and_mobiles(demo):
    for person in Person.objects.all()[:200]:
        number = crypto.decrypt(person.doc_cipher, DOC_PURPOSE)
        identity = parse_document(DocType.RESIDENT_ID, number)
        assert person.doc_index == doc_index(identity)
        assert person.doc_masked == identity.masked and "*" in person.doc_masked
        assert person.birth_date == identity.birth_date and person.sex == identity.sex
        assert normalise_mobile(person.mobile) == person.mobile
        assert person.name_pinyin


def test_it_issues_cards_only_to_active_verified_members(demo):
    active = Card.objects.filter(status=Card.Status.ACTIVE).select_related("membership__person")
    assert active.exists()
    for card in active:
        assert card.membership.status in ("active", "transferring")
        assert card.membership.person.verified_at is not None
        assert card.org_code == Org.objects.get(pk=card.membership.org_id).code
    with_card = set(active.values_list("membership_id", flat=True))
    for m in Membership.objects.filter(status="active", person__verified_at__isnull=False):
        assert m.pk in with_card
    assert not Card.objects.filter(membership__person__verified_at__isnull=True).exists()
    for card in Card.objects.filter(status=Card.Status.SUSPENDED).select_related("membership"):
        assert card.membership.status == "retained"
    for m in Membership.objects.filter(status__in=["lapsed", "left"]):
        assert not m.cards.exclude(status=Card.Status.REVOKED).exists()


def test_it_records_events_for_each_story(demo):
    types = Counter(MembershipEvent.objects.values_list("type", flat=True))
    assert types["join"] == Membership.objects.count()
    for m in Membership.objects.exclude(status="active").exclude(status="transferring"):
        expected = {"retained": "retain", "lapsed": "lapse", "left": "leave"}[m.status]
        assert m.events.filter(type=expected).exists(), m.status
        if m.status in ("lapsed", "left"):
            assert m.ended_on is not None
    accepted = TransferRequest.objects.filter(status=TransferStatus.ACCEPTED)
    for t in accepted:
        assert t.membership.org_id == t.to_org_id
        assert t.membership.events.filter(type="transfer_in", from_org=t.from_org_id).exists()
    pending = TransferRequest.objects.filter(status=TransferStatus.PENDING)
    assert {t.membership.status for t in pending} <= {"transferring"}
    assert Membership.objects.filter(status="transferring").count() == pending.count()


def test_it_creates_the_portal_demo_member(demo):
    person = person_for_mobile(DEMO_MEMBER["mobile"])
    assert person is not None and person.verified_at is not None
    m = Membership.objects.get(person=person)
    assert (m.status, m.worker_type, m.gig_subtype, m.platform) == ("active", "gig", "delivery", "美团")
    assert m.org.code == "440305-F2" and m.org.parent.code == "440305"
    assert m.cards.filter(status=Card.Status.ACTIVE).count() == 1
    assert "13800000001" in demo


def test_it_routes_demo_gig_workers_to_their_district_federation(demo):
    org, _why = route_gig_worker("美团", "440305001")
    assert org.code == "440305-F2"
    org, _why = route_gig_worker("货拉拉", "440304")
    assert org.code == "440304-F4"
    org, _why = route_gig_worker("某新平台", "440106", "courier")
    assert org.code == "440106-F1"
    assert RoutingRule.objects.filter(org__code="440305-F2").count() == 4  # 3 platforms + the catch-all


def test_it_files_pending_join_applications(demo):
    pending = JoinApplication.objects.filter(status=JoinStatus.PENDING)
    assert pending.count() == 40
    for application in pending.select_related("org"):
        assert application.org_path == application.org.path
        assert not Membership.objects.filter(person_id=application.person_id).exists()


def test_it_leaves_one_audit_entry_per_bulk_step_and_a_verifying_chain(demo):
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["member.bulk_create"] == 1
    assert actions["person.bulk_create"] == 1
    assert actions["member.join_apply_bulk"] == 1
    assert actions["member.routing_bulk_create"] == 1
    entry = AuditEntry.objects.get(action="member.bulk_create")
    assert entry.after["memberships"] == MEMBERS + 1
    assert entry.after["cards"] == Card.objects.count()
    audit.seal()
    assert audit.verify().ok


def test_it_does_nothing_new_when_run_again(demo):
    before = (Person.objects.count(), Membership.objects.count(), Card.objects.count(), AuditEntry.objects.count())
    out = load()
    assert "nothing to do" in out
    assert before == (
        Person.objects.count(),
        Membership.objects.count(),
        Card.objects.count(),
        AuditEntry.objects.count(),
    )
    assert "demo data set" not in load(if_empty=True)


def test_it_makes_unique_valid_synthetic_identities():
    numbers = [synthetic_identity(i).number for i in range(20_000)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[:500]:
        parse_document(DocType.RESIDENT_ID, number)
    mobiles = {synthetic_mobile(i) for i in range(20_000)}
    assert len(mobiles) == 20_000 and DEMO_MEMBER["mobile"] not in mobiles


def test_it_seeds_subsistence_lines_and_aid_programmes_once(db):
    from gonghui.hardship.models import SubsistenceLine
    from gonghui.hardship.models_aid import AidProgramme, Budget
    from gonghui.hardship.rules import division_chain, pick_line

    call_command("demo", members=20, stdout=io.StringIO())
    call_command("demo", members=20, stdout=io.StringIO())
    year = timezone.localdate().year
    assert SubsistenceLine.objects.filter(year=year).count() == 4
    # A district without its own line inherits its city's (深圳 for 南山).
    rows = {line.division_code: line.monthly_amount for line in SubsistenceLine.objects.filter(year=year)}
    assert pick_line("440305", rows) == ("440300", Decimal("1365"))
    assert division_chain("440305")[-1] == "440000"
    assert AidProgramme.objects.filter(org__code="440305", code="autumn_education").exists()
    assert Budget.objects.filter(org__code="440305", year=year).count() >= 1
