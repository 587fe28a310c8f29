"""PostgreSQL only: 100 simultaneous claimants on one wish → exactly one claim; concurrent grant
approvals never take a fund below zero; the database trigger refuses UPDATE and DELETE on the fund
ledger. Real threads, real transactions (transaction=True)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction

from gonghui.benefits.tests.test_concurrency import run_together  # one harness for every race test
from gonghui.charity import actions_grants, actions_wishes
from gonghui.charity.models import Fund, FundLedger, Grant
from gonghui.charity.models_wishes import Wish
from gonghui.charity.tests.helpers import donate, make_campaign, make_fund, make_round, post_wish, propose_grant
from gonghui.core.actionkit import Actor
from gonghui.core.models import AuditEntry
from gonghui.core.testing import build_tree, make_staff
from gonghui.members.tests.helpers import make_member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write transaction, so there is no race to test")


def test_it_gives_one_wish_to_exactly_one_of_100_concurrent_claimants():
    tree = build_tree()
    staff = make_staff("wish-reviewer", tree.district, roles=("charity",))
    wish = post_wish(make_round(tree.district), make_member(tree.grassroots))
    wish = actions_wishes.do_review_wish(acting_user=staff, wish=wish, approve=True)
    claimants = [Actor.member(100000 + i, f"会员{i}") for i in range(100)]
    connections.close_all()

    outcomes = run_together(
        [lambda a=a: actions_wishes.do_claim_wish(acting_user=a, wish=wish, claimant_kind="member") for a in claimants]
    )

    won = [o for o in outcomes if isinstance(o, Wish)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1 and len(lost) == 99, [o for o in outcomes if not isinstance(o, Wish | ValidationError)]
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == "claimed" and wish.claims == 1 and wish.claimant_person_id == won[0].claimant_person_id
    assert AuditEntry.objects.filter(action="charity.wish_claim").count() == 1


def test_concurrent_grant_approvals_never_overdraw_the_fund():
    tree = build_tree()
    maker = make_staff("grant-maker", tree.district, roles=("charity",))
    checker = make_staff("grant-checker", tree.district, roles=("charity",))
    fund = make_fund(tree.district)
    donate(make_campaign(fund, ratio="0", cap="0"), "1000.00")
    grants = [propose_grant(fund, user=maker, amount="100.00") for _ in range(30)]
    connections.close_all()

    outcomes = run_together([lambda g=g: actions_grants.do_approve_grant(acting_user=checker, grant=g) for g in grants])

    approved = [o for o in outcomes if isinstance(o, Grant)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(approved) == 10 and len(refused) == 20, outcomes
    fund = Fund.objects.get(pk=fund.pk)
    assert fund.balance == Decimal("0.00") and fund.granted == Decimal("1000.00")
    assert sum(FundLedger.objects.filter(fund=fund).values_list("amount", flat=True)) == Decimal("0.00")


def test_the_database_refuses_to_update_or_delete_ledger_rows():
    tree = build_tree()
    fund = make_fund(tree.district)
    donate(make_campaign(fund), "10.00")
    row = FundLedger.objects.filter(kind="donation").first()
    from django.db.models import QuerySet

    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet.update(FundLedger.objects.filter(pk=row.pk), amount=Decimal("99"))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM charity_fundledger WHERE id = %s", [row.pk])
    QuerySet.update(FundLedger.objects.filter(pk=row.pk), org_path=row.org_path)  # placement may follow org moves
    assert FundLedger.objects.get(pk=row.pk).amount == Decimal("10.00")
