"""The console's org pages with the four personas (own = 南山区, ancestor = 深圳市, sibling = 福田区,
outsider = no grant): reads are scoped, forms run actions, bad input re-renders and writes nothing.
"""

from __future__ import annotations

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


@pytest.fixture
def client_of(personas, client_for):
    return lambda name: client_for(getattr(personas, name))


def form_data(response, **changes) -> dict:
    """The values a browser would submit for the form on the page, with `changes` applied."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def field_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


def page_urls(tree):
    return {
        "detail": f"/orgs/{tree.district.code}/",
        "children": f"/orgs/{tree.district.code}/children/",
        "create": f"/orgs/{tree.district.code}/new/",
        "edit": f"/orgs/{tree.grassroots.code}/edit/",
        "move": f"/orgs/{tree.street.code}/move/",
        "close": f"/orgs/{tree.grassroots.code}/close/",
        "merge": f"/orgs/{tree.grassroots.code}/merge/",
    }


PAGES = ["detail", "children", "create", "edit", "move", "close", "merge"]


# --- scoping of every page ----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ALLOWED)
def test_it_shows_pages_of_orgs_in_scope(tree, client_of, page, persona):
    response = client_of(persona).get(page_urls(tree)[page])
    assert response.status_code == 200
    org = response.context["org"]
    assert org.code == page_urls(tree)[page].split("/")[2]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_pages_of_orgs_outside_the_scope(tree, client_of, page, persona):
    response = client_of(persona).get(page_urls(tree)[page])
    assert response.status_code == 404
    assert tree.district.name.encode() not in response.content


@pytest.mark.parametrize("page", [*PAGES, "tree", "search"])
def test_it_sends_anonymous_visitors_to_the_login_page(tree, page):
    url = {"tree": "/orgs/", "search": "/orgs/search/?q=南山"}.get(page) or page_urls(tree)[page]
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", ["create", "edit", "move", "close", "merge"])
@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_to_form_posts_outside_the_scope(tree, client_of, page, persona):
    client = client_of(persona)
    before = table_state()
    data = {"kind": "grassroots", "name": "越权", "new_parent": "440304", "target": "440304", "reason": "越权"}
    assert client.post(page_urls(tree)[page], data).status_code == 404
    assert table_state() == before


# --- tree, children, search, picker -------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, root, hidden",
    [("own", "440305", "440300"), ("ancestor", "440300", "440000"), ("sibling", "440304", "440305")],
)
def test_it_starts_the_tree_at_the_users_scope(tree, client_of, persona, root, hidden):
    response = client_of(persona).get("/orgs/")
    assert response.status_code == 200
    assert [o.code for o in response.context["roots"]] == [root]
    assert f'data-code="{root}"'.encode() in response.content
    assert f'data-code="{hidden}"'.encode() not in response.content


def test_it_tells_a_user_without_grants_that_the_tree_is_empty(tree, client_of):
    response = client_of("outsider").get("/orgs/")
    assert response.context["roots"] == []
    assert "您还没有任何组织的查看权限" in response.content.decode()


def test_it_loads_one_level_of_children(tree, client_of):
    do_bulk_create_orgs(
        acting_user=None,
        parent=tree.district,
        specs=[
            {
                "key": "f",
                "parent_key": None,
                "kind": "federation",
                "data": {"name": "快递联合会", "code": "NS-F1", "federation_kind": "industry"},
            }
        ],
        job="t",
    )
    do_close_org(acting_user=None, org=Org.objects.get(code="NS-F1"), reason="撤并")
    response = client_of("own").get(f"/orgs/{tree.district.code}/children/")
    assert [o.code for o in response.context["children"]] == [tree.street.code]  # the closed one is left out
    content = response.content.decode()
    assert 'data-code="440305001"' in content
    assert tree.grassroots.code not in content  # grandchildren load when their parent is opened


@pytest.mark.parametrize(
    "persona, found, not_found",
    [
        ("own", "grassroots", "sibling_grassroots"),
        ("sibling", "sibling_grassroots", "grassroots"),
        ("ancestor", "grassroots", None),
    ],
)
def test_it_searches_only_inside_the_scope(tree, client_of, persona, found, not_found):
    response = client_of(persona).get("/orgs/search/", {"q": "测试"})
    listed = [o.code for o in response.context["object_list"]]
    assert getattr(tree, found).code in listed
    if not_found:
        assert getattr(tree, not_found).code not in listed
    assert getattr(tree, found).name in response.content.decode()


def test_it_finds_nothing_for_a_user_without_grants(tree, client_of):
    response = client_of("outsider").get("/orgs/search/", {"q": "测试"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0


def test_it_searches_by_kind_code_and_closed_status(tree, client_of):
    client = client_of("ancestor")
    by_kind = client.get("/orgs/search/", {"kind": "district"}).context["object_list"]
    assert [o.code for o in by_kind] == [tree.district.code, tree.sibling_district.code]
    by_uscc = client.get("/orgs/search/", {"q": tree.grassroots.uscc.lower()}).context["object_list"]
    assert [o.code for o in by_uscc] == [tree.grassroots.code]
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    assert client.get("/orgs/search/", {"q": "南山测试"}).context["page_obj"].paginator.count == 0
    closed = client.get("/orgs/search/", {"q": "南山测试", "include_closed": "on"}).context["object_list"]
    assert [o.code for o in closed] == [tree.grassroots.code]


def test_it_suggests_orgs_only_inside_the_scope(tree, client_of):
    content = client_of("own").get("/orgs/picker/", {"q": "测试"}).content.decode()
    assert tree.grassroots.name in content
    assert tree.sibling_grassroots.name not in content
    assert Client().get("/orgs/picker/", {"q": "测试"}).status_code == 404


# --- detail -------------------------------------------------------------------------------------


def test_it_shows_the_detail_with_breadcrumbs_stats_and_children(tree, client_of):
    response = client_of("own").get(f"/orgs/{tree.district.code}/")
    context = response.context
    assert [o.code for o in context["crumbs"]] == []  # own cannot see 深圳 and 广东
    assert [o.code for o in context["children"]] == [tree.street.code]
    assert (context["stats"]["orgs"], context["stats"]["grassroots"], context["stats"]["employees"]) == (3, 1, 120)
    assert context["can_add"] and context["can_change"] and context["can_close"]
    content = response.content.decode()
    assert tree.street.name in content
    assert f'href="/orgs/{tree.district.code}/edit/"' in content
    ancestor_view = client_of("ancestor").get(f"/orgs/{tree.district.code}/").context
    assert [o.code for o in ancestor_view["crumbs"]] == [tree.city.code]


def test_it_shows_the_change_history_to_users_who_may_read_the_log(tree, client_of, personas):
    from gonghui.orgs.actions import do_update_org

    do_update_org(acting_user=personas.own, org=tree.district, data={"short_name": "南山"}, reason="补简称")
    response = client_of("own").get(f"/orgs/{tree.district.code}/")
    assert [e.action for e in response.context["history"]][:1] == ["org.update"]
    assert "补简称" in response.content.decode()


def test_it_hides_the_write_buttons_from_a_viewer(tree):
    viewer = make_staff("viewer", tree.district, roles=("viewer",))
    client = Client()
    client.force_login(viewer)
    response = client.get(f"/orgs/{tree.district.code}/")
    assert response.status_code == 200
    assert not (response.context["can_add"] or response.context["can_change"] or response.context["can_close"])
    assert f"/orgs/{tree.district.code}/edit/" not in response.content.decode()


def test_it_hides_write_buttons_on_a_closed_org(tree, client_of):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    response = client_of("own").get(f"/orgs/{tree.grassroots.code}/")
    assert response.status_code == 200
    assert not (response.context["can_add"] or response.context["can_change"] or response.context["can_close"])
    assert "已撤销" in response.content.decode()


def detail_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_renders_the_detail_with_a_bounded_number_of_queries(
    tree, client_of, persona, django_assert_max_num_queries
):
    client = client_of(persona)
    url = f"/orgs/{tree.street.code}/"
    with django_assert_max_num_queries(11):
        few = detail_queries(client, url)
    specs = [
        {"key": i, "parent_key": None, "kind": "grassroots", "data": {"name": f"查询{i}工会", "code": f"QC-{i}"}}
        for i in range(30)
    ]
    do_bulk_create_orgs(acting_user=None, parent=tree.street, specs=specs, job="t")
    with django_assert_max_num_queries(11):
        many = detail_queries(client, url)
    assert many == few


def test_it_renders_the_children_partial_with_a_constant_number_of_queries(tree, client_of):
    client = client_of("own")
    url = f"/orgs/{tree.street.code}/children/"
    few = detail_queries(client, url)
    specs = [
        {"key": i, "parent_key": None, "kind": "grassroots", "data": {"name": f"查询{i}工会", "code": f"QC-{i}"}}
        for i in range(30)
    ]
    do_bulk_create_orgs(acting_user=None, parent=tree.street, specs=specs, job="t")
    assert detail_queries(client, url) == few


# --- create -------------------------------------------------------------------------------------


def test_it_offers_only_the_kinds_the_parent_can_hold(tree, client_of):
    form = client_of("own").get(f"/orgs/{tree.street.code}/new/").context["form"]
    assert {value for value, _label in form.fields["kind"].choices} == {"grassroots", "federation"}


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_creates_an_org_from_the_form(tree, client_of, personas, persona):
    uscc = make_uscc("440305", "MA5F0RM01")
    response = client_of(persona).post(
        f"/orgs/{tree.street.code}/new/",
        {"kind": "grassroots", "name": "表单新建公司工会", "uscc": uscc, "employee_count": "66"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{uscc}/"
    org = Org.objects.get(code=uscc)
    assert (org.parent_id, org.employee_count, org.name) == (tree.street.pk, 66, "表单新建公司工会")
    assert AuditEntry.objects.get(action="org.create", object_id=str(org.pk)).actor_id == getattr(personas, persona).pk


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"kind": "grassroots", "name": ""}, "name", ""),
        ({"kind": "grassroots", "name": "工会", "uscc": "91440305MA5EXAMPL0"}, "uscc", "校验位"),
        ({"kind": "grassroots", "name": "工会", "uscc": "91440305MA5EXAMPLJ"}, "uscc", "已登记"),
        ({"kind": "grassroots", "name": "工会", "employee_count": "-1"}, "employee_count", ""),
        ({"kind": "grassroots", "name": "工会", "latitude": "95"}, "latitude", "90"),
        ({"kind": "federation", "name": "联合会"}, "federation_kind", "联合会"),
        ({"kind": "city", "name": "街道下的市"}, "kind", ""),
        ({"kind": "grassroots", "name": "工会", "code": "440300"}, "code", "已被使用"),
    ],
)
def test_it_re_renders_the_create_form_with_the_field_error(tree, client_of, data, field, message):
    client = client_of("own")
    before = table_state()
    response = client.post(f"/orgs/{tree.street.code}/new/", data)
    errors = field_errors(response)
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert 'class="error"' in response.content.decode()
    assert errors[field][0] in response.content.decode()
    assert table_state() == before


def test_it_refuses_a_form_post_from_a_viewer(tree):
    viewer = make_staff("viewer", tree.district, roles=("viewer",))
    client = Client()
    client.force_login(viewer)
    before = table_state()
    response = client.post(f"/orgs/{tree.street.code}/new/", {"kind": "grassroots", "name": "只读用户的工会"})
    assert response.status_code == 403
    assert "org.add" in response.content.decode()
    assert table_state() == before


# --- edit ---------------------------------------------------------------------------------------


def test_it_edits_an_org_keeping_the_fields_left_as_they_were(tree, client_of):
    client = client_of("own")
    url = f"/orgs/{tree.grassroots.code}/edit/"
    before = reload(tree.grassroots).snapshot()
    response = client.post(url, form_data(client.get(url), name="表单改名工会", reason="更名"))
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{tree.grassroots.code}/"
    after = reload(tree.grassroots).snapshot()
    assert after.pop("name") == "表单改名工会"
    before.pop("name")
    assert after == before
    entry = AuditEntry.objects.get(action="org.update")
    assert (entry.before, entry.after, entry.reason) == (
        {"name": "南山测试科技有限公司工会"},
        {"name": "表单改名工会"},
        "更名",
    )


def test_it_redirects_to_the_new_code_after_a_code_change(tree, client_of):
    client = client_of("own")
    url = f"/orgs/{tree.grassroots.code}/edit/"
    response = client.post(url, form_data(client.get(url), code="ns-form"))
    assert response["Location"] == "/orgs/NS-FORM/"
    assert client.get("/orgs/NS-FORM/").status_code == 200


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"uscc": "91440305MA5EXAMPL0"}, "uscc"),
        ({"name": ""}, "name"),
        ({"established_on": "2999-01-01"}, "established_on"),
    ],
)
def test_it_re_renders_the_edit_form_with_the_field_error(tree, client_of, changes, field):
    client = client_of("own")
    url = f"/orgs/{tree.grassroots.code}/edit/"
    data = form_data(client.get(url), **changes)
    before = table_state()
    assert field in field_errors(client.post(url, data))
    assert table_state() == before


# --- move ---------------------------------------------------------------------------------------


def test_it_moves_an_org_from_the_form(tree, client_of):
    response = client_of("ancestor").post(
        f"/orgs/{tree.street.code}/move/", {"new_parent": tree.sibling_district.code.lower(), "reason": "区划调整"}
    )
    assert response.status_code == 302
    assert reload(tree.street).parent_id == tree.sibling_district.pk
    assert reload(tree.grassroots).path.startswith(reload(tree.sibling_district).path)
    assert_tree_consistent()


@pytest.mark.parametrize(
    "persona, org_attr, data, message",
    [
        ("ancestor", "district", {"new_parent": "440305001", "reason": "循环"}, "下级"),
        ("ancestor", "street", {"new_parent": "NO-SUCH", "reason": "调整"}, "找不到"),
        ("own", "street", {"new_parent": "440304", "reason": "调整"}, "找不到"),  # 福田 is outside own's scope
        ("ancestor", "street", {"new_parent": "440305", "reason": "原地"}, "已经在"),
    ],
)
def test_it_re_renders_the_move_form_with_the_error_on_new_parent(tree, client_of, persona, org_attr, data, message):
    client = client_of(persona)
    before = table_state()
    errors = field_errors(client.post(f"/orgs/{getattr(tree, org_attr).code}/move/", data))
    assert message in " ".join(errors["new_parent"])
    assert table_state() == before


def test_it_requires_a_reason_to_move(tree, client_of):
    before = table_state()
    errors = field_errors(client_of("ancestor").post(f"/orgs/{tree.street.code}/move/", {"new_parent": "440304"}))
    assert "reason" in errors
    assert table_state() == before


# --- close --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_closes_an_org_from_the_form(tree, client_of, persona):
    response = client_of(persona).post(f"/orgs/{tree.grassroots.code}/close/", {"reason": "企业注销"})
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{tree.grassroots.code}/"
    assert reload(tree.grassroots).status == OrgStatus.CLOSED
    assert AuditEntry.objects.get(action="org.close").reason == "企业注销"


def test_it_shows_why_an_org_with_children_cannot_be_closed(tree, client_of):
    before = table_state()
    response = client_of("own").post(f"/orgs/{tree.street.code}/close/", {"reason": "撤并"})
    errors = field_errors(response)
    assert "下级组织" in " ".join(errors["__all__"])
    assert "请先移动或撤销它们" in response.content.decode()
    assert table_state() == before


def test_it_requires_a_reason_to_close(tree, client_of):
    before = table_state()
    assert "reason" in field_errors(client_of("own").post(f"/orgs/{tree.grassroots.code}/close/", {"reason": ""}))
    assert table_state() == before


# --- merge --------------------------------------------------------------------------------------


def test_it_merges_from_the_form_and_lands_on_the_target(tree, client_of):
    response = client_of("ancestor").post(
        f"/orgs/{tree.grassroots.code}/merge/", {"target": tree.sibling_grassroots.code, "reason": "合并"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{tree.sibling_grassroots.code}/"
    assert reload(tree.grassroots).merged_into_id == tree.sibling_grassroots.pk
    assert reload(tree.sibling_grassroots).employee_count == 200
    detail = client_of("ancestor").get(f"/orgs/{tree.grassroots.code}/")
    assert tree.sibling_grassroots.name in detail.content.decode()  # "已并入 …"


@pytest.mark.parametrize(
    "persona, target, message",
    [
        ("ancestor", "440304", "同类型"),
        ("own", "SIBLING", "找不到"),  # the 福田 union is outside own's scope
        ("ancestor", "NO-SUCH", "找不到"),
    ],
)
def test_it_re_renders_the_merge_form_with_the_error_on_target(tree, client_of, persona, target, message):
    target = tree.sibling_grassroots.code if target == "SIBLING" else target
    client = client_of(persona)
    before = table_state()
    errors = field_errors(client.post(f"/orgs/{tree.grassroots.code}/merge/", {"target": target, "reason": "合并"}))
    assert message in " ".join(errors["target"])
    assert table_state() == before


def test_it_links_the_pages_other_apps_hang_on_an_org(tree, client_of):
    # members declares its QR join page in MembersConfig.org_links; orgs only renders the list.
    response = client_of("own").get(f"/orgs/{tree.district.code}/")
    assert {"label": "入会二维码", "url": f"/m/staff/join-qr/{tree.district.code}/"} in [
        {"label": str(link["label"]), "url": link["url"]} for link in response.context["app_links"]
    ]
    assert f'href="/m/staff/join-qr/{tree.district.code}/"' in response.content.decode()


def test_it_offers_no_app_links_on_a_closed_org(tree, client_of):
    do_close_org(acting_user=None, org=tree.grassroots, reason="注销")
    response = client_of("own").get(f"/orgs/{tree.grassroots.code}/")
    assert response.context["app_links"] == []
    assert "/m/staff/join-qr/" not in response.content.decode()
