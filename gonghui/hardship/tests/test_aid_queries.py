"""Aid read helpers: scoped lists with the four personas and fixed query counts, the checker's
queue, aid paid by programme for a subtree reconciled with the ledger rows, and the household's
payments on its timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from gonghui.hardship import aid, aid_queries
from gonghui.hardship.bankfile import do_export_bank_file
from gonghui.hardship.models_aid import Disbursement, LedgerEntry
from gonghui.hardship.tests.aid_helpers import (
    ACCOUNT,
    apply,
    approve,
    archived_household,
    budget,
    d,
    finance_personas,
    propose,
    seed_programmes,
    student,
)
from gonghui.members.tests.helpers import make_member


@pytest.fixture
def fp(tree):
    return finance_personas(tree)


@pytest.fixture
def paid_world(tree, hp, fp, lines, clock):
    """Three 金秋助学 payments under 南山区 (two paid, one failed) and one 送温暖 payment paid;
    one more 金秋助学 disbursement proposed and waiting for the checker."""
    programmes = seed_programmes(tree)
    autumn, winter = programmes["autumn_education"], programmes["winter_relief"]
    year = clock.today.year  # the clock runs on through the notices; keep one aid year
    budget(tree.district, autumn, "50000", year=year)
    budget(tree.district, winter, "10000", year=year)
    made = []
    for schooling in ("university", "senior", "university", "senior"):
        m = make_member(tree.grassroots)
        archive = archived_household(m, clock, schooling=schooling)
        a = approve(apply(autumn, m, user=hp.own, year=year, household_member=student(archive)), clock, user=hp.own)
        made.append(propose(a, user=hp.own))
        if schooling == "university" and len(made) == 1:
            w = approve(apply(winter, m, user=hp.own, year=year), clock, user=hp.own)
            made.append(propose(w, user=hp.own))
    waiting = made.pop()
    approved = [aid.do_approve_disbursement(acting_user=fp.own, disbursement=x) for x in made]
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=approved)
    do_export_bank_file(acting_user=fp.own, batch=batch)
    failed = approved[2]
    aid.do_reconcile_batch(acting_user=fp.own, batch=batch, failed={failed.pk: "账号错误"})
    return {"autumn": autumn, "winter": winter, "waiting": waiting, "failed": failed, "approved": approved}


def test_it_reports_aid_paid_by_programme_reconciled_with_the_ledger(tree, hp, fp, paid_world):
    stats = aid_queries.aid_paid_by_programme(hp.ancestor, tree.city)
    assert stats == {
        "送温暖": {"count": 1, "amount": d("2000.00")},
        "金秋助学": {"count": 2, "amount": d("10000.00")},
    }
    from_ledger = aid_queries.ledger_paid_by_programme(hp.ancestor, tree.city)
    assert {k: v["amount"] for k, v in stats.items()} == from_ledger
    rows = Disbursement.objects.filter(status="paid")
    assert sum(r.amount for r in rows) == sum(v["amount"] for v in stats.values())
    # the failed payment is in the ledger twice (draw and reversal) and nets to zero
    failed_rows = LedgerEntry.objects.filter(disbursement=paid_world["failed"]).values_list("kind", "amount")
    assert sorted(failed_rows) == [("draw", d("3000.00")), ("reversal", d("-3000.00"))]
    assert aid_queries.ledger_mismatches() == []
    assert aid_queries.aid_paid_by_programme(hp.sibling, tree.city) == {}
    assert aid_queries.aid_paid_by_programme(hp.own, tree.sibling_district) == {}


def test_it_shows_the_checker_only_other_peoples_proposals_in_scope(hp, fp, paid_world, django_assert_num_queries):
    waiting = paid_world["waiting"]
    fp.own.scope_paths("finance.approve")  # loads (and caches) the user's grants
    with django_assert_num_queries(1):
        assert [x.pk for x in aid_queries.disbursements_to_approve(fp.own)] == [waiting.pk]
    assert [x.pk for x in aid_queries.disbursements_to_approve(fp.ancestor)] == [waiting.pk]
    assert list(aid_queries.disbursements_to_approve(fp.sibling)) == []
    assert list(aid_queries.disbursements_to_approve(fp.outsider)) == []
    assert list(aid_queries.disbursements_to_approve(hp.own)) == []  # no finance.approve


@pytest.mark.parametrize(
    ("name", "count", "queries"), [("own", 5, 1), ("ancestor", 5, 1), ("sibling", 0, 1), ("outsider", 0, 0)]
)
def test_it_scopes_the_lists_for_the_four_personas(hp, paid_world, django_assert_num_queries, name, count, queries):
    user = getattr(hp, name)
    user.scope_paths("hardship.view")  # loads (and caches) the user's grants
    with django_assert_num_queries(queries):  # no grant at all: an empty queryset, no query
        rows = list(aid_queries.disbursements(user))
        for r in rows:  # related rows come with the list, masked account only
            assert r.application.programme.name and r.account_masked.startswith("6222")
    assert len(rows) == count
    assert len(list(aid_queries.applications(user))) == count
    assert len(list(aid_queries.ledger(user))) == (2 + 4 + 1 if count else 0)  # 2 allocations, 4 draws, 1 reversal
    assert len(list(aid_queries.batches(user))) == (1 if count else 0)


def test_it_counts_the_money_work_queues(hp, fp, paid_world, clock):
    assert aid_queries.work_queues(fp.own, clock.today)["payments_to_approve"] == 1
    queues = aid_queries.work_queues(hp.own, clock.today)
    assert queues == {
        "aid_applications_to_check": 0,
        "aid_ready_to_approve": 0,
        "payments_to_approve": 0,
        "payments_to_batch": 0,
        "batches_to_reconcile": 0,
    }


def test_it_lists_applications_ready_to_approve_for_the_programmes_approver(tree, hp, lines, clock):
    autumn = seed_programmes(tree)["autumn_education"]
    m = make_member(tree.grassroots)
    archive = archived_household(m, clock)
    a = apply(autumn, m, user=hp.own, household_member=student(archive))
    a = aid.do_check_application(acting_user=hp.own, application=a, person_name="王帮扶", reason="属实")
    (a,) = aid.do_start_aid_notice(acting_user=hp.own, applications=[a], place="公告栏")
    assert list(aid_queries.applications_ready_to_approve(hp.own, clock.today)) == []
    objection = aid.do_log_aid_objection(acting_user=hp.own, application=a, text="有异议")
    late = a.notice_ends_on + dt.timedelta(days=1)
    assert list(aid_queries.applications_ready_to_approve(hp.own, late)) == []
    aid.do_resolve_aid_objection(acting_user=hp.own, objection=objection, outcome="dismissed", resolution="不成立")
    assert [x.pk for x in aid_queries.applications_ready_to_approve(hp.own, late)] == [a.pk]
    assert [x.pk for x in aid_queries.applications_ready_to_approve(hp.ancestor, late)] == [a.pk]
    assert list(aid_queries.applications_ready_to_approve(hp.sibling, late)) == []


def test_it_puts_payments_on_the_household_timeline(tree, hp, fp, paid_world, django_assert_num_queries):
    paid = paid_world["approved"][0]
    archive = paid.application.archive
    with django_assert_num_queries(3):
        items = aid_queries.timeline_items(archive)
    kinds = [i.kind for i in items]
    assert kinds.count("aid_application") == 2 and kinds.count("payment") == 2
    payment = next(i for i in items if i.kind == "payment" and "金秋助学" in i.title)
    assert "5000.00 元，已发放" in payment.detail and ACCOUNT not in payment.detail and "6222" in payment.detail
    full = aid_queries.full_timeline(archive)
    assert {"payment", "event.transition"} <= {i.kind for i in full}
    assert [i.on for i in full] == sorted(i.on for i in full)
