"""/api/v1/appeals/{number}/…: pause and resume, not accepted, extension request and decision,
call-back, satisfaction, close, supervision — the four personas, bad input (nothing written),
audit entries and query counts."""

import datetime as dt

import pytest

from gonghui.appeals import actions
from gonghui.appeals.models import AppealEvent, CallBack, ExtensionRequest, Supervision
from gonghui.appeals.tests.helpers import entries, register, reload

pytestmark = pytest.mark.django_db
URL = "/api/v1/appeals"
J = {"content_type": "application/json"}


@pytest.fixture
def held(tree, clock, operator, handlers):
    """A ticket sent down to 南山区 and signed for there (the personas: own = 南山区, ancestor = 深圳市)."""
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    return actions.do_sign(acting_user=handlers["district"], appeal=appeal)


@pytest.fixture
def resolved_at_district(tree, clock, ap):
    """A call taken and answered by 南山区's own hotline: its call-back task belongs to 南山区."""
    appeal = register(ap.own, tree.district, request_type="consultation", topic="contract")
    return actions.do_resolve(acting_user=ap.own, appeal=appeal, result="已电话解答")


def events(appeal):
    return AppealEvent.objects.filter(appeal=appeal).count()


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_pauses_and_resumes_for_own_and_ancestor(held, clock, ap, api_for, persona):
    client = api_for(getattr(ap, persona))
    number, due = held.number, held.due_on
    clock.set(dt.date(2025, 10, 13))  # a Monday after 国庆
    body = client.post(f"{URL}/{number}/pause", {"reason": "等待职工补充工资条"}, **J).json()
    assert body["paused"] is True and body["timeline"][-1]["kind"] == "paused"
    clock.set(dt.date(2025, 10, 20))  # a whole week later: five working days
    body = client.post(f"{URL}/{number}/resume", {"note": "材料已补齐"}, **J).json()
    assert body["paused"] is False and dt.date.fromisoformat(body["due_on"]) > due
    assert [e.actor for e in entries("appeal.pause")] == [getattr(ap, persona)]
    assert entries("appeal.resume")[0].after["paused_days"] == 5


@pytest.mark.parametrize("persona", ["sibling", "outsider"])
def test_it_hides_every_move_from_sibling_and_outsider(held, ap, api_for, persona):
    client = api_for(getattr(ap, persona))
    number, before = held.number, events(held)
    for path, payload in (
        ("pause", {"reason": "x"}),
        ("resume", {}),
        ("not-accepted", {"reason": "x"}),
        ("extensions", {"days": 3, "reason": "x"}),
        ("satisfaction", {"satisfaction": "satisfied"}),
        ("supervision", {"reason": "x"}),
        ("close", {}),
    ):
        response = client.post(f"{URL}/{number}/{path}", payload, **J)
        assert response.status_code == 404, path
    assert client.get(f"{URL}/{number}/moves").status_code == 404
    assert events(held) == before and ExtensionRequest.objects.count() == 0


def test_it_does_not_accept_with_a_reason_and_refuses_without(held, ap, api_for):
    client = api_for(ap.own)
    response = client.post(f"{URL}/{held.number}/not-accepted", {"reason": "  "}, **J)
    assert response.status_code == 422 and "reason" in response.json()["error"]["fields"]
    assert reload(held).status == "signed"
    body = client.post(f"{URL}/{held.number}/not-accepted", {"reason": "已进入诉讼程序"}, **J).json()
    assert body["status"] == "not_accepted"
    assert entries("appeal.not_accept")[0].reason == "已进入诉讼程序"
    response = client.post(f"{URL}/{held.number}/pause", {"reason": "x"}, **J)
    assert response.status_code == 422 and "不予受理" in response.json()["error"]["message"]


def test_it_requests_an_extension_below_and_decides_it_above(held, clock, ap, api_for):
    own, ancestor = api_for(ap.own), api_for(ap.ancestor)
    number = held.number
    for payload in ({"days": 0, "reason": "x"}, {"days": 31, "reason": "x"}, {"days": 3, "reason": ""}):
        response = own.post(f"{URL}/{number}/extensions", payload, **J)
        assert response.status_code == 422, payload
    assert own.post(f"{URL}/{number}/extensions", {"days": "three", "reason": "x"}, **J).status_code == 422
    assert ExtensionRequest.objects.count() == 0
    response = own.post(f"{URL}/{number}/extensions", {"days": 5, "reason": "需调取考勤记录"}, **J)
    assert response.status_code == 201
    [extension] = response.json()["extensions"]
    assert extension["status"] == "pending" and extension["org_name"] == "南山区总工会"
    decide = f"{URL}/{number}/extensions/{extension['id']}/decide"
    # The district cannot approve its own request: approval is the org above's.
    response = own.post(decide, {"approve": True}, **J)
    assert response.status_code == 403
    # Refusing needs a note.
    assert ancestor.post(decide, {"approve": False}, **J).status_code == 422
    body = ancestor.post(decide, {"approve": True, "note": "同意"}, **J).json()
    assert body["extensions"][0]["status"] == "approved"
    assert body["due_on"] == body["extensions"][0]["new_due_on"] != held.due_on.isoformat()
    assert ancestor.post(decide, {"approve": True}, **J).status_code == 422  # decided already
    assert entries("appeal.extension_decide")[0].actor == ap.ancestor
    assert ancestor.post(f"{URL}/{number}/extensions/999999/decide", {"approve": True}, **J).status_code == 404


def test_it_refuses_an_extension_after_the_deadline(held, clock, ap, api_for):
    clock.set(held.due_on + dt.timedelta(days=1))
    response = api_for(ap.own).post(f"{URL}/{held.number}/extensions", {"days": 2, "reason": "来不及"}, **J)
    assert response.status_code == 422 and "已过" in response.json()["error"]["message"]


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_records_a_call_back_with_the_rating(resolved_at_district, ap, api_for, persona):
    client = api_for(getattr(ap, persona))
    number = resolved_at_district.number
    [task] = client.get(f"{URL}/{number}/moves").json()["callbacks"]
    assert task["kind"] == "resolution" and task["done_at"] is None
    url = f"{URL}/{number}/callbacks/{task['id']}"
    response = client.post(url, {"reached": True, "satisfaction": "great"}, **J)
    assert response.status_code == 422 and "satisfaction" in response.json()["error"]["fields"]
    assert reload(resolved_at_district).status == "resolved"
    body = client.post(url, {"reached": True, "note": "已回访", "satisfaction": "very_satisfied"}, **J).json()
    assert body["status"] == "rated" and body["satisfaction"] == "very_satisfied"
    assert body["callbacks"][0]["reached"] is True
    assert entries("appeal.call_back")[0].actor == getattr(ap, persona)
    assert client.post(url, {"reached": True}, **J).status_code == 422  # done already
    assert client.post(f"{URL}/{number}/close", {"note": "结案"}, **J).json()["status"] == "closed"


@pytest.mark.parametrize("persona", ["sibling", "outsider"])
def test_it_hides_call_backs_from_sibling_and_outsider(resolved_at_district, ap, api_for, persona):
    task = CallBack.objects.get(appeal=resolved_at_district)
    response = api_for(getattr(ap, persona)).post(
        f"{URL}/{resolved_at_district.number}/callbacks/{task.pk}", {"reached": True}, **J
    )
    assert response.status_code == 404
    assert CallBack.objects.get(pk=task.pk).done_at is None


def test_it_reopens_on_a_dissatisfied_rating_the_handler_caused(resolved_at_district, ap, api_for):
    client = api_for(ap.own)
    url = f"{URL}/{resolved_at_district.number}/satisfaction"
    response = client.post(url, {"satisfaction": "dissatisfied"}, **J)
    assert response.status_code == 422 and "dissatisfaction_reason" in response.json()["error"]["fields"]
    body = client.post(url, {"satisfaction": "dissatisfied", "dissatisfaction_reason": "attitude"}, **J).json()
    assert body["status"] == "reopened"
    assert entries("appeal.reopen")[0].actor == ap.own


def test_it_supervises_from_above_only_and_closes_it(held, ap, api_for):
    own, ancestor = api_for(ap.own), api_for(ap.ancestor)
    url = f"{URL}/{held.number}/supervision"
    assert own.post(url, {"reason": "群体性欠薪"}, **J).status_code == 403
    assert ancestor.post(url, {"reason": ""}, **J).status_code == 422
    assert Supervision.objects.count() == 0
    body = ancestor.post(url, {"reason": "群体性欠薪，市总督办"}, **J).json()
    assert body["supervised"] is True and body["timeline"][-1]["kind"] == "supervision_opened"
    assert ancestor.post(url, {"reason": "again"}, **J).status_code == 422
    assert own.post(f"{url}/close", {"reason": "x"}, **J).status_code == 403
    body = ancestor.post(f"{url}/close", {"reason": "已落实"}, **J).json()
    assert body["supervised"] is False
    assert ancestor.post(f"{url}/close", {"reason": "x"}, **J).status_code == 422
    assert [e.action for e in entries("appeal.supervise")] == ["appeal.supervise"]
    assert entries("appeal.supervision_close")[0].actor == ap.ancestor


def test_it_answers_a_move_in_a_fixed_number_of_queries(held, clock, ap, api_for, django_assert_num_queries):
    client = api_for(ap.own)
    number = held.number
    client.get(f"{URL}/{number}/moves")  # the first request of a token also records its use
    with django_assert_num_queries(6) as few:
        client.get(f"{URL}/{number}/moves")
    for i in range(4):
        actions.do_add_note(acting_user=ap.own, appeal=held, text=f"第{i}次联系企业")
    actions.do_request_extension(acting_user=ap.own, appeal=held, days=2, reason="x")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(f"{URL}/{number}/moves")
