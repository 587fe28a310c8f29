"""Scoped reads (DESIGN.md §3.2): restrict(), user_can() and access_object()."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from gonghui.accounts.actions import do_create_staff, do_grant_role, do_revoke_grant
from gonghui.accounts.models import Grant, Role, User
from gonghui.core import audit
from gonghui.core.models import AuditEntry
from gonghui.core.scoping import access_object, permission_name, user_can
from gonghui.core.testing import PASSWORD, make_staff
from gonghui.orgs.actions import do_close_org
from gonghui.orgs.models import Org


def _codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def _subtree(*orgs) -> set[str]:
    codes = set()
    for org in orgs:
        codes |= _codes(Org.objects.filter(path__startswith=org.path))
    return codes


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def _superuser(username) -> User:
    return do_create_staff(
        acting_user=None, username=username, display_name=username, home_org=None, password=PASSWORD, is_superuser=True
    )


def _grant(user, role_code, org):
    return do_grant_role(acting_user=None, user=user, role=Role.objects.get(code=role_code), org=org)


def test_it_gives_nothing_without_a_grant(tree):
    user = make_staff("nobody", tree.district, roles=())
    assert not Org.objects.restrict(user, "view").exists()
    assert not user_can(user, "org.view")
    assert not user_can(user, "org.view", tree.district.path)


def test_it_gives_the_granted_org_and_its_subtree(tree):
    user = make_staff("district-viewer", tree.district, roles=("viewer",))
    assert _codes(Org.objects.restrict(user, "view")) == {
        tree.district.code,
        tree.street.code,
        tree.grassroots.code,
    }


def test_it_covers_every_descendant_from_an_ancestor_grant(tree):
    user = make_staff("city-viewer", tree.city, roles=("viewer",))
    visible = _codes(Org.objects.restrict(user, "view"))
    assert visible == _subtree(tree.city)
    assert {tree.grassroots.code, tree.sibling_grassroots.code} <= visible
    assert tree.province.code not in visible
    assert tree.other_city.code not in visible


def test_it_folds_two_grants(tree):
    user = make_staff("two-grants", tree.district, roles=("viewer",))
    _grant(user, "viewer", tree.other_city)
    user = _fresh(user)
    assert _codes(Org.objects.restrict(user, "view")) == _subtree(tree.district, tree.other_city)


def test_it_folds_a_grant_nested_inside_another(tree):
    user = make_staff("nested-grants", tree.city, roles=("viewer",))
    _grant(user, "hardship", tree.district)
    user = _fresh(user)
    visible = Org.objects.restrict(user, "view")
    assert _codes(visible) == _subtree(tree.city)
    assert visible.count() == len(_subtree(tree.city))  # no duplicates from overlapping subtrees


def test_it_checks_the_permission_not_just_the_grant(tree):
    user = make_staff("hotline-only", tree.district, roles=("hotline",))
    assert Org.objects.restrict(user, "view").exists()  # hotline holds org.view
    assert not Org.objects.restrict(user, "change").exists()  # but not org.change
    assert not User.objects.restrict(user, "view").exists()  # nor staff.view
    assert user_can(user, "appeal.assign", tree.street.path)
    assert not user_can(user, "org.change", tree.street.path)


def test_it_gives_nothing_from_a_revoked_grant(tree):
    user = make_staff("revoked", tree.district, roles=("viewer",))
    grant = Grant.objects.get(user=user)
    do_revoke_grant(acting_user=None, grant=grant, reason="调岗")
    user = _fresh(user)
    assert not Org.objects.restrict(user, "view").exists()
    assert not user_can(user, "org.view")


def test_it_gives_nothing_from_a_grant_on_a_closed_org(tree):
    user = make_staff("closed-org", tree.sibling_grassroots, roles=("viewer",))
    assert _codes(Org.objects.restrict(user, "view")) == {tree.sibling_grassroots.code}
    do_close_org(acting_user=None, org=tree.sibling_grassroots, reason="企业注销")
    user = _fresh(user)
    assert not Org.objects.restrict(user, "view").exists()
    assert not user_can(user, "org.view", tree.sibling_grassroots.path)


def test_it_gives_a_superuser_everything(tree):
    admin = _superuser("root-admin")
    assert Org.objects.restrict(admin, "view").count() == Org.objects.count()
    assert Org.objects.restrict(admin, "close").count() == Org.objects.count()
    assert user_can(admin, "anything.at_all", tree.grassroots.path)
    assert user_can(admin, "org.view")


def test_it_gives_an_inactive_or_anonymous_user_nothing(tree):
    user = make_staff("inactive", tree.city, roles=("organiser",))
    User.objects.filter(pk=user.pk).update(is_active=False)
    user = _fresh(user)
    assert not Org.objects.restrict(user, "view").exists()
    assert not user_can(user, "org.view", tree.city.path)
    assert not Org.objects.restrict(AnonymousUser(), "view").exists()
    assert not Org.objects.restrict(None, "view").exists()
    assert not user_can(AnonymousUser(), "org.view")

    admin = _superuser("inactive-admin")
    User.objects.filter(pk=admin.pk).update(is_active=False)
    assert not Org.objects.restrict(_fresh(admin), "view").exists()


def test_it_answers_user_can_by_path(tree):
    user = make_staff("can-check", tree.district, roles=("organiser",))
    assert user_can(user, "org.change")
    assert user_can(user, "org.change", tree.district.path)
    assert user_can(user, "org.change", tree.grassroots.path)
    assert not user_can(user, "org.change", tree.city.path)
    assert not user_can(user, "org.change", tree.sibling_district.path)
    assert not user_can(user, "hardship.view", tree.district.path)


def test_it_does_not_confuse_sibling_ids_sharing_a_prefix(tree):
    """A path is a string prefix only up to the separator: 00000002. must not match 00000020."""
    user = make_staff("prefix", tree.district, roles=("viewer",))
    fake_path = tree.district.path[:-1] + "0."
    assert not user_can(user, "org.view", fake_path)


def test_it_restricts_other_scoped_models_by_their_own_path_field(tree, personas):
    # AuditEntry: by org_path.
    inside = audit.record(actor=None, action="test.inside", object_type="x", object_id=1, org=tree.grassroots)
    outside = audit.record(actor=None, action="test.outside", object_type="x", object_id=2, org=tree.sibling_district)
    visible = set(AuditEntry.objects.restrict(personas.own, "view").values_list("pk", flat=True))
    assert inside.pk in visible and outside.pk not in visible
    # Users: by home_org path, with the staff.* permissions.
    staff = set(User.objects.restrict(personas.own, "view").values_list("username", flat=True))
    assert {"p-own", "p-outsider"} <= staff
    assert "p-ancestor" not in staff and "p-sibling" not in staff
    # Grants: by org path.
    grants = Grant.objects.restrict(personas.ancestor, "view")
    assert {g.org_id for g in grants} == {tree.district.pk, tree.city.pk, tree.sibling_district.pk}


def test_it_accepts_a_full_permission_name(tree, personas):
    assert permission_name(Org, "view") == "org.view"
    assert permission_name(Org, "staff.view") == "staff.view"
    assert Org.objects.restrict(personas.own, "staff.view").exists()
    assert not Org.objects.restrict(personas.own, "hardship.view").exists()


def test_it_reloads_grants_after_a_new_grant(tree):
    user = make_staff("reload", tree.district, roles=())
    assert not user_can(user, "org.view")
    _grant(user, "viewer", tree.district)  # forget_grants() on the same instance
    assert user_can(user, "org.view", tree.district.path)


# --- access_object ---------------------------------------------------------------------------------


def test_it_fetches_an_object_inside_the_scope(tree, personas):
    for _name, user in personas.allowed():
        org = access_object(Org.objects.all(), user, "view", code=tree.grassroots.code)
        assert org.pk == tree.grassroots.pk


@pytest.mark.parametrize("persona", ["outsider", "sibling"])
def test_it_raises_404_outside_the_scope(tree, personas, persona):
    user = getattr(personas, persona)
    with pytest.raises(Http404):
        access_object(Org.objects.all(), user, "view", code=tree.grassroots.code)


def test_it_raises_404_for_a_missing_action_and_a_missing_object(tree, personas):
    with pytest.raises(Http404):
        access_object(Org.objects.all(), personas.own, "hardship.view", code=tree.district.code)
    with pytest.raises(Http404):
        access_object(Org.objects.all(), personas.own, "view", code="NO-SUCH-CODE")
    with pytest.raises(Http404):  # own may view the city's subtree only from the district down
        access_object(Org.objects.all(), personas.own, "view", code=tree.city.code)
