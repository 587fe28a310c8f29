"""Issue 18 point 11: the archive form offers only the 建档标准 the user's union can approve, shows a
level error on the field, and fills 经办人 with a person, never with an org."""

from __future__ import annotations

import pytest
from django.test import Client

from gonghui.accounts.actions import do_set_display_name
from gonghui.core.testing import make_staff
from gonghui.hardship import actions
from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.tests.test_views import create_data

pytestmark = pytest.mark.django_db


def level_options(client) -> list[str]:
    form = client.get("/hardship/archives/new/").context["causes"]
    return [value for value, _label in form.fields["level"].choices if value]


def test_it_offers_only_the_levels_the_users_union_can_approve(tree, hp, client_for):
    # The test tree has no national union: 全国级 would always fail, so it is not offered.
    assert actions.levels_for(tree.district) == ["province", "city", "district", "grassroots"]
    assert level_options(client_for(hp.own)) == ["province", "city", "district", "grassroots"]
    # The city's workers are kept under districts: the district level stays on offer there.
    assert level_options(client_for(hp.ancestor)) == ["province", "city", "district", "grassroots"]
    assert "national" not in actions.levels_for(None)


def test_it_shows_a_level_error_next_to_the_field_and_writes_nothing(member, lines, clock, hp, client_for):
    response = client_for(hp.own).post("/hardship/archives/new/", create_data(member, **{"c-level": "national"}))
    assert response.status_code == 200
    errors = response.context["causes"].errors["level"]
    assert "建档标准" in errors[0]
    body = response.content.decode()
    field = body.index('name="c-level"')
    assert body.index("请从列表中选择建档标准", field) - field < 600  # right under the select, not far below
    assert not HardshipArchive.objects.exists()


def test_it_fills_the_handler_with_the_persons_name_not_the_union(tree, hp, client_for):
    do_set_display_name(acting_user=None, user=hp.own, display_name="周敏", reason="test")
    assert client_for(hp.own).get("/hardship/archives/new/").context["causes"]["person_name"].value() == "周敏"
    named_after_union = make_staff("h-org-named", tree.district, roles=("hardship",))
    do_set_display_name(acting_user=None, user=named_after_union, display_name=tree.district.name, reason="test")
    client = Client()
    client.force_login(named_after_union)
    assert client.get("/hardship/archives/new/").context["causes"]["person_name"].value() == ""
