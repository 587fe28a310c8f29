"""/api/v1/appeals: intake, scoped list and detail with the four personas, masking, errors, queries."""

import pytest

from gonghui.appeals import actions
from gonghui.appeals.models import Appeal
from gonghui.appeals.tests.helpers import register

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals"


@pytest.fixture
def held_by_district(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    return actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)


def test_it_shows_a_district_ticket_to_own_and_ancestor_only(held_by_district, ap, api_for):
    number = held_by_district.number
    for _name, user in ap.allowed():
        client = api_for(user)
        listing = client.get(URL).json()
        assert [row["number"] for row in listing["items"]] == [number]
        row = listing["items"][0]
        assert row["caller_phone"] == "138****8000" and row["status"] == "assigned"
        detail = client.get(f"{URL}/{number}").json()
        assert [e["kind"] for e in detail["timeline"]][:2] == ["registered", "assigned"]
        assert "13800138000" not in str(detail)
    for _name, user in ap.refused():
        client = api_for(user)
        assert client.get(URL).json()["count"] == 0
        response = client.get(f"{URL}/{number}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_it_registers_an_appeal_from_another_front_end(tree, clock, ap, api_for):
    client = api_for(ap.own)
    response = client.post(
        URL,
        {
            "org": tree.district.code,
            "channel": "wechat",
            "request_type": "consultation",
            "topic": "social_insurance",
            "text": "单位没给我交社保怎么办",
            "caller_phone": "13912345678",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "registered" and body["org_code"] == tree.district.code
    assert body["caller_phone"] == "139****5678" and body["timeline"][0]["kind"] == "registered"
    # The sibling district's operator may not take calls for 南山区: the org is out of scope (404).
    response = api_for(ap.sibling).post(
        URL,
        {"org": tree.district.code, "channel": "app", "request_type": "help", "topic": "other", "text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Appeal.objects.count() == 1


def test_it_answers_bad_input_with_the_field_and_writes_nothing(tree, clock, ap, api_for):
    response = api_for(ap.own).post(
        URL,
        {"org": tree.district.code, "channel": "fax", "request_type": "help", "topic": "wages", "text": "欠薪"},
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and "channel" in error["fields"]
    assert api_for(ap.own).get(f"{URL}?status=nonsense").status_code == 422
    assert Appeal.objects.count() == 0


def test_it_signs_and_resolves_through_the_api(held_by_district, handlers, api_for):
    client = api_for(handlers["district"])
    number = held_by_district.number
    assert client.post(f"{URL}/{number}/sign").json()["status"] == "signed"
    response = client.post(
        f"{URL}/{number}/resolve", {"result": "已补发", "amount_recovered": "3000.00"}, content_type="application/json"
    )
    assert response.json()["status"] == "resolved" and response.json()["amount_recovered"] == "3000.00"
    response = client.post(f"{URL}/{number}/sign")
    assert response.status_code == 422 and "已办结" in response.json()["error"]["message"]


def test_it_returns_through_the_api_and_the_ticket_leaves_the_district(held_by_district, handlers, api_for):
    client = api_for(handlers["district"])
    number = held_by_district.number
    assert (
        client.post(f"{URL}/{number}/return", {"reason": "不属本区"}, content_type="application/json").json()[
            "org_name"
        ]
        == "深圳市总工会"
    )
    assert client.get(f"{URL}/{number}").status_code == 404


def test_it_lists_in_a_fixed_number_of_queries(tree, clock, operator, api_for, django_assert_num_queries):
    client = api_for(operator)
    for i in range(3):
        register(operator, tree.province, caller_phone=f"1370000{i:04d}")
    client.get(URL)  # the first request of a token also records its use
    with django_assert_num_queries(4) as few:
        client.get(URL)
    for i in range(5):
        register(operator, tree.province, topic="hours", caller_phone=f"1371000{i:04d}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(URL).json()["count"] == 8
