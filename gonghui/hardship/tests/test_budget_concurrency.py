"""The budget under concurrency (PostgreSQL): several checkers approve disbursements on the same
budget at the same moment. The budget holds exactly enough for some of them; the conditional UPDATE
lets exactly those commit, the others get a clear refusal, and the budget equals its ledger."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from gonghui.core.testing import build_tree, make_staff
from gonghui.hardship import aid, aid_queries
from gonghui.hardship.models_aid import AidProgramme, Budget, Disbursement, LedgerEntry

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 6
AMOUNT = Decimal("1000.00")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no concurrent approval to race")


def _proposed(tree, programme, n) -> list[Disbursement]:
    """`n` proposed disbursements of ¥1,000 on the district budget, written directly (the
    application flow is tested elsewhere; here only the draw races)."""
    from gonghui.hardship.models_aid import AidApplication
    from gonghui.members.tests.helpers import make_member

    budget = Budget.objects.get(programme=programme)
    rows = []
    for i in range(n):
        m = make_member(tree.grassroots)
        app = AidApplication.objects.create(
            programme=programme,
            year=budget.year,
            membership=m,
            person=m.person,
            org=m.org,
            org_path=m.org.path,
            beneficiary_name=m.person.name,
            beneficiary_index=f"race-{i}",
            amount=AMOUNT,
            rule_label="测试",
            status="approved",
            reason="并发测试",
            applied_on=aid._today(),
        )
        rows.append(
            Disbursement.objects.create(
                application=app,
                budget=budget,
                org=m.org,
                org_path=m.org.path,
                amount=AMOUNT,
                payee_name="张三",
                bank_name="工商银行",
                account_cipher=b"x",
                account_masked="6222****0123",
            )
        )
    return rows


def test_it_never_overspends_when_checkers_approve_at_once():
    tree = build_tree()
    (programme,) = [p for p in aid.seed_standard_programmes(tree.district) if p.code == "winter_relief"]
    programme = AidProgramme.objects.get(pk=programme.pk)
    aid.do_set_budget(
        acting_user=None, org=tree.district, programme=programme, year=aid._today().year, amount="3500", reason="预算"
    )
    checkers = [make_staff(f"checker-{i}", tree.district, roles=("finance",)) for i in range(THREADS)]
    proposed = _proposed(tree, programme, THREADS)
    barrier = threading.Barrier(THREADS, timeout=20)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(user, disbursement):
        try:
            barrier.wait()
            result = aid.do_approve_disbursement(acting_user=user, disbursement=disbursement)
        except ValidationError as e:
            result = e
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(checkers, proposed, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    approved = [o for o in outcomes if isinstance(o, Disbursement)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(approved) == 3 and len(refused) == THREADS - 3, outcomes
    assert all("不足以发放" in str(e) for e in refused)
    budget = Budget.objects.get()
    assert (budget.amount, budget.spent) == (Decimal("3500.00"), Decimal("3000.00"))
    assert LedgerEntry.objects.filter(kind="draw").count() == 3
    assert Disbursement.objects.filter(status="approved").count() == 3
    sums = aid_queries.ledger_balance(budget=budget)
    assert (sums["allocated"], sums["spent"]) == (budget.amount, budget.spent)
    assert aid_queries.ledger_mismatches() == []


def test_it_lets_only_one_of_two_simultaneous_applications_for_the_same_student(monkeypatch):
    """No double aid under concurrency: both pass the Python check, the partial unique index on the
    beneficiary's blind index lets exactly one commit; the other gets the same clear error."""
    import datetime as dt

    from gonghui.hardship.models_aid import AidApplication
    from gonghui.members.tests.helpers import make_member, next_id

    tree = build_tree()
    programme = next(p for p in aid.seed_standard_programmes(tree.district) if p.code == "autumn_education")
    workers = [make_member(tree.grassroots), make_member(tree.grassroots)]
    doc = next_id(born=dt.date(2006, 5, 1))
    barrier = threading.Barrier(2, timeout=20)
    original = aid.evaluate

    def evaluate_then_wait(programme, facts):
        result = original(programme, facts)
        barrier.wait()  # both applications are past validation before either inserts
        return result

    monkeypatch.setattr(aid, "evaluate", evaluate_then_wait)
    outcomes: list[object] = []

    def run(worker):
        try:
            outcomes.append(
                aid.do_apply(
                    acting_user=None,
                    programme=programme,
                    membership=worker,
                    year=aid._today().year,
                    reason="考入大学",
                    beneficiary_name="李小明",
                    doc_number=doc,
                    schooling="university",
                    flags={"temporary_hardship": True},
                )
            )
        except ValidationError as e:
            outcomes.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    made = [o for o in outcomes if isinstance(o, AidApplication)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert "不得重复资助" in str(refused[0])
    assert AidApplication.objects.count() == 1


def test_it_keeps_the_ledger_append_only_in_the_database():
    """Below the ORM: raw UPDATE of an amount and raw DELETE are refused by the trigger; moving a row's
    placement in the tree (org, path) is allowed."""
    from django.db import DatabaseError, transaction

    tree = build_tree()
    programme = aid.seed_standard_programmes(tree.district)[0]
    aid.do_set_budget(
        acting_user=None, org=tree.district, programme=programme, year=aid._today().year, amount="100", reason="预算"
    )
    entry = LedgerEntry.objects.get()
    with connection.cursor() as cursor:
        for sql in (
            "UPDATE hardship_ledgerentry SET amount = 1 WHERE id = %s",
            "DELETE FROM hardship_ledgerentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError, match="never"), transaction.atomic():
                cursor.execute(sql, [entry.pk])
        cursor.execute("UPDATE hardship_ledgerentry SET org_path = org_path WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get().amount == Decimal("100.00")
