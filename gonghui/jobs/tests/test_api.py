"""Jobs API: the four personas on every endpoint, the member's search/apply, the error shape."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gonghui.jobs.models import Application
from gonghui.jobs.tests.helpers import employer_data, give_skill, member_client

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_staff_endpoints_by_persona(tree, personas, api_for, world):
    post, employer, application = world["post"], world["employer"], world["application"]
    member = world["member"]
    reads = [
        f"{API}/jobs/{post.pk}",
        f"{API}/jobs/{post.pk}/applications",
        f"{API}/members/{member.member_no}/applications",
    ]
    lists = {f"{API}/jobs": post.pk, f"{API}/employers": employer.pk}
    for _name, user in personas.allowed():
        client = api_for(user)
        for url in reads:
            assert client.get(url).status_code == 200, (user.username, url)
        for url, pk in lists.items():
            assert pk in [i["id"] for i in client.get(url).json()["items"]]
    for _name, user in personas.refused():
        client = api_for(user)
        for url in reads:
            response = client.get(url)
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", (user.username, url)
        for url, pk in lists.items():
            assert pk not in [i["id"] for i in client.get(url).json()["items"]]
        moved = client.post(
            f"{API}/applications/{application.pk}/status", {"status": "viewed"}, content_type="application/json"
        )
        assert moved.status_code == 404


def test_the_board_masks_mobiles_and_shows_no_id_numbers(personas, api_for, world):
    rows = api_for(personas.own).get(f"{API}/jobs/{world['post'].pk}/applications").json()["items"]
    assert rows[0]["mobile"].count("*") == 4 and rows[0]["name_masked"].endswith("*")
    assert "id_number" not in rows[0] and "doc_masked" not in str(rows[0])


def test_staff_move_and_hire_through_the_api_with_clear_errors(personas, api_for, world):
    client = api_for(personas.own)
    url = f"{API}/applications/{world['application'].pk}"
    bad = client.post(f"{url}/status", {"status": "hired"}, content_type="application/json")
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]
    early = client.post(
        f"{url}/hire", {"start_date": "2026-01-01", "wage": "220", "wage_unit": "day"}, content_type="application/json"
    )
    assert early.status_code == 422 and "已投递" in early.json()["error"]["message"]
    assert (
        client.post(f"{url}/status", {"status": "offered"}, content_type="application/json").json()["status"]
        == "offered"
    )
    hired = client.post(
        f"{url}/hire",
        {"start_date": timezone.localdate().isoformat(), "wage": "220", "wage_unit": "day"},
        content_type="application/json",
    )
    assert hired.status_code == 201 and [f["months"] for f in hired.json()["follow_ups"]] == [1, 3]
    placements = client.get(f"{API}/placements").json()["items"]
    assert placements[0]["name_masked"].endswith("*")
    follow_up = placements[0]["follow_ups"][0]["id"]
    done = client.post(
        f"{API}/placements/follow-ups/{follow_up}",
        {"still_working": True, "income_change": "500"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["still_working"] is True
    assert (
        api_for(personas.sibling)
        .post(f"{API}/placements/follow-ups/{follow_up}", {"still_working": True}, content_type="application/json")
        .status_code
        == 404
    )


def test_employers_register_approve_and_suspend_through_the_api(tree, personas, api_for):
    client = api_for(personas.own)
    data = employer_data()
    data.update(org=tree.district.code)
    created = client.post(f"{API}/employers", data, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "registered"
    assert "****" in created.json()["contact_mobile_masked"]
    bad = client.post(f"{API}/employers", {**data, "uscc": "123"}, content_type="application/json")
    assert bad.status_code == 422 and "uscc" in bad.json()["error"]["fields"]
    pk = created.json()["id"]
    assert (
        api_for(personas.sibling).post(f"{API}/employers/{pk}/approve", {}, content_type="application/json").status_code
        == 404
    )
    assert (
        client.post(f"{API}/employers/{pk}/approve", {}, content_type="application/json").json()["status"] == "approved"
    )
    empty = client.post(f"{API}/employers/{pk}/suspend", {"reason": ""}, content_type="application/json")
    assert empty.status_code == 422
    assert (
        client.post(f"{API}/employers/{pk}/suspend", {"reason": "投诉"}, content_type="application/json").json()[
            "status"
        ]
        == "suspended"
    )


def test_a_member_searches_sees_the_skill_match_and_applies_once(tree, world):
    from gonghui.members.tests.helpers import make_member

    member = make_member(tree.grassroots)
    give_skill(member)
    client = member_client(member)
    found = client.get(
        f"{API}/jobs", {"near_lat": 22.54, "near_lon": 113.93, "radius_km": 5, "skill": "急救（CPR+AED）"}
    )
    assert found.status_code == 200 and [i["id"] for i in found.json()["items"]] == [world["post"].pk]
    assert found.json()["items"][0]["distance_m"] < 5000
    far = client.get(f"{API}/jobs", {"near_lat": 23.13, "near_lon": 113.26, "radius_km": 5})
    assert far.json()["items"] == []
    detail = client.get(f"{API}/jobs/{world['post'].pk}").json()
    assert detail["skills_met"] == ["急救（CPR+AED）"] and detail["applied_status"] is None
    applied = client.post(
        f"{API}/jobs/{world['post'].pk}/applications", {"share_mobile": True}, content_type="application/json"
    )
    assert applied.status_code == 201 and applied.json()["status"] == "applied"
    again = client.post(f"{API}/jobs/{world['post'].pk}/applications", {}, content_type="application/json")
    assert again.status_code == 422 and "不能重复投递" in again.json()["error"]["message"]
    assert Application.objects.filter(person_id=member.person_id).count() == 1
    mine = client.get(f"{API}/members/{member.member_no}/applications").json()["items"]
    assert mine[0]["events"][0]["to_status"] == "applied"
    assert client.get(f"{API}/members/{world['member'].member_no}/applications").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near_lat": 22.5}, "near_lat"),
        ({"near_lat": 99, "near_lon": 113}, "near_lat"),
        ({"type": "slave"}, "type"),
        ({"radius_km": 0}, "radius_km"),
        ({"station": "NOPE"}, "station"),
    ],
)
def test_bad_search_parameters_get_the_error_shape(tree, world, params, field):
    client = member_client(world["member"])
    response = client.get(f"{API}/jobs", params)
    assert response.status_code == 422 and field in response.json()["error"]["fields"]


def test_anonymous_callers_are_refused(world, client):
    response = client.get(f"{API}/jobs")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
