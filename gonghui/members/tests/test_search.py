"""Member search (`members.queries.search_q` / `member_list`): which members each kind of input finds, in
each scope, and that the list's pages (a deferred join) hold exactly the rows and order of the plain query.

The data set: three 张伟… in 南山区 (one left the union), a 章伟 (same pinyin, other surname), a 王芳; in 福田区
a 张伟 and a 李娜; in 广州市 a 张磊. Personas: own = 南山区, ancestor = 深圳市, sibling = 福田区, outsider (no role).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.core.models import AuditEntry
from gonghui.core.paging import capped_count
from gonghui.members.models import Membership
from gonghui.members.queries import member_list, search_q
from gonghui.members.states import MembershipStatus
from gonghui.members.tests.helpers import data_of, make_member, make_person, next_id
from gonghui.people.models import Person


@pytest.fixture
def people(tree):
    def member(name, org, **kw):
        return make_member(org, person=make_person(name=name), **kw)

    return {
        "张伟": member("张伟", tree.grassroots),
        "张伟明": member("张伟明", tree.street),
        "张伟强": member("张伟强", tree.grassroots, status=MembershipStatus.LEFT),
        "章伟": member("章伟", tree.district),
        "王芳": member("王芳", tree.grassroots),
        "福田张伟": member("张伟", tree.sibling_grassroots),
        "李娜": member("李娜", tree.sibling_grassroots),
        "张磊": member("张磊", tree.other_city),
    }


NANSHAN = ["张伟", "张伟明", "张伟强", "章伟", "王芳"]
FUTIAN = ["福田张伟", "李娜"]

# term → who it finds anywhere, by key of `people`
SEARCHES = {
    "张伟": ["张伟", "张伟明", "张伟强", "福田张伟"],  # name prefix
    "张": ["张伟", "张伟明", "张伟强", "福田张伟", "张磊"],  # surname only
    "章": ["章伟"],
    "张伟明": ["张伟明"],
    "zhang": ["张伟", "张伟明", "张伟强", "章伟", "福田张伟", "张磊"],  # pinyin prefix: 张 and 章
    "zhangwei": ["张伟", "张伟明", "张伟强", "章伟", "福田张伟"],
    "ZhangWeiM": ["张伟明"],  # case-insensitive
    "zw": ["张伟", "张伟明", "张伟强", "章伟", "福田张伟"],  # initials
    "zwm": ["张伟明"],
    "ZWQ": ["张伟强"],
    "wf": ["王芳"],
    "z": ["张伟", "张伟明", "张伟强", "章伟", "福田张伟", "张磊"],  # one letter: initials and pinyin alike
    "李": ["李娜"],
    "赵": [],
    "xyz": [],
    "": ["张伟", "张伟明", "张伟强", "章伟", "王芳", "福田张伟", "李娜", "张磊"],  # no term: the whole scope
}
SCOPE = {"own": NANSHAN, "ancestor": NANSHAN + FUTIAN, "sibling": FUTIAN, "outsider": []}


def newest_first(people, keys):
    return sorted((people[k].pk for k in keys), reverse=True)


@pytest.mark.parametrize("persona", ["own", "ancestor", "sibling", "outsider"])
@pytest.mark.parametrize("term", list(SEARCHES))
def test_it_finds_each_kind_of_name_search_in_scope_only(people, personas, persona, term):
    user = getattr(personas, persona)
    expected = newest_first(people, [k for k in SEARCHES[term] if k in SCOPE[persona]])
    qs = member_list(user, q=term)
    assert [m.pk for m in qs] == expected
    assert [m.pk for m in qs[:50]] == expected
    assert capped_count(qs) == (len(expected), False)


@pytest.mark.parametrize("persona", ["own", "ancestor", "sibling", "outsider"])
def test_it_finds_by_mobile_document_and_member_number_in_scope_only(people, personas, persona):
    user = getattr(personas, persona)
    for key, m in people.items():
        person = m.person
        number = data_of(person)["doc_number"]
        visible = key in SCOPE[persona]
        for term in (person.mobile, person.mobile[3:], number, number.lower(), m.member_no):
            assert [x.pk for x in member_list(user, q=term)[:50]] == ([m.pk] if visible else []), (key, term)
    assert list(member_list(personas.ancestor, q=next_id())) == []
    assert list(member_list(personas.ancestor, q="13900000000")) == []


def test_it_pages_exactly_like_the_plain_query(people, personas):
    """The deferred-join page (ids first, then rows) returns the rows and order of ORDER BY … LIMIT … OFFSET."""
    plain = list(
        Membership.objects.restrict(personas.ancestor, "view")
        .filter(search_q("zw"))
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    assert len(plain) == 5
    qs = member_list(personas.ancestor, q="zw")
    for start, stop in [(0, 2), (2, 4), (4, 6), (1, 3), (0, 50), (5, 10)]:
        assert [m.pk for m in qs[start:stop]] == plain[start:stop]
    assert qs[3].pk == plain[3]  # an index still works as before
    assert [m.pk for m in member_list(personas.ancestor, q="zw", status=MembershipStatus.ACTIVE)[:50]] == [
        pk for pk in plain if pk != people["张伟强"].pk
    ]
    in_grassroots = member_list(personas.ancestor, q="张", org=people["张伟"].org)
    assert [m.pk for m in in_grassroots[:50]] == newest_first(people, ["张伟", "张伟强"])


def test_it_reads_a_page_and_its_capped_count_in_one_query_each(people, personas, django_assert_num_queries):
    qs = member_list(personas.ancestor, q="zhang")
    with django_assert_num_queries(1):
        count = capped_count(qs)
    with CaptureQueriesContext(connection) as captured:
        rows = [(m.member_no, m.person.name, m.org.name) for m in qs[:50]]
    assert count == (5, False) and len(rows) == 5
    assert len(captured) == 1  # person and org joined in the same query
    sql = captured[0]["sql"]
    assert sql.count("SELECT") >= 2 and "LIMIT 50" in sql  # the page's ids are chosen inside, then joined


def test_it_caps_the_count_of_a_broad_search(people, personas):
    qs = member_list(personas.ancestor, q="zhang")
    assert capped_count(qs, cap=3) == (3, True)
    assert capped_count(qs, cap=5) == (5, False)


def test_it_rejects_malformed_numbers_with_no_match_and_writes_nothing(people, personas):
    before = (AuditEntry.objects.count(), Person.objects.count(), Membership.objects.count())
    for term in ("110101199001011230", "4400000000000000x", "+86 139", "   "):
        qs = member_list(personas.ancestor, q=term)
        assert list(qs[:50]) == [] or term.strip() == ""
    assert (AuditEntry.objects.count(), Person.objects.count(), Membership.objects.count()) == before


@pytest.mark.parametrize("persona", ["own", "ancestor", "sibling", "outsider"])
def test_it_searches_the_same_through_the_list_page_and_the_api(people, personas, client_for, api_for, persona):
    user = getattr(personas, persona)
    expected = [people[k] for k in sorted(SEARCHES["zw"], key=lambda k: -people[k].pk) if k in SCOPE[persona]]
    page = client_for(user).get("/members/", {"q": "zw"})
    if persona == "outsider" and page.status_code != 200:
        assert page.status_code in (403, 404)
    else:
        assert [m.pk for m in page.context["object_list"]] == [m.pk for m in expected]
    response = api_for(user).get("/api/v1/members", {"q": "zw"})
    if response.status_code == 200:
        body = response.json()
        assert [item["member_no"] for item in body["items"]] == [m.member_no for m in expected]
        assert body["count"] == len(expected) and body["count_capped"] is False
    else:
        assert persona == "outsider" and response.status_code in (403, 404)
