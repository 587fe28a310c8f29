"""Staff, grant and token actions (DESIGN.md §3.1, §8): success, refusals, permissions, audit."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.accounts import actions
from gonghui.accounts.models import ApiToken, Grant, Role, User
from gonghui.core import audit
from gonghui.core.errors import ActionPermissionError
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import user_can
from gonghui.core.testing import PASSWORD, make_staff
from gonghui.orgs.actions import do_close_org


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def entries(action: str):
    return AuditEntry.objects.filter(action=action).order_by("id")


def create(acting_user, org, username="new-staff", **overrides):
    data = {"username": username, "display_name": "新同事", "home_org": org, "password": PASSWORD, **overrides}
    return actions.do_create_staff(acting_user=acting_user, **data)


@pytest.fixture
def superuser(db):
    return actions.do_create_staff(
        acting_user=None, username="root", display_name="管理员", home_org=None, password=PASSWORD, is_superuser=True
    )


@pytest.fixture
def target(tree):
    """A staff member homed at the street, below the district where the personas' objects live."""
    return make_staff("target", tree.street, roles=())


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- do_create_staff -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_creates_staff_inside_the_subtree(tree, personas, persona):
    acting = getattr(personas, persona)
    user = create(acting, tree.street, username="Li.Wei_01@nt", phone="13800000009")
    user = fresh(user)
    assert user.home_org == tree.street
    assert user.display_name == "新同事"
    assert user.phone == "13800000009"
    assert user.check_password(PASSWORD)
    assert not user.is_superuser and not user.is_staff
    assert not Grant.objects.filter(user=user).exists()
    entry = entries("staff.create").get(object_id=str(user.pk))
    assert entry.actor_id == acting.pk
    assert entry.org_id == tree.street.pk and entry.org_path == tree.street.path
    assert entry.after == {
        "username": "Li.Wei_01@nt",
        "display_name": "新同事",
        "home_org": tree.street.pk,
        "is_active": True,
        "is_superuser": False,
    }
    assert PASSWORD not in str(entry.after) and "password" not in entry.after


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_to_create_staff_outside_the_subtree(tree, personas, persona):
    count = User.objects.count()
    with pytest.raises(ActionPermissionError) as excinfo:
        create(getattr(personas, persona), tree.street)
    assert excinfo.value.permission == "staff.manage"
    assert tree.street.name in str(excinfo.value)
    assert User.objects.count() == count
    assert not entries("staff.create").filter(object_label="新同事").exists()


def test_it_refuses_a_district_organiser_creating_staff_at_the_city(tree, personas):
    with pytest.raises(ActionPermissionError):
        create(personas.own, tree.city)


def test_it_lets_only_a_superuser_create_staff_without_an_org(tree, personas, superuser):
    with pytest.raises(ActionPermissionError):
        create(personas.ancestor, None)
    user = create(superuser, None, username="floating")
    assert user.home_org is None


@pytest.mark.parametrize(
    "username",
    ["ab", "has space", "张三", "semi;colon", "x" * 151, "", "   "],
)
def test_it_refuses_a_bad_username(tree, personas, username):
    count = User.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.district, username=username)
    assert list(field_errors(excinfo)) == ["username"]
    assert User.objects.count() == count
    assert not entries("staff.create").filter(actor=personas.own).exists()


def test_it_strips_the_username(tree, personas):
    assert create(personas.own, tree.district, username="  padded.name  ").username == "padded.name"


def test_it_refuses_a_duplicate_username_in_any_case(tree, personas):
    create(personas.own, tree.district, username="wang.fang")
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.district, username="WANG.Fang")
    assert "WANG.Fang" in field_errors(excinfo)["username"][0]
    assert User.objects.filter(username__iexact="wang.fang").count() == 1


@pytest.mark.parametrize(
    "password",
    ["short", "12345678901", "password123", "", "new-staff-1"],
    ids=["too-short", "numeric-common", "common", "empty", "like-username"],
)
def test_it_refuses_a_weak_password_with_a_field_error(tree, personas, password):
    count = User.objects.count()
    audit_count = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.district, username="new-staff", password=password)
    errors = field_errors(excinfo)
    assert list(errors) == ["password"]
    assert errors["password"][0]
    assert User.objects.count() == count
    assert AuditEntry.objects.count() == audit_count


def test_it_reports_every_bad_field_at_once(tree, personas):
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.district, username="x", display_name="  ", password="1")
    assert set(field_errors(excinfo)) == {"username", "display_name", "password"}


def test_it_refuses_a_too_long_display_name(tree, personas):
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.district, display_name="名" * 61)
    assert set(field_errors(excinfo)) == {"display_name"}


def test_it_refuses_staff_in_a_closed_org(tree, personas):
    do_close_org(acting_user=None, org=tree.grassroots, reason="企业注销")
    tree.grassroots.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        create(personas.own, tree.grassroots)
    assert set(field_errors(excinfo)) == {"home_org"}


def test_it_lets_only_a_superuser_create_a_superuser(tree, personas, superuser):
    with pytest.raises(ValidationError) as excinfo:
        create(personas.ancestor, tree.district, is_superuser=True)
    assert set(field_errors(excinfo)) == {"is_superuser"}
    assert not User.objects.filter(username="new-staff").exists()
    made = create(superuser, tree.district, is_superuser=True)
    assert made.is_superuser and made.is_staff
    assert entries("staff.create").get(object_id=str(made.pk)).after["is_superuser"] is True


# --- do_grant_role ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_grants_a_role_the_granter_holds(tree, personas, target, persona):
    acting = getattr(personas, persona)
    grant = actions.do_grant_role(
        acting_user=acting, user=target, role=role("viewer"), org=tree.district, reason="新任"
    )
    assert grant.granted_by == acting and grant.revoked_at is None
    assert user_can(target, "org.view", tree.grassroots.path)  # the caller's instance is refreshed too
    assert user_can(fresh(target), "audit.view", tree.district.path)
    entry = entries("grant.create").get(object_id=str(grant.pk))
    assert entry.actor_id == acting.pk
    assert entry.org_path == tree.district.path
    assert entry.reason == "新任"
    assert entry.after == {"user": target.pk, "username": "target", "role": "viewer", "org": tree.district.pk}


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_a_grant_outside_the_subtree(tree, personas, target, persona):
    with pytest.raises(ActionPermissionError):
        actions.do_grant_role(acting_user=getattr(personas, persona), user=target, role=role("viewer"), org=tree.street)
    assert not Grant.objects.filter(user=target).exists()
    assert not entries("grant.create").filter(after__user=target.pk).exists()


def test_it_refuses_a_grant_on_an_ancestor_of_the_granters_scope(tree, personas, target):
    with pytest.raises(ActionPermissionError):
        actions.do_grant_role(acting_user=personas.own, user=target, role=role("viewer"), org=tree.city)
    assert not Grant.objects.filter(user=target).exists()


@pytest.mark.parametrize("code", ["hardship", "hotline", "finance", "appeals"])
def test_it_refuses_to_hand_out_permissions_the_granter_lacks(tree, personas, target, code):
    """An organiser holds no hardship/appeal/finance permission, so cannot grant those roles."""
    with pytest.raises(ActionPermissionError) as excinfo:
        actions.do_grant_role(acting_user=personas.ancestor, user=target, role=role(code), org=tree.district)
    missing = excinfo.value.permission
    assert missing in role(code).permissions
    assert not user_can(personas.ancestor, missing, tree.district.path)
    assert missing in str(excinfo.value)
    assert not Grant.objects.filter(user=target).exists()


def test_it_refuses_escalation_to_the_granters_own_account(tree, personas):
    with pytest.raises(ActionPermissionError):
        actions.do_grant_role(acting_user=personas.own, user=personas.own, role=role("hardship"), org=tree.district)
    assert not user_can(fresh(personas.own), "hardship.view", tree.district.path)


def test_it_needs_the_permission_at_the_grant_org_not_elsewhere(tree, target):
    # Hardship officer on the sibling district and organiser on the own district:
    # may still not grant the hardship role on the own district.
    mixed = make_staff("mixed", tree.district, roles=("organiser",))
    actions.do_grant_role(acting_user=None, user=mixed, role=role("hardship"), org=tree.sibling_district)
    with pytest.raises(ActionPermissionError):
        actions.do_grant_role(acting_user=fresh(mixed), user=target, role=role("hardship"), org=tree.district)
    # ... but holding it on the city covers the district.
    actions.do_grant_role(acting_user=None, user=mixed, role=role("hardship"), org=tree.city)
    actions.do_grant_role(acting_user=fresh(mixed), user=target, role=role("hardship"), org=tree.district)
    assert user_can(fresh(target), "hardship.view", tree.grassroots.path)


def test_it_lets_only_a_superuser_grant_the_admin_role(tree, personas, target, superuser):
    admin_role = role("admin")
    city_admin = make_staff("city-admin", tree.city, roles=("admin",))
    for acting in (personas.ancestor, city_admin):
        with pytest.raises(ActionPermissionError) as excinfo:
            actions.do_grant_role(acting_user=acting, user=target, role=admin_role, org=tree.district)
        assert admin_role.name in str(excinfo.value)
    assert not Grant.objects.filter(user=target).exists()
    actions.do_grant_role(acting_user=superuser, user=target, role=admin_role, org=tree.district)
    assert user_can(fresh(target), "anything.else", tree.grassroots.path)


def test_it_refuses_a_duplicate_grant(tree, personas, target):
    actions.do_grant_role(acting_user=personas.own, user=target, role=role("viewer"), org=tree.district)
    with pytest.raises(ValidationError) as excinfo:
        actions.do_grant_role(acting_user=personas.ancestor, user=target, role=role("viewer"), org=tree.district)
    assert set(field_errors(excinfo)) == {"role"}
    assert Grant.objects.filter(user=target).count() == 1
    assert entries("grant.create").filter(after__user=target.pk).count() == 1


def test_it_allows_the_same_role_again_after_revoking(tree, personas, target):
    grant = actions.do_grant_role(acting_user=personas.own, user=target, role=role("viewer"), org=tree.district)
    actions.do_revoke_grant(acting_user=personas.own, grant=grant, reason="调岗")
    again = actions.do_grant_role(acting_user=personas.own, user=target, role=role("viewer"), org=tree.district)
    assert again.pk != grant.pk
    assert Grant.objects.active().filter(user=target).count() == 1


def test_it_refuses_a_grant_on_a_closed_org_or_to_an_inactive_user(tree, personas, target):
    do_close_org(acting_user=None, org=tree.grassroots, reason="企业注销")
    tree.grassroots.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        actions.do_grant_role(acting_user=personas.own, user=target, role=role("viewer"), org=tree.grassroots)
    assert set(field_errors(excinfo)) == {"org"}
    actions.do_set_staff_active(acting_user=personas.own, user=target, active=False, reason="离职")
    with pytest.raises(ValidationError) as excinfo:
        actions.do_grant_role(acting_user=personas.own, user=fresh(target), role=role("viewer"), org=tree.district)
    assert set(field_errors(excinfo)) == {"user"}
    assert not Grant.objects.filter(user=target).exists()


# --- do_revoke_grant -------------------------------------------------------------------------------


@pytest.fixture
def target_grant(tree, target):
    return actions.do_grant_role(acting_user=None, user=target, role=role("viewer"), org=tree.district)


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_revokes_a_grant_with_a_reason(tree, personas, target, target_grant, persona):
    acting = getattr(personas, persona)
    grant = actions.do_revoke_grant(acting_user=acting, grant=target_grant, reason="调离岗位")
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == acting
    assert not user_can(fresh(target), "org.view")
    entry = entries("grant.revoke").get(object_id=str(grant.pk))
    assert entry.actor_id == acting.pk
    assert entry.reason == "调离岗位"
    assert entry.before == {"user": target.pk, "role": "viewer", "org": tree.district.pk}
    assert entry.after == {"revoked": True}


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_to_revoke_outside_the_subtree(personas, target_grant, persona):
    with pytest.raises(ActionPermissionError):
        actions.do_revoke_grant(acting_user=getattr(personas, persona), grant=target_grant, reason="x")
    target_grant.refresh_from_db()
    assert target_grant.revoked_at is None
    assert not entries("grant.revoke").exists()


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_needs_a_reason_to_revoke(personas, target_grant, reason):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_revoke_grant(acting_user=personas.own, grant=target_grant, reason=reason)
    assert set(field_errors(excinfo)) == {"reason"}
    target_grant.refresh_from_db()
    assert target_grant.revoked_at is None
    assert not entries("grant.revoke").exists()


def test_it_refuses_to_revoke_twice(personas, target_grant):
    actions.do_revoke_grant(acting_user=personas.own, grant=target_grant, reason="第一次")
    with pytest.raises(ValidationError) as excinfo:
        actions.do_revoke_grant(acting_user=personas.own, grant=target_grant, reason="第二次")
    message = field_errors(excinfo)["__all__"][0]
    assert "已于" in message and "撤销" in message
    assert f"{timezone.localtime(timezone.now()):%Y-%m-%d}" in message
    assert entries("grant.revoke").count() == 1


# --- do_set_staff_active ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_deactivates_staff_and_revokes_their_tokens(personas, target, persona):
    acting = getattr(personas, persona)
    row, _token = actions.do_issue_api_token(acting_user=target, user=target)
    user = actions.do_set_staff_active(acting_user=acting, user=target, active=False, reason="离职")
    assert not fresh(user).is_active
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert not row.is_valid
    entry = entries("staff.deactivate").get(object_id=str(target.pk))
    assert entry.actor_id == acting.pk
    assert entry.reason == "离职"
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def test_it_reactivates_staff_without_reviving_tokens(personas, target):
    row, _token = actions.do_issue_api_token(acting_user=target, user=target)
    actions.do_set_staff_active(acting_user=personas.own, user=target, active=False, reason="离职")
    actions.do_set_staff_active(acting_user=personas.own, user=target, active=True, reason="返聘")
    assert fresh(target).is_active
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert entries("staff.activate").get(object_id=str(target.pk)).reason == "返聘"


def test_it_writes_nothing_when_the_state_does_not_change(personas, target):
    actions.do_set_staff_active(acting_user=personas.own, user=target, active=True, reason="无变化")
    assert not entries("staff.activate").exists()


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_to_deactivate_outside_the_subtree(personas, target, persona):
    with pytest.raises(ActionPermissionError):
        actions.do_set_staff_active(acting_user=getattr(personas, persona), user=target, active=False, reason="x")
    assert fresh(target).is_active
    assert not entries("staff.deactivate").exists()


def test_it_refuses_to_deactivate_oneself(personas):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_set_staff_active(acting_user=personas.own, user=personas.own, active=False, reason="自己")
    assert "自己" in field_errors(excinfo)["__all__"][0]
    assert fresh(personas.own).is_active


def test_it_needs_a_reason_to_deactivate(personas, target):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_set_staff_active(acting_user=personas.own, user=target, active=False, reason=" ")
    assert set(field_errors(excinfo)) == {"reason"}
    assert fresh(target).is_active


# --- do_set_password ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_sets_a_password_for_staff_in_the_subtree(personas, target, persona):
    acting = getattr(personas, persona)
    actions.do_set_password(acting_user=acting, user=target, password="brand-new-Secret-42")
    assert fresh(target).check_password("brand-new-Secret-42")
    entry = entries("staff.set_password").get(object_id=str(target.pk))
    assert entry.actor_id == acting.pk
    assert entry.before is None and entry.after is None  # never the password or its hash


def test_it_lets_staff_set_their_own_password(personas):
    actions.do_set_password(acting_user=personas.outsider, user=personas.outsider, password="my-Own-secret-77")
    assert fresh(personas.outsider).check_password("my-Own-secret-77")


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_to_set_a_password_outside_the_subtree(personas, target, persona):
    with pytest.raises(ActionPermissionError):
        actions.do_set_password(acting_user=getattr(personas, persona), user=target, password="brand-new-Secret-42")
    assert fresh(target).check_password(PASSWORD)
    assert not entries("staff.set_password").exists()


def test_it_refuses_a_weak_new_password(personas, target):
    with pytest.raises(ValidationError) as excinfo:
        actions.do_set_password(acting_user=personas.own, user=target, password="123")
    assert set(field_errors(excinfo)) == {"password"}
    assert fresh(target).check_password(PASSWORD)
    assert not entries("staff.set_password").exists()


# --- no takeover of a stronger account -------------------------------------------------------------


@pytest.fixture
def stronger(tree, superuser):
    """Homed in the district, but holding the organiser role on the whole city."""
    user = make_staff("stronger", tree.district, roles=())
    actions.do_grant_role(acting_user=superuser, user=user, role=role("organiser"), org=tree.city)
    return fresh(user)


def test_it_refuses_to_reset_the_password_of_an_account_stronger_than_the_actor(personas, stronger):
    with pytest.raises(ActionPermissionError):
        actions.do_set_password(acting_user=personas.own, user=stronger, password="taken-over-Secret-9")
    assert fresh(stronger).check_password(PASSWORD)
    # The city organiser covers every grant the account holds: allowed.
    actions.do_set_password(acting_user=personas.ancestor, user=stronger, password="reset-by-city-Secret-9")
    assert fresh(stronger).check_password("reset-by-city-Secret-9")


def test_it_refuses_to_issue_a_token_or_deactivate_a_stronger_account(personas, stronger):
    with pytest.raises(ActionPermissionError):
        actions.do_issue_api_token(acting_user=personas.own, user=stronger)
    with pytest.raises(ActionPermissionError):
        actions.do_set_staff_active(acting_user=personas.own, user=stronger, active=False, reason="夺权")
    assert not ApiToken.objects.filter(user=stronger).exists()
    assert fresh(stronger).is_active


def test_it_lets_only_a_superuser_manage_a_superuser_homed_in_the_subtree(tree, personas, superuser):
    boss = create(superuser, tree.district, username="boss", is_superuser=True)
    with pytest.raises(ActionPermissionError):
        actions.do_set_password(acting_user=personas.ancestor, user=boss, password="taken-over-Secret-9")
    with pytest.raises(ActionPermissionError):
        actions.do_set_staff_active(acting_user=personas.ancestor, user=boss, active=False, reason="夺权")
    actions.do_set_password(acting_user=superuser, user=boss, password="reset-by-root-Secret-9")
    assert fresh(boss).check_password("reset-by-root-Secret-9")


# --- API tokens ------------------------------------------------------------------------------------


def test_it_issues_a_token_whose_hash_only_is_stored(settings, personas):
    settings.API_TOKEN_DAYS = 7
    row, token = actions.do_issue_api_token(acting_user=personas.own, user=personas.own, label="手机")
    assert token.startswith("gh_") and len(token) > 40
    assert row.token_hash == ApiToken.hash(token) != token
    assert row.prefix == token[:8]
    assert not ApiToken.objects.filter(token_hash=token).exists()
    days = (row.expires_at - timezone.now()).total_seconds() / 86400
    assert 6.99 < days <= 7
    assert row.is_valid
    entry = entries("token.issue").get(object_id=str(row.pk))
    assert entry.actor_id == personas.own.pk
    assert entry.object_label == row.prefix
    assert token not in str(entry.after) and token[8:] not in entry.object_label
    assert entry.after["user"] == personas.own.pk


def test_it_records_the_user_as_actor_of_a_self_service_token(personas):
    row, _ = actions.do_issue_api_token(acting_user=None, user=personas.own)
    assert entries("token.issue").get(object_id=str(row.pk)).actor_id == personas.own.pk


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_lets_a_manager_issue_and_revoke_a_token_for_staff_in_the_subtree(personas, target, persona):
    acting = getattr(personas, persona)
    row, _token = actions.do_issue_api_token(acting_user=acting, user=target)
    assert row.user == target
    actions.do_revoke_api_token(acting_user=acting, token=row)
    row.refresh_from_db()
    assert row.revoked_at is not None and not row.is_valid
    assert entries("token.revoke").get(object_id=str(row.pk)).actor_id == acting.pk


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_refuses_token_work_for_staff_outside_the_subtree(personas, target, persona):
    acting = getattr(personas, persona)
    with pytest.raises(ActionPermissionError):
        actions.do_issue_api_token(acting_user=acting, user=target)
    row, _token = actions.do_issue_api_token(acting_user=target, user=target)
    with pytest.raises(ActionPermissionError):
        actions.do_revoke_api_token(acting_user=acting, token=row)
    row.refresh_from_db()
    assert row.revoked_at is None
    assert not entries("token.revoke").exists()


def test_it_revokes_a_token_once(personas):
    row, _ = actions.do_issue_api_token(acting_user=personas.own, user=personas.own)
    actions.do_revoke_api_token(acting_user=personas.own, token=row)
    first = ApiToken.objects.get(pk=row.pk).revoked_at
    actions.do_revoke_api_token(acting_user=personas.own, token=ApiToken.objects.get(pk=row.pk))
    assert ApiToken.objects.get(pk=row.pk).revoked_at == first
    assert entries("token.revoke").count() == 1


def test_it_leaves_a_verifiable_chain_after_all_of_it(tree, personas, target_grant):
    actions.do_revoke_grant(acting_user=personas.own, grant=target_grant, reason="调岗")
    audit.seal()
    assert audit.verify().ok
