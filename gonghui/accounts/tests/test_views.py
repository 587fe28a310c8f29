"""Console pages: login and staff administration, with the four personas (DESIGN.md §8)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.accounts.actions import do_grant_role
from gonghui.accounts.models import Grant, Role, User
from gonghui.core.models import AuditEntry
from gonghui.core.testing import PASSWORD, make_staff

NEW_PASSWORD = "fresh-Console-pass-55"


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def target(tree):
    """A staff member homed at the street below the district, holding one grant there."""
    user = make_staff("target", tree.street, roles=("viewer",))
    return user


@pytest.fixture
def target_grant(target):
    return Grant.objects.get(user=target)


def audit_count(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# --- login --------------------------------------------------------------------------------------


def test_it_shows_the_login_page(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert "工作人员登录" in response.content.decode()


def test_it_logs_in_with_the_right_password(tree, personas):
    client = Client()
    response = client.post(reverse("login"), {"username": "p-own", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(personas.own.pk)
    assert fresh(personas.own).last_login is not None


def test_it_refuses_a_wrong_password_with_a_message(tree, personas):
    client = Client()
    response = client.post(reverse("login"), {"username": "p-own", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_shows_the_lockout_page_after_repeated_failures(tree, personas):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "p-own", "password": "wrong"}).status_code == 200
    locked = client.post(reverse("login"), {"username": "p-own", "password": "wrong"})
    assert locked.status_code == 403
    assert "账号已临时锁定" in locked.content.decode()
    # Even the right password is refused while locked out.
    again = client.post(reverse("login"), {"username": "p-own", "password": PASSWORD})
    assert again.status_code == 403
    assert "账号已临时锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    assert client.post(reverse("login"), {"username": "p-ancestor", "password": PASSWORD}).status_code == 302


def test_it_logs_out_on_post_only(tree, personas, client_for):
    client = client_for(personas.own)
    client.get(reverse("logout"))
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


# --- login required -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["staff_list", "staff_create"])
def test_it_sends_anonymous_visitors_to_the_login_page(db, name):
    response = Client().get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["staff_detail", "grant_create", "staff_active", "staff_password"])
def test_it_sends_anonymous_visitors_to_login_from_staff_pages(target, name):
    response = Client().get(reverse(f"accounts:{name}", args=[target.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- list ----------------------------------------------------------------------------------------


def _listed(response) -> list[str]:
    assert response.status_code == 200
    return [s.username for s in response.context["object_list"]]


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_lists_staff_in_the_subtree(personas, target, client_for, persona):
    listed = _listed(client_for(getattr(personas, persona)).get(reverse("accounts:staff_list")))
    assert {"target", "p-own", "p-outsider"} <= set(listed)


def test_it_lists_only_the_district_for_the_own_persona(personas, target, client_for):
    listed = _listed(client_for(personas.own).get(reverse("accounts:staff_list")))
    assert sorted(listed) == ["p-outsider", "p-own", "target"]


def test_it_lists_nothing_for_the_outsider(personas, target, client_for):
    response = client_for(personas.outsider).get(reverse("accounts:staff_list"))
    assert _listed(response) == []
    assert "没有符合条件的工作人员" in response.content.decode()


def test_it_hides_the_target_from_the_sibling(personas, target, client_for):
    listed = _listed(client_for(personas.sibling).get(reverse("accounts:staff_list")))
    assert listed == ["p-sibling"]


def test_it_searches_and_filters_inactive_staff(personas, target, client_for):
    client = client_for(personas.own)
    assert _listed(client.get(reverse("accounts:staff_list"), {"q": "targ"})) == ["target"]
    User.objects.filter(pk=target.pk).update(is_active=False)
    assert "target" not in _listed(client.get(reverse("accounts:staff_list")))
    assert "target" in _listed(client.get(reverse("accounts:staff_list"), {"include_inactive": "on"}))


def test_it_shows_roles_in_the_list(tree, personas, target, client_for):
    html = client_for(personas.own).get(reverse("accounts:staff_list")).content.decode()
    assert f"{role('viewer').name}@{tree.street.name}" in html
    assert f"{role('organiser').name}@{tree.district.name}" in html


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("accounts:staff_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_staff_in_a_bounded_number_of_queries(tree, personas, client_for, django_assert_max_num_queries):
    client = client_for(personas.ancestor)
    for i in range(3):
        make_staff(f"few-{i}", tree.street, roles=("viewer",))
    few = _list_queries(client)
    for i in range(15):
        user = make_staff(f"many-{i}", tree.grassroots if i % 2 else tree.sibling_district, roles=("viewer",))
        do_grant_role(acting_user=None, user=user, role=role("hotline"), org=tree.city)
    many = _list_queries(client)
    assert many == few
    # session, user, grants, count, page, prefetched grants, and
    # the 核销台 menu item's partner-staff check (usab-b's navigation predicate, one indexed query per page)
    with django_assert_max_num_queries(7):
        client.get(reverse("accounts:staff_list"))


# --- detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_shows_a_staff_member_in_the_subtree(personas, target, target_grant, client_for, persona):
    response = client_for(getattr(personas, persona)).get(reverse("accounts:staff_detail", args=[target.pk]))
    assert response.status_code == 200
    assert response.context["staff"] == target
    assert list(response.context["grants"]) == [target_grant]
    assert response.context["can_manage"] is True
    html = response.content.decode()
    assert reverse("accounts:grant_revoke", args=[target.pk, target_grant.pk]) in html
    assert [e.action for e in response.context["history"]] == ["staff.create"]


@pytest.mark.parametrize(
    "name,extra",
    [
        ("staff_detail", ()),
        ("grant_create", ()),
        ("staff_active", ()),
        ("staff_password", ()),
        ("grant_revoke", ("grant",)),
    ],
)
@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_answers_404_outside_the_subtree(personas, target, target_grant, client_for, persona, name, extra):
    args = [target.pk] + ([target_grant.pk] if extra else [])
    url = reverse(f"accounts:{name}", args=args)
    client = client_for(getattr(personas, persona))
    before = AuditEntry.objects.count()
    assert client.get(url).status_code == 404
    if name != "staff_detail":  # the detail page takes no POST at all (405 for everyone)
        post = client.post(
            url, {"reason": "越权", "password": NEW_PASSWORD, "role": role("viewer").pk, "org": "440305"}
        )
        assert post.status_code == 404
    assert AuditEntry.objects.count() == before
    assert fresh(target).is_active and fresh(target).check_password(PASSWORD)
    target_grant.refresh_from_db()
    assert target_grant.revoked_at is None


def test_it_answers_404_for_a_missing_staff_member(personas, client_for):
    assert client_for(personas.ancestor).get(reverse("accounts:staff_detail", args=[999999])).status_code == 404


def test_it_answers_404_for_a_grant_of_another_user(personas, target, client_for):
    other_grant = Grant.objects.get(user=personas.own)
    url = reverse("accounts:grant_revoke", args=[target.pk, other_grant.pk])
    assert client_for(personas.ancestor).get(url).status_code == 404


def test_it_hides_manage_buttons_from_a_viewer_of_staff(tree, target, client_for):
    staff_viewer_role = Role.objects.create(code="staff-viewer", name="人员查看", permissions=["staff.view"])
    viewer = make_staff("staff-viewer", tree.district, roles=())
    do_grant_role(acting_user=None, user=viewer, role=staff_viewer_role, org=tree.district)
    client = client_for(fresh(viewer))
    response = client.get(reverse("accounts:staff_detail", args=[target.pk]))
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert reverse("accounts:grant_create", args=[target.pk]) not in response.content.decode()
    # Posting anyway is refused by the action, with its reason on the 403 page.
    post = client.post(reverse("accounts:staff_active", args=[target.pk]), {"reason": "越权"})
    assert post.status_code == 403
    assert "管理工作人员的权限" in post.content.decode()
    assert fresh(target).is_active


# --- create --------------------------------------------------------------------------------------


def _create_data(org_code, **overrides):
    return {
        "username": "wang.fang",
        "display_name": "王芳",
        "home_org": org_code,
        "phone": "",
        "password": NEW_PASSWORD,
        **overrides,
    }


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_creates_staff_from_the_form(tree, personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("accounts:staff_create"), {"org": tree.street.code}).status_code == 200
    response = client.post(reverse("accounts:staff_create"), _create_data(tree.street.code.lower()))
    user = User.objects.get(username="wang.fang")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_detail", args=[user.pk])
    assert user.home_org == tree.street and user.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(user.pk))
    assert entry.actor_id == getattr(personas, persona).pk


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_to_create_staff_in_an_org_outside_the_scope(tree, personas, client_for, persona):
    response = client_for(getattr(personas, persona)).post(
        reverse("accounts:staff_create"), _create_data(tree.street.code)
    )
    assert response.status_code == 200
    assert "home_org" in response.context["form"].errors
    assert "不在您的权限范围内" in response.content.decode()
    assert not User.objects.filter(username="wang.fang").exists()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"password": "123"}, "password"),
        ({"username": "a b"}, "username"),
        ({"username": "p-own"}, "username"),
        ({"display_name": ""}, "display_name"),
        ({"home_org": "NO-SUCH-ORG"}, "home_org"),
        ({"home_org": ""}, "home_org"),
    ],
)
def test_it_re_renders_the_create_form_with_errors_and_writes_nothing(tree, personas, client_for, overrides, field):
    users = User.objects.count()
    entries = AuditEntry.objects.count()
    response = client_for(personas.own).post(
        reverse("accounts:staff_create"), _create_data(tree.district.code, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert User.objects.count() == users
    assert AuditEntry.objects.count() == entries


# --- grant / revoke ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_grants_a_role_from_the_form(tree, personas, target, client_for, persona):
    client = client_for(getattr(personas, persona))
    url = reverse("accounts:grant_create", args=[target.pk])
    get = client.get(url)
    assert get.status_code == 200
    assert get.context["form"].initial["org"] == tree.street.code
    response = client.post(url, {"role": role("viewer").pk, "org": tree.district.code, "reason": "兼任"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_detail", args=[target.pk])
    grant = Grant.objects.get(user=target, org=tree.district, revoked_at__isnull=True)
    assert grant.granted_by == getattr(personas, persona)
    assert AuditEntry.objects.get(action="grant.create", object_id=str(grant.pk)).reason == "兼任"


def test_it_refuses_an_escalating_grant_with_403(tree, personas, target, client_for):
    response = client_for(personas.own).post(
        reverse("accounts:grant_create", args=[target.pk]), {"role": role("hardship").pk, "org": tree.district.code}
    )
    assert response.status_code == 403
    assert "hardship." in response.content.decode()
    assert not Grant.objects.filter(user=target, role__code="hardship").exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"org": "440305"}, "role"),
        ({"role": "999999", "org": "440305"}, "role"),
        ({"role": "ROLE"}, "org"),
        ({"role": "ROLE", "org": "NO-SUCH-ORG"}, "org"),
        ({"role": "ROLE", "org": "SIBLING"}, "org"),
        ({"role": "ROLE", "org": "OWN-STREET"}, "role"),  # target already holds viewer there
    ],
)
def test_it_re_renders_the_grant_form_with_errors_and_writes_nothing(tree, personas, target, client_for, data, field):
    codes = {"ROLE": str(role("viewer").pk), "SIBLING": tree.sibling_district.code, "OWN-STREET": tree.street.code}
    data = {k: codes.get(v, v) for k, v in data.items()}
    grants = Grant.objects.count()
    entries = AuditEntry.objects.count()
    response = client_for(personas.own).post(reverse("accounts:grant_create", args=[target.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Grant.objects.count() == grants
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_revokes_a_grant_from_the_form(personas, target, target_grant, client_for, persona):
    client = client_for(getattr(personas, persona))
    url = reverse("accounts:grant_revoke", args=[target.pk, target_grant.pk])
    get = client.get(url)
    assert get.status_code == 200
    assert role("viewer").name in get.content.decode()
    response = client.post(url, {"reason": "调离"})
    assert response.status_code == 302
    target_grant.refresh_from_db()
    assert target_grant.revoked_at is not None
    assert AuditEntry.objects.get(action="grant.revoke", object_id=str(target_grant.pk)).reason == "调离"


def test_it_needs_a_reason_to_revoke_from_the_form(personas, target, target_grant, client_for):
    url = reverse("accounts:grant_revoke", args=[target.pk, target_grant.pk])
    response = client_for(personas.own).post(url, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    target_grant.refresh_from_db()
    assert target_grant.revoked_at is None


def test_it_shows_an_already_revoked_grant_as_a_form_error(personas, target, target_grant, client_for):
    client = client_for(personas.own)
    url = reverse("accounts:grant_revoke", args=[target.pk, target_grant.pk])
    client.post(url, {"reason": "第一次"})
    response = client.post(url, {"reason": "第二次"})
    assert response.status_code == 200
    assert "已于" in " ".join(response.context["form"].non_field_errors())
    assert audit_count("grant.revoke") == 1


# --- activate / password -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_deactivates_and_reactivates_from_the_form(personas, target, client_for, persona):
    client = client_for(getattr(personas, persona))
    url = reverse("accounts:staff_active", args=[target.pk])
    assert "停用" in client.get(url).content.decode()
    assert client.post(url, {"reason": "离职"}).status_code == 302
    assert not fresh(target).is_active
    assert "启用" in client.get(url).content.decode()
    assert client.post(url, {"reason": "返聘"}).status_code == 302
    assert fresh(target).is_active
    assert audit_count("staff.deactivate") == 1 and audit_count("staff.activate") == 1


def test_it_refuses_self_deactivation_with_a_form_error(personas, client_for):
    response = client_for(personas.own).post(reverse("accounts:staff_active", args=[personas.own.pk]), {"reason": "x"})
    assert response.status_code == 200
    assert "不能停用自己的账号" in " ".join(response.context["form"].non_field_errors())
    assert fresh(personas.own).is_active


def test_it_needs_a_reason_to_deactivate_from_the_form(personas, target, client_for):
    response = client_for(personas.own).post(reverse("accounts:staff_active", args=[target.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert fresh(target).is_active


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_sets_a_password_from_the_form(personas, target, client_for, persona):
    url = reverse("accounts:staff_password", args=[target.pk])
    response = client_for(getattr(personas, persona)).post(url, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert fresh(target).check_password(NEW_PASSWORD)
    assert audit_count("staff.set_password") == 1


def test_it_re_renders_a_weak_password_with_an_error(personas, target, client_for):
    url = reverse("accounts:staff_password", args=[target.pk])
    response = client_for(personas.own).post(url, {"password": "12345"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert fresh(target).check_password(PASSWORD)
    assert audit_count("staff.set_password") == 0


def test_it_keeps_the_member_portal_login_when_staff_log_out(tree, personas, client_for):
    client = client_for(personas.own)
    session = client.session
    session["member_mobile"] = "+8613800000001"
    session["member_person_id"] = 7
    session.save()
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    assert (client.session["member_mobile"], client.session["member_person_id"]) == ("+8613800000001", 7)
