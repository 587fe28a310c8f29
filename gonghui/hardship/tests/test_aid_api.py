"""The read-only aid endpoints (/api/v1/aid): four personas, accounts and documents only masked,
filters with clear errors, stats reconciled with the rows, query counts that do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.hardship import aid
from gonghui.hardship.tests.aid_helpers import (
    ACCOUNT,
    apply,
    approve,
    archived_household,
    budget,
    finance_personas,
    propose,
    seed_programmes,
    student,
)
from gonghui.members.tests.helpers import make_member

BASE = "/api/v1/aid"


@pytest.fixture
def world(tree, hp, lines, clock):
    """One paid 金秋助学 payment (¥5,000) under 南山区, and one more proposed."""
    clock.set(dt.date(clock.today.year, 3, 2))
    fp = finance_personas(tree)
    autumn = seed_programmes(tree)["autumn_education"]
    budget(tree.district, autumn, "20000")
    made = []
    for _i in range(2):
        m = make_member(tree.grassroots)
        archive = archived_household(m, clock)
        a = approve(apply(autumn, m, user=hp.own, household_member=student(archive)), clock, user=hp.own)
        made.append(propose(a, user=hp.own))
    paid = aid.do_approve_disbursement(acting_user=fp.own, disbursement=made[0])
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=[paid])
    from gonghui.hardship.bankfile import do_export_bank_file

    do_export_bank_file(acting_user=fp.own, batch=batch)
    aid.do_reconcile_batch(acting_user=fp.own, batch=batch)
    return {"paid": paid, "waiting": made[1], "fp": fp}


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lists_aid_in_scope(api_for, hp, world, tree, name):
    client = api_for(getattr(hp, name))
    assert [p["code"] for p in client.get(f"{BASE}/programmes").json()["items"]] == [
        "autumn_education",
        "living_aid",
        "medical_aid",
        "winter_relief",
    ]
    apps = client.get(f"{BASE}/applications").json()["items"]
    assert {a["status"] for a in apps} == {"paid", "approved"} and all(a["amount"] == "5000.00" for a in apps)
    rows = client.get(f"{BASE}/disbursements").json()["items"]
    assert {r["status"] for r in rows} == {"paid", "proposed"}
    assert client.get(f"{BASE}/budgets").json()["items"][0]["available"] == "15000.00"
    assert client.get(f"{BASE}/stats/{tree.district.code}").json() == [
        {"programme": "金秋助学", "count": 1, "amount": "5000.00"}
    ]
    archive = world["paid"].application.archive
    items = client.get(f"{BASE}/archives/{archive.number}/payments").json()
    assert {i["kind"] for i in items} == {"aid_application", "payment"}


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_hides_aid_outside_the_scope(api_for, hp, world, tree, name):
    client = api_for(getattr(hp, name))
    for url in ("programmes", "applications", "disbursements", "budgets"):
        assert client.get(f"{BASE}/{url}").json()["items"] == []
    archive = world["paid"].application.archive
    response = client.get(f"{BASE}/archives/{archive.number}/payments")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    stats = client.get(f"{BASE}/stats/{tree.city.code}")
    assert stats.status_code == 404 or stats.json() == []


def test_it_shows_accounts_and_documents_only_masked(api_for, hp, world):
    client = api_for(hp.own)
    text = client.get(f"{BASE}/disbursements").content.decode() + client.get(f"{BASE}/applications").content.decode()
    assert ACCOUNT not in text and "6222***********0123" in text
    from gonghui.core import crypto
    from gonghui.people.actions import DOC_PURPOSE

    member = world["paid"].application.household_member
    assert crypto.decrypt(member.doc_cipher, DOC_PURPOSE) not in text and member.doc_masked in text


def test_it_filters_and_refuses_an_unknown_status(api_for, hp, world):
    client = api_for(hp.own)
    assert len(client.get(f"{BASE}/disbursements?status=paid").json()["items"]) == 1
    assert len(client.get(f"{BASE}/applications?status=approved").json()["items"]) == 1
    response = client.get(f"{BASE}/disbursements?status=lost")
    assert response.status_code == 422 and "status" in response.json()["error"]["fields"]


def test_it_counts_the_checkers_queue(api_for, hp, world):
    assert api_for(world["fp"].own).get(f"{BASE}/queues").json()["payments_to_approve"] == 1
    assert api_for(hp.own).get(f"{BASE}/queues").json()["payments_to_approve"] == 0


def test_it_lists_disbursements_without_n_plus_one(api_for, hp, world, tree, clock):
    client = api_for(hp.own)
    url = f"{BASE}/disbursements"
    client.get(url)  # the first request of a token also records its use
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    m = make_member(tree.grassroots)
    archive = archived_household(m, clock)
    autumn = world["paid"].application.programme
    a = approve(apply(autumn, m, user=hp.own, household_member=student(archive)), clock, user=hp.own)
    propose(a, user=hp.own)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(url).json()["items"]) == 3
    assert len(three) == len(two)


def test_it_requires_authentication(client, world):
    assert client.get(f"{BASE}/disbursements").status_code == 401
