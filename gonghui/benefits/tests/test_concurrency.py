"""Voucher claims under concurrency (PostgreSQL): 200 simultaneous claimants for a quota of 100
leave exactly 100 vouchers, and one member claiming from many threads at once never holds more
than the per-member limit. Real threads, real transactions (transaction=True)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from gonghui.benefits import actions, queries
from gonghui.benefits.actions import ClaimRefused
from gonghui.benefits.models import Campaign, Voucher
from gonghui.benefits.tests.helpers import make_campaign
from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.core.testing import build_tree
from gonghui.members.tests.helpers import make_member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write transaction, so there is no race to test")


# The server's max_connections (100) is shared with other test runs: claimants go through a pool
# of connections, as they would through an application server's pool.
POOL = 40


def run_together(jobs):
    """Start every job at the same moment (a barrier); each takes one of POOL connections; collect outcomes."""
    barrier = threading.Barrier(len(jobs), timeout=60)
    pool = threading.BoundedSemaphore(POOL)
    outcomes: list[object] = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        with pool:
            try:
                outcomes[i] = job()
            except Exception as exc:  # noqa: BLE001 (the outcome is what the test inspects)
                outcomes[i] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def test_it_issues_exactly_the_quota_to_200_concurrent_claimants():
    tree = build_tree()
    campaign = make_campaign(tree.district, quota=100, budget=Decimal("5000"))
    members = [queries.claimant(membership_id=make_member(tree.grassroots).pk) for _ in range(200)]
    connections.close_all()

    outcomes = run_together([lambda m=m: actions.do_claim_voucher(campaign=campaign, membership=m) for m in members])

    issued = [o for o in outcomes if isinstance(o, Voucher)]
    refused = [o for o in outcomes if isinstance(o, ClaimRefused)]
    assert len(issued) == 100 and len(refused) == 100, [
        o for o in outcomes if not isinstance(o, Voucher | ClaimRefused)
    ]
    assert {r.refusal for r in refused} == {"sold_out"}
    assert Voucher.objects.filter(campaign=campaign).count() == 100
    assert Campaign.objects.get(pk=campaign.pk).issued == 100
    assert Voucher.objects.values("membership").distinct().count() == 100
    assert AuditEntry.objects.filter(action="benefits.voucher_claim").count() == 100
    # The single-statement claims wrote entries the audit chain seals and verifies like any other.
    audit.seal()
    assert audit.verify().ok


def test_one_member_claiming_from_many_threads_gets_only_the_limit():
    tree = build_tree()
    campaign = make_campaign(tree.district, quota=100, per_member_limit=2, budget=Decimal("5000"))
    member = queries.claimant(membership_id=make_member(tree.grassroots).pk)
    others = [queries.claimant(membership_id=make_member(tree.grassroots).pk) for _ in range(10)]
    connections.close_all()

    jobs = [lambda: actions.do_claim_voucher(campaign=campaign, membership=member) for _ in range(20)]
    jobs += [lambda m=m: actions.do_claim_voucher(campaign=campaign, membership=m) for m in others]
    outcomes = run_together(jobs)

    unexpected = [o for o in outcomes if not isinstance(o, Voucher | ClaimRefused)]
    assert not unexpected, unexpected
    assert Voucher.objects.filter(campaign=campaign, membership=member).count() == 2
    assert sorted(Voucher.objects.filter(membership=member).values_list("member_seq", flat=True)) == [1, 2]
    assert Voucher.objects.filter(campaign=campaign).count() == 12 == Campaign.objects.get(pk=campaign.pk).issued
    assert {o.refusal for o in outcomes if isinstance(o, ClaimRefused)} <= {"limit", "busy"}
