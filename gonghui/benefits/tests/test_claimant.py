"""`queries.claimant`: the claim path's read, compiled once per process, answers exactly what the
ORM queryset it was compiled from answers — with the current time, in one query."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from gonghui.benefits import queries
from gonghui.benefits.tests.helpers import card_of, gig_member
from gonghui.members.models import Card
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def orm(membership_id):
    return queries._claimant_rows().filter(pk=membership_id).first()


def test_it_reads_the_same_as_the_orm_in_one_query(tree, django_assert_num_queries):
    rider = gig_member(tree.grassroots, skill_level="三级/高级工")
    queries.claimant(membership_id=rider.pk)  # compiled on first use
    with django_assert_num_queries(1):
        got = queries.claimant(membership_id=rider.pk)
    want = orm(rider.pk)
    for name in ("pk", "member_no", "status", "org_path", "province_id", "worker_type", "gig_subtype", "skill_level"):
        assert getattr(got, name) == getattr(want, name)
    assert got.person.name == want.person.name == rider.person.name
    assert got.person.verified_at == want.person.verified_at and got.person.birth_date == want.person.birth_date
    assert got.has_card is True and want.has_card is True
    with django_assert_num_queries(1):
        assert queries.claimant(rider.person).pk == rider.pk
    assert queries.claimant(membership_id=-1) is None and queries.claimant(None) is None


def test_the_card_check_uses_the_time_of_the_call(tree):
    rider = gig_member(tree.grassroots)
    assert queries.claimant(membership_id=rider.pk).has_card is True
    Card.objects.filter(pk=card_of(rider).pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.claimant(membership_id=rider.pk).has_card is False
    assert orm(rider.pk).has_card is False


def test_by_person_only_a_current_membership(tree):
    gone = make_member(tree.grassroots, status="left")
    assert queries.claimant(gone.person) is None
    assert queries.claimant(membership_id=gone.pk).status == "left"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_can_be_used_from_another_thread(tree):
    rider = gig_member(tree.grassroots)
    queries.claimant(membership_id=rider.pk)
    seen = []

    def other():
        try:
            seen.append(queries.claimant(membership_id=rider.pk).pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [rider.pk]


def test_after_a_sell_out_refusals_skip_the_shards_until_the_quota_changes(tree, django_assert_num_queries):
    from django.db import connection

    from gonghui.benefits import actions
    from gonghui.benefits.actions import ClaimRefused
    from gonghui.benefits.models import Voucher
    from gonghui.benefits.tests.helpers import make_campaign

    campaign = make_campaign(tree.district, quota=1)
    first, second, third = (queries.claimant(membership_id=gig_member(tree.grassroots).pk) for _ in range(3))
    actions.do_claim_voucher(campaign=campaign, membership=first)
    with pytest.raises(ClaimRefused) as refused:
        actions.do_claim_voucher(campaign=campaign, membership=second)
    assert refused.value.refusal == "sold_out"
    if connection.vendor == "postgresql":  # the memo is kept where claims are one statement
        with django_assert_num_queries(0), pytest.raises(ClaimRefused) as again:
            actions.do_claim_voucher(campaign=campaign, membership=second)
        assert again.value.refusal == "sold_out"
    actions.do_update_campaign(acting_user=None, campaign=campaign, data={"quota": 2})
    actions.do_claim_voucher(campaign=campaign, membership=third)
    assert Voucher.objects.filter(campaign=campaign).count() == 2
