"""The read-only hardship endpoints: four personas, masked documents, filters, errors, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.core import crypto
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import child, create, to_state
from gonghui.members.tests.helpers import make_member
from gonghui.people.actions import DOC_PURPOSE

BASE = "/api/v1/hardship"


@pytest.fixture
def archive(tree, hp, lines, clock):
    return to_state(create(make_member(tree.grassroots), user=hp.own, household=[child()]), S.CHECKED, clock)


@pytest.mark.parametrize("name", ["own", "ancestor"])
def test_it_lists_and_shows_archives_in_scope(api_for, hp, archive, name):
    client = api_for(getattr(hp, name))
    body = client.get(f"{BASE}/archives").json()
    assert [a["number"] for a in body["items"]] == [archive.number]
    detail = client.get(f"{BASE}/archives/{archive.number}")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "checked" and data["category"] == "deep" and data["category_label"] == "深度困难"
    assert len(data["household"]) == 2
    timeline = client.get(f"{BASE}/archives/{archive.number}/timeline").json()
    assert {"event.created", "visit", "check"} <= {i["kind"] for i in timeline}


@pytest.mark.parametrize("name", ["outsider", "sibling"])
def test_it_hides_archives_outside_the_scope(api_for, hp, archive, name):
    client = api_for(getattr(hp, name))
    assert client.get(f"{BASE}/archives").json()["items"] == []
    for url in (f"{BASE}/archives/{archive.number}", f"{BASE}/archives/{archive.number}/timeline"):
        response = client.get(url)
        assert response.status_code == 404
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_it_shows_document_numbers_only_masked(api_for, hp, archive):
    text = api_for(hp.own).get(f"{BASE}/archives/{archive.number}").content.decode()
    for member in archive.household.all():
        number = crypto.decrypt(member.doc_cipher, DOC_PURPOSE)
        assert number not in text
        assert member.doc_masked in text


def test_it_filters_by_status_and_refuses_an_unknown_value(api_for, hp, archive):
    client = api_for(hp.own)
    assert client.get(f"{BASE}/archives?status=archived").json()["items"] == []
    assert len(client.get(f"{BASE}/archives?status=checked").json()["items"]) == 1
    response = client.get(f"{BASE}/archives?status=happy")
    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]


def test_it_filters_by_subtree(api_for, hp, archive, tree):
    client = api_for(hp.ancestor)
    assert len(client.get(f"{BASE}/archives?under={tree.district.code}").json()["items"]) == 1
    assert client.get(f"{BASE}/archives?under={tree.sibling_district.code}").json()["items"] == []


def test_it_lists_without_n_plus_one(api_for, hp, archive, tree, lines):
    client = api_for(hp.own)
    url = f"{BASE}/archives"
    client.get(url)  # the first request of a token also records its use
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _i in range(3):
        create(make_member(tree.grassroots), user=hp.own)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(url).json()["items"]) == 4
    assert len(four) == len(one)


def test_it_counts_the_work_queues(api_for, hp, archive):
    body = api_for(hp.own).get(f"{BASE}/queues").json()
    assert body["awaiting_visit"] == 0 and body["exits_proposed"] == 0
    assert api_for(hp.sibling).get(f"{BASE}/queues").json()["awaiting_visit"] == 0


def test_it_requires_authentication(client, archive):
    assert client.get(f"{BASE}/archives").status_code == 401
