"""The hardship console pages with the four personas (帮扶专员 role: own = 南山区, ancestor = 深圳市,
sibling = 福田区, outsider = no grant). Archives are kept at 南山测试科技有限公司工会 (tree.grassroots)."""

from __future__ import annotations

import pytest

from gonghui.hardship.tests.helpers import create


@pytest.fixture
def archive(member, lines):
    return create(member)


def test_it_smoke(archive, hp, client_for):
    c = client_for(hp.own)
    for url in ["/hardship/", "/hardship/archives/", "/hardship/archives/new/", "/hardship/stats/",
                f"/hardship/archives/{archive.number}/", f"/hardship/archives/{archive.number}/visit/"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
