"""Counts stop at a cap so that province-wide lists never COUNT(*) millions of rows."""

from gonghui.core import paging
from gonghui.core.paging import CappedPaginator, capped_count
from gonghui.orgs.models import Org


def test_it_counts_exactly_below_the_cap(tree):
    assert capped_count(Org.objects.all(), cap=100) == (Org.objects.count(), False)


def test_it_stops_at_the_cap_and_says_so(tree):
    total = Org.objects.count()
    assert total > 3
    assert capped_count(Org.objects.order_by("-name"), cap=3) == (3, True)
    assert capped_count(Org.objects.all(), cap=total) == (total, False)  # exactly the cap is not "more"


def test_it_pages_within_the_cap(tree):
    paginator = CappedPaginator(Org.objects.order_by("pk"), 2)
    paginator.cap = 3
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)
    assert len(paginator.get_page(2).object_list) == 1  # rows stop at the cap too: no page beyond it


def test_it_caps_the_member_list_and_skips_status_counts(tree, personas, client_for, monkeypatch):
    from gonghui.members.tests.helpers import make_member

    for _ in range(3):
        make_member(tree.grassroots)
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    response = client_for(personas.own).get("/members/")
    assert response.context["page_obj"].paginator.capped
    assert response.context["counts"] == []
    assert "超过 2 名会员" in response.content.decode()


def test_it_caps_api_counts(tree, personas, api_for, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    monkeypatch.setattr(paging.capped_count, "__defaults__", (2,))
    body = api_for(personas.ancestor).get("/api/v1/orgs?page_size=1").json()
    assert (body["count"], body["count_capped"], body["pages"]) == (2, True, 2)
