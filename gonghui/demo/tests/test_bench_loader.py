"""The benchmark's raw member loader (benchmarks/members_search.py) writes what the bulk demo writes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from benchmarks.members_search import load_members, new_serial
from gonghui.core import audit, crypto
from gonghui.core.models import AuditEntry
from gonghui.members.actions import do_apply_join, do_approve_join
from gonghui.members.management.commands.recount import find_drift
from gonghui.members.models import Card, Membership, MembershipEvent
from gonghui.members.queries import search_q
from gonghui.members.states import CURRENT
from gonghui.orgs.models import Org
from gonghui.people.actions import DOC_PURPOSE, doc_index, pinyin_of
from gonghui.people.identity import DocType, parse_document, synthetic_id
from gonghui.people.models import Person


@pytest.fixture
def loaded(db):
    call_command("demo", members=20, stdout=io.StringIO())
    province = Org.objects.get(code="440000")
    figures = load_members(province, 220)
    return province, figures


def test_it_tops_the_members_up_with_consistent_counters(loaded):
    province, figures = loaded
    assert figures["added"] == 220 - 21 and Membership.objects.count() == 220
    assert find_drift() == ([], Org.objects.count())
    province.refresh_from_db()
    assert province.sub_members == Membership.objects.filter(status__in=CURRENT).count()
    assert load_members(province, 220) == {"added": 0, "existing": 220}


def test_it_writes_rows_the_actions_would_write(loaded):
    numbers = sorted(Membership.objects.values_list("member_no", flat=True))
    assert numbers == [f"440000{n:010d}" for n in range(1, 221)]
    for m in Membership.objects.select_related("person", "org").order_by("-id")[:50]:
        assert m.org_path == m.org.path and m.province_id == m.org.province_id
        number = crypto.decrypt(m.person.doc_cipher, DOC_PURPOSE)
        assert m.person.doc_index == doc_index(parse_document(DocType.RESIDENT_ID, number))
        assert (m.person.name_pinyin, m.person.name_initials) == pinyin_of(m.person.name)
        assert m.events.filter(type=MembershipEvent.Type.JOIN, to_org=m.org).count() == 1
        has_card = m.cards.filter(status=Card.Status.ACTIVE).exists()
        assert has_card == (m.person.verified_at is not None)
    assert AuditEntry.objects.filter(action="member.bulk_create", after__job="benchmark members").count() == 1
    audit.seal()
    assert audit.verify().ok


def test_it_continues_the_id_sequences_so_later_inserts_work(loaded):
    last = Person.objects.order_by("-pk").first().pk
    org = Org.objects.get(code="440305-F2")
    application = do_apply_join(
        acting_user=None,
        person_data={"name": "新会员", "doc_number": synthetic_id("440305", dt.date(1995, 5, 5), 7)},
        work={"worker_type": "gig", "gig_subtype": "delivery", "platform": "美团"},
        channel="web",
        org=org,
    )
    membership = do_approve_join(acting_user=None, application=application)
    assert membership.person.pk > last
    assert membership.cards.get().serial
    assert new_serial().startswith("C") and len(new_serial()) == 12


def test_it_loads_members_the_search_finds_by_every_kind_of_term(loaded):
    person = Person.objects.filter(memberships__isnull=False).order_by("-pk").first()
    mine = set(person.memberships.values_list("pk", flat=True))
    for term in (person.name[:2], person.name[:1], person.name_pinyin[:4], person.name_initials, person.mobile[3:]):
        found = set(Membership.objects.filter(search_q(term)).values_list("pk", flat=True))
        assert mine <= found, term
