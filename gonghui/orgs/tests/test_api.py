"""The org endpoints under /api/v1/orgs: scoping with the four personas, errors, writes, query counts.

Objects under test live in 南山区 (personas: own = 南山区, ancestor = 深圳市, sibling = 福田区,
outsider = no grant); see gonghui/orgs/tests/test_actions.py for the tree.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_staff, make_uscc
from gonghui.orgs.actions import do_bulk_create_orgs, do_close_org
from gonghui.orgs.kinds import OrgStatus
from gonghui.orgs.models import Org
from gonghui.orgs.tests.helpers import assert_tree_consistent, reload, table_state

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]


def send(client, method: str, url: str, body=None):
    if body is None:
        return getattr(client, method)(url)
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, data=data, content_type="application/json")


def assert_error(response, status: int, code: str, fields=()):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"].strip()
    for field in fields:
        assert field in body["error"]["fields"], body["error"]["fields"]
        assert all(message.strip() for message in body["error"]["fields"][field])
    return body["error"]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


@pytest.fixture
def client_of(personas, api_for):
    return lambda name: api_for(getattr(personas, name))


# --- authentication -------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/v1/orgs", None),
    ("get", "/api/v1/orgs/440305", None),
    ("get", "/api/v1/orgs/440305/children", None),
    ("get", "/api/v1/orgs/440305/stats", None),
    ("post", "/api/v1/orgs", {"parent": "440305001", "kind": "grassroots", "name": "匿名工会"}),
    ("patch", "/api/v1/orgs/440305", {"name": "匿名修改"}),
    ("post", "/api/v1/orgs/440305001/move", {"new_parent": "440304", "reason": "匿名"}),
    ("post", "/api/v1/orgs/440305001/close", {"reason": "匿名"}),
    ("post", "/api/v1/orgs/440305001/merge", {"target": "440304", "reason": "匿名"}),
]


@pytest.mark.parametrize("method, url, body", ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Token abc", "Bearer "])
def test_it_refuses_requests_without_a_valid_token(tree, method, url, body, authorization):
    client = Client(HTTP_AUTHORIZATION=authorization) if authorization else Client()
    before = table_state()
    error = assert_error(send(client, method, url, body), 401, "unauthenticated")
    assert "Bearer" in error["message"]
    assert table_state() == before


def test_it_refuses_a_revoked_token(tree, personas):
    from gonghui.accounts.actions import do_issue_api_token, do_revoke_api_token

    row, token = do_issue_api_token(acting_user=personas.own, user=personas.own)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert send(client, "get", "/api/v1/orgs").status_code == 200
    do_revoke_api_token(acting_user=personas.own, token=row)
    assert_error(send(client, "get", "/api/v1/orgs"), 401, "unauthenticated")


def test_it_accepts_the_console_session(tree, personas, client_for):
    assert codes(client_for(personas.own).get("/api/v1/orgs")) == ["440305", "440305001", tree.grassroots.code]


# --- GET /orgs ----------------------------------------------------------------------------------


def test_it_lists_only_the_callers_subtree(tree, client_of):
    own = [tree.district.code, tree.street.code, tree.grassroots.code]
    assert codes(send(client_of("own"), "get", "/api/v1/orgs")) == own
    ancestor = codes(send(client_of("ancestor"), "get", "/api/v1/orgs"))
    assert ancestor == [tree.city.code, *own, tree.sibling_district.code, tree.sibling_grassroots.code]
    assert codes(send(client_of("sibling"), "get", "/api/v1/orgs")) == [
        tree.sibling_district.code,
        tree.sibling_grassroots.code,
    ]
    response = send(client_of("outsider"), "get", "/api/v1/orgs")
    assert response.json() == {"items": [], "count": 0, "count_capped": False, "page": 1, "page_size": 50, "pages": 0}


def test_it_lists_items_with_the_documented_fields(tree, client_of):
    [item] = [i for i in send(client_of("own"), "get", "/api/v1/orgs").json()["items"] if i["kind"] == "grassroots"]
    assert item == {
        "code": tree.grassroots.code,
        "name": "南山测试科技有限公司工会",
        "short_name": "",
        "kind": "grassroots",
        "kind_label": "基层工会",
        "federation_kind": "",
        "parent_code": tree.street.code,
        "depth": 4,
        "division_code": "",
        "uscc": tree.grassroots.uscc,
        "status": "active",
        "employee_count": 120,
        "child_count": 0,
        "established_on": None,
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=grassroots", ["grassroots", "sibling_grassroots"]),
        ("q=福田", ["sibling_district", "sibling_grassroots"]),
        ("q=南山测试", ["grassroots"]),
        (f"q={make_uscc('440304', 'MA5EXAMPL').lower()}", ["sibling_grassroots"]),
        ("under=440305", ["district", "street", "grassroots"]),
        ("under=440305&kind=street", ["street"]),
        ("kind=city", ["city"]),
    ],
)
def test_it_filters_the_list(tree, client_of, query, expected):
    response = client_of("ancestor").get("/api/v1/orgs", dict(parse_qsl(query)))
    assert codes(response) == [getattr(tree, attr).code for attr in expected]


def test_it_hides_closed_orgs_unless_asked(tree, client_of):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    client = client_of("own")
    assert tree.grassroots.code not in codes(send(client, "get", "/api/v1/orgs"))
    listed = send(client, "get", "/api/v1/orgs?include_closed=true").json()["items"]
    assert {i["code"]: i["status"] for i in listed}[tree.grassroots.code] == "closed"


def test_it_paginates(tree, client_of):
    body = send(client_of("ancestor"), "get", "/api/v1/orgs?page=2&page_size=4").json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (6, 2, 4, 2)
    assert [i["code"] for i in body["items"]] == [tree.sibling_district.code, tree.sibling_grassroots.code]
    assert_error(send(client_of("ancestor"), "get", "/api/v1/orgs?page_size=500"), 422, "invalid", ["page_size"])


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_an_under_filter_outside_the_scope(tree, client_of, persona):
    assert_error(send(client_of(persona), "get", "/api/v1/orgs?under=440305"), 404, "not_found")


def test_it_refuses_an_unknown_kind_filter(tree, client_of):
    error = assert_error(send(client_of("own"), "get", "/api/v1/orgs?kind=club"), 422, "invalid", ["kind"])
    assert "grassroots" in error["fields"]["kind"][0]


# --- GET /orgs/{code}, /children, /stats ----------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_shows_an_org_in_scope(tree, client_of, persona):
    response = send(client_of(persona), "get", f"/api/v1/orgs/{tree.grassroots.code.lower()}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == tree.grassroots.code
    assert body["name"] == tree.grassroots.name
    assert body["parent_code"] == tree.street.code
    # The part of the path inside every allowed persona's scope (whether codes of ancestors above
    # the caller's scope should be listed is not settled; the console's breadcrumbs leave them out).
    assert body["path_codes"][-3:] == ["440305", "440305001", tree.grassroots.code]
    assert body["merged_into_code"] is None
    assert (body["address"], body["latitude"], body["closed_on"]) == ("", None, None)


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("suffix", ["", "/children", "/stats"])
def test_it_answers_404_outside_the_scope(tree, client_of, persona, suffix):
    response = send(client_of(persona), "get", f"/api/v1/orgs/{tree.district.code}{suffix}")
    assert_error(response, 404, "not_found")
    assert tree.district.name not in response.content.decode()


def test_it_answers_404_for_an_unknown_code(tree, client_of):
    assert_error(send(client_of("ancestor"), "get", "/api/v1/orgs/NO-SUCH-ORG"), 404, "not_found")


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_lists_the_children_of_an_org_in_scope(tree, client_of, persona):
    response = send(client_of(persona), "get", f"/api/v1/orgs/{tree.district.code}/children")
    assert codes(response) == [tree.street.code]
    assert response.json()["items"][0]["parent_code"] == tree.district.code
    assert response.json()["items"][0]["division_code"] == "440305001"


def test_it_lists_closed_children_only_when_asked(tree, client_of):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    url = f"/api/v1/orgs/{tree.street.code}/children"
    assert codes(send(client_of("own"), "get", url)) == []
    assert codes(send(client_of("own"), "get", f"{url}?include_closed=true")) == [tree.grassroots.code]


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_gives_subtree_stats(tree, client_of, persona):
    body = send(client_of(persona), "get", f"/api/v1/orgs/{tree.district.code}/stats").json()
    assert body["code"] == tree.district.code
    assert (body["orgs"], body["grassroots"], body["federations"], body["employees"]) == (3, 1, 0, 120)


def test_it_counts_only_active_orgs_and_employee_kinds_in_stats(tree, client_of):
    do_bulk_create_orgs(
        acting_user=None,
        parent=tree.grassroots,
        specs=[
            {
                "key": "b",
                "parent_key": None,
                "kind": "branch",
                "data": {"name": "分会", "code": "NS-B", "employee_count": 50},
            }
        ],
        job="t",
    )
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="注销")
    body = send(client_of("ancestor"), "get", f"/api/v1/orgs/{tree.city.code}/stats").json()
    # 深圳, 南山, 南头, 南山 grassroots, its branch, 福田 (the closed 福田 union is not counted);
    # a branch's employees are part of its grassroots union's and are not added again.
    assert (body["orgs"], body["grassroots"], body["employees"]) == (6, 1, 120)


# --- POST /orgs ---------------------------------------------------------------------------------


def new_org_body(**overrides):
    body = {"parent": "440305001", "kind": "grassroots", "name": "接口新建公司工会", "employee_count": 12}
    body.update(overrides)
    return body


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_creates_an_org_through_the_api(tree, personas, client_of, persona):
    uscc = make_uscc("440305", "MA5AP1000")
    response = send(client_of(persona), "post", "/api/v1/orgs", new_org_body(uscc=uscc, reason="新建"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["uscc"], body["parent_code"], body["depth"]) == (uscc, uscc, "440305001", 4)
    assert body["path_codes"][-2:] == ["440305001", uscc]
    org = Org.objects.get(code=uscc)
    assert (org.name, org.employee_count, org.parent_id) == ("接口新建公司工会", 12, tree.street.pk)
    entry = AuditEntry.objects.get(action="org.create", object_id=str(org.pk))
    assert entry.actor_id == getattr(personas, persona).pk
    assert entry.reason == "新建"
    assert reload(tree.street).child_count == 2


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_when_creating_under_an_org_outside_the_scope(tree, client_of, persona):
    client = client_of(persona)
    before = table_state()
    assert_error(send(client, "post", "/api/v1/orgs", new_org_body()), 404, "not_found")
    assert table_state() == before


def test_it_answers_403_to_a_viewer_who_tries_to_create(tree, api_for):
    client = api_for(make_staff("viewer", tree.district, roles=("viewer",)))
    before = table_state()
    error = assert_error(send(client, "post", "/api/v1/orgs", new_org_body()), 403, "forbidden")
    assert "org.add" in error["message"]
    assert table_state() == before


BAD_BODIES = [
    ({"name": None}, "name"),
    ("drop:name", "name"),
    ("drop:kind", "kind"),
    ("drop:parent", "parent"),
    ({"kind": "club"}, "kind"),
    ({"kind": "city"}, "kind"),  # a street federation cannot hold a city
    ({"uscc": "91440305MA5EXAMPL0"}, "uscc"),  # wrong check character
    ({"uscc": "91440305MA5EXAMPLS"}, "uscc"),  # S is not in the alphabet
    ({"name": 5}, "name"),
    ({"name": ["工会"]}, "name"),
    ({"employee_count": "很多"}, "employee_count"),
    ({"employee_count": -3}, "employee_count"),
    ({"latitude": "北纬"}, "latitude"),
    ({"latitude": 123}, "latitude"),
    ({"established_on": "2024-13-01"}, "established_on"),
    ({"name": "工" * 121}, "name"),
    ({"federation_kind": "regional"}, "federation_kind"),
    ({"code": "含空格 的代码"}, "code"),
]


@pytest.mark.parametrize("change, field", BAD_BODIES)
def test_it_answers_422_naming_the_field_for_bad_input(tree, client_of, change, field):
    body = new_org_body()
    if isinstance(change, str):
        body.pop(change.split(":")[1])
    else:
        body.update(change)
    client = client_of("own")
    before = table_state()
    assert_error(send(client, "post", "/api/v1/orgs", body), 422, "invalid", [field])
    assert table_state() == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"工会"', "42"])
def test_it_answers_422_when_the_body_is_not_an_object(tree, client_of, raw):
    client = client_of("own")
    before = table_state()
    assert_error(send(client, "post", "/api/v1/orgs", raw), 422, "invalid")
    assert table_state() == before


# --- PATCH /orgs/{code} -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_updates_an_org_through_the_api(tree, client_of, persona):
    response = send(
        client_of(persona),
        "patch",
        f"/api/v1/orgs/{tree.grassroots.code}",
        {"name": "改名后的工会", "latitude": "22.5", "reason": "更名"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["latitude"]) == ("改名后的工会", "22.500000")
    org = reload(tree.grassroots)
    assert (org.name, org.employee_count) == ("改名后的工会", 120)  # fields left out are kept
    assert AuditEntry.objects.get(action="org.update").reason == "更名"


def test_it_answers_with_the_new_code_after_a_code_change(tree, client_of):
    response = send(client_of("own"), "patch", f"/api/v1/orgs/{tree.grassroots.code}", {"code": "ns-tech"})
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "NS-TECH"
    assert response.json()["path_codes"][-1] == "NS-TECH"
    assert send(client_of("own"), "get", "/api/v1/orgs/NS-TECH").status_code == 200


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_when_updating_outside_the_scope(tree, client_of, persona):
    client = client_of(persona)
    before = table_state()
    response = send(client, "patch", f"/api/v1/orgs/{tree.grassroots.code}", {"name": "越权"})
    assert_error(response, 404, "not_found")
    assert table_state() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"uscc": "91440305MA5EXAMPL0"}, "uscc"),
        ({"name": ""}, "name"),
        ({"employee_count": "x"}, "employee_count"),
        ({"code": "440304"}, "code"),
        ({"established_on": "昨天"}, "established_on"),
    ],
)
def test_it_answers_422_for_a_bad_update(tree, client_of, body, field):
    client = client_of("own")
    before = table_state()
    assert_error(send(client, "patch", f"/api/v1/orgs/{tree.grassroots.code}", body), 422, "invalid", [field])
    assert table_state() == before


# --- move, close, merge -------------------------------------------------------------------------


def test_it_moves_an_org_through_the_api(tree, client_of):
    url = f"/api/v1/orgs/{tree.street.code}/move"
    response = send(client_of("ancestor"), "post", url, {"new_parent": tree.sibling_district.code, "reason": "调整"})
    assert response.status_code == 200, response.content
    assert response.json()["parent_code"] == tree.sibling_district.code
    assert response.json()["path_codes"][-3:] == ["440300", "440304", "440305001"]
    assert reload(tree.grassroots).path.startswith(reload(tree.sibling_district).path)
    assert_tree_consistent()


@pytest.mark.parametrize(
    "persona, body, status, code, field",
    [
        ("own", {"new_parent": "440304", "reason": "调整"}, 404, "not_found", None),  # 福田 is out of sight
        ("sibling", {"new_parent": "440304", "reason": "调整"}, 404, "not_found", None),
        ("outsider", {"new_parent": "440304", "reason": "调整"}, 404, "not_found", None),
        ("ancestor", {"new_parent": "440304"}, 422, "invalid", "reason"),
        ("ancestor", {"new_parent": "440304", "reason": ""}, 422, "invalid", "reason"),
        ("ancestor", {"new_parent": "440305001", "reason": "循环"}, 422, "invalid", "new_parent"),
        ("ancestor", {"new_parent": "440305", "reason": "原地"}, 422, "invalid", "new_parent"),
    ],
)
def test_it_refuses_bad_moves(tree, client_of, persona, body, status, code, field):
    org = tree.district if body.get("reason") == "循环" else tree.street
    client = client_of(persona)
    before = table_state()
    assert_error(send(client, "post", f"/api/v1/orgs/{org.code}/move", body), status, code, [field] if field else [])
    assert table_state() == before


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_closes_an_org_through_the_api(tree, client_of, persona):
    response = send(client_of(persona), "post", f"/api/v1/orgs/{tree.grassroots.code}/close", {"reason": "注销"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["closed_on"] is not None
    assert reload(tree.grassroots).status == OrgStatus.CLOSED


def test_it_refuses_to_close_an_org_with_children_through_the_api(tree, client_of):
    client = client_of("own")
    before = table_state()
    error = assert_error(
        send(client, "post", f"/api/v1/orgs/{tree.street.code}/close", {"reason": "撤并"}), 422, "invalid"
    )
    assert "下级组织" in error["message"]
    assert_error(send(client, "post", f"/api/v1/orgs/{tree.grassroots.code}/close", {}), 422, "invalid", ["reason"])
    assert table_state() == before


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_when_closing_outside_the_scope(tree, client_of, persona):
    client = client_of(persona)
    before = table_state()
    response = send(client, "post", f"/api/v1/orgs/{tree.grassroots.code}/close", {"reason": "越权"})
    assert_error(response, 404, "not_found")
    assert table_state() == before


def test_it_merges_through_the_api(tree, client_of):
    client = client_of("ancestor")
    url = f"/api/v1/orgs/{tree.grassroots.code}/merge"
    response = send(client, "post", url, {"target": tree.sibling_grassroots.code, "reason": "合并"})
    assert response.status_code == 200, response.content
    assert (response.json()["code"], response.json()["employee_count"]) == (tree.sibling_grassroots.code, 200)
    source = send(client, "get", f"/api/v1/orgs/{tree.grassroots.code}").json()
    assert (source["status"], source["merged_into_code"]) == ("merged", tree.sibling_grassroots.code)


@pytest.mark.parametrize(
    "persona, target, status, code, field",
    [
        ("own", "sibling_grassroots", 404, "not_found", None),
        ("sibling", "sibling_grassroots", 404, "not_found", None),
        ("outsider", "sibling_grassroots", 404, "not_found", None),
        ("ancestor", "street", 422, "invalid", "target"),  # a grassroots union into a street federation
    ],
)
def test_it_refuses_bad_merges(tree, client_of, persona, target, status, code, field):
    client = client_of(persona)
    before = table_state()
    body = {"target": getattr(tree, target).code, "reason": "合并"}
    response = send(client, "post", f"/api/v1/orgs/{tree.grassroots.code}/merge", body)
    assert_error(response, status, code, [field] if field else [])
    assert table_state() == before


# --- query counts -------------------------------------------------------------------------------


def add_grassroots(parent, n: int, prefix: str):
    specs = [
        {
            "key": i,
            "parent_key": None,
            "kind": "grassroots",
            "data": {"name": f"{prefix}公司{i}工会", "code": f"{prefix}-{i}"},
        }
        for i in range(n)
    ]
    do_bulk_create_orgs(acting_user=None, parent=parent, specs=specs, job="test")


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/orgs", "/api/v1/orgs?under=440305001", "/api/v1/orgs?kind=grassroots", "/api/v1/orgs/440305001/children"],
)
def test_it_lists_with_a_number_of_queries_that_does_not_grow_with_the_rows(
    tree, personas, api_for, django_assert_max_num_queries, url
):
    # A fresh token for each measurement: its first use stamps last_used_at, so both runs do the same work.
    client = api_for(personas.own)
    with django_assert_max_num_queries(7):
        few = queries_for(client, url)
    add_grassroots(tree.street, 30, "NQ")
    client = api_for(personas.own)
    with django_assert_max_num_queries(7):
        many = queries_for(client, url)
    assert many == few
    assert send(api_for(personas.own), "get", url).json()["count"] >= 30


def test_it_shows_an_org_with_a_bounded_number_of_queries(tree, personas, api_for, django_assert_max_num_queries):
    add_grassroots(tree.street, 10, "NQ")
    client = api_for(personas.ancestor)
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/orgs/{tree.grassroots.code}").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/orgs/{tree.street.code}/stats").status_code == 200
