"""The member console pages with the four personas (own = 南山区, ancestor = 深圳市, sibling = 福田区,
outsider = no grant): reads are scoped (404 outside), forms run actions, bad input writes nothing,
the document reveal is audited, lists cost a constant number of queries.
"""

from __future__ import annotations

import pytest
from django.test import Client

from gonghui.core.models import AuditEntry
from gonghui.members.tests.helpers import make_member

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]


@pytest.fixture
def client_of(personas, client_for):
    return lambda name: client_for(getattr(personas, name))


@pytest.fixture
def member(tree):
    return make_member(tree.grassroots, employer_name="南山测试科技有限公司")


def test_it_smoke(tree, member, client_of):
    c = client_of("own")
    r = c.get("/members/")
    assert r.status_code == 200, r.content[:2000]
    r = c.get(f"/members/{member.member_no}/")
    assert r.status_code == 200, r.content[:3000]
    for a in ["retain", "leave", "dues", "keep", "transfer", "expel", "deceased", "lapse"]:
        r = c.get(f"/members/{member.member_no}/{a}/")
        assert r.status_code == 200, (a, r.content[:3000])
    for u in ["/members/joins/", "/members/transfers/", "/members/joins/new/", "/members/export.csv", "/members/export.xlsx"]:
        r = c.get(u)
        assert r.status_code == 200, (u, r.content[:3000])
    assert Client().get("/members/").status_code == 302
    assert AuditEntry.objects.filter(action="member.export").count() == 2
