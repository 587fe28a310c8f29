"""The mediation case screens (open from a ticket, sessions, stages 询→…→执, close with the outcome and
amount, list with the success rate) and the extension screens (request below, decide above): the four
personas, bad input (nothing written), audit entries, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from gonghui.appeals import actions
from gonghui.appeals.models import ExtensionRequest, MediationCase, MediationSession
from gonghui.appeals.tests.helpers import entries, register, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(tree, clock, operator, handlers):
    """Signed for by 南山区 (personas: own = 南山区, ancestor = 深圳市, sibling = 福田区)."""
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    appeal = actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)
    return actions.do_sign(acting_user=handlers["district"], appeal=appeal)


@pytest.fixture
def case(held, ap):
    return actions.do_open_mediation(acting_user=ap.own, appeal=held, workers=12, amount_claimed="120000")


def test_it_opens_a_case_from_the_ticket_page(held, ap, client_for):
    client = client_for(ap.own)
    page = client.get(reverse("appeals:detail", args=[held.number])).content.decode()
    assert reverse("appeals:mediate", args=[held.number]) in page
    url = reverse("appeals:mediate", args=[held.number])
    response = client.post(url, {"workers": "0", "amount_claimed": "1000"})
    assert response.status_code == 200 and MediationCase.objects.count() == 0
    response = client.post(
        url, {"employer_name": "鹏城电子", "workers": "12", "amount_claimed": "120000.50", "mediator_names": "陈调解员"}
    )
    case = MediationCase.objects.get()
    assert response.status_code == 302 and response.url == reverse("appeals:mediation_detail", args=[case.number])
    assert case.amount_claimed == Decimal("120000.50") and case.stage == "enquiry" and case.org == held.org
    assert entries("appeal.mediation_open")[0].actor == ap.own
    page = client.get(reverse("appeals:detail", args=[held.number])).content.decode()
    assert case.number in page


@pytest.mark.parametrize("persona", ["sibling", "outsider"])
def test_it_hides_cases_from_sibling_and_outsider(case, held, ap, client_for, persona):
    client = client_for(getattr(ap, persona))
    assert client.get(reverse("appeals:mediation_detail", args=[case.number])).status_code == 404
    assert client.get(reverse("appeals:mediate", args=[held.number])).status_code == 404
    response = client.post(
        reverse("appeals:mediation_move", args=[case.number, "session"]), {"held_on": "2025-09-30", "note": "x"}
    )
    assert response.status_code == 404 and MediationSession.objects.count() == 0
    if persona == "sibling":
        page = client.get(reverse("appeals:mediation")).content.decode()
        assert case.number not in page


@pytest.mark.parametrize("persona", ["own", "ancestor"])
def test_it_runs_a_case_through_sessions_stages_and_closing(case, clock, ap, client_for, persona):
    user = getattr(ap, persona)
    client = client_for(user)
    number = case.number
    move = lambda m: reverse("appeals:mediation_move", args=[number, m])  # noqa: E731
    # A session dated in the future is refused; nothing written.
    future = (clock.today + dt.timedelta(days=3)).isoformat()
    assert client.post(move("session"), {"held_on": future, "note": "约谈"}).status_code == 200
    assert MediationSession.objects.count() == 0
    response = client.post(move("session"), {"held_on": clock.today.isoformat(), "note": "询问职工", "place": "调解室"})
    assert response.status_code == 302
    # Only later stages are offered; an earlier one is refused.
    form = client.get(move("stage")).content.decode()
    assert 'value="enquiry"' not in form and 'value="mediation"' in form
    assert client.post(move("stage"), {"stage": "enquiry"}).status_code == 200
    assert client.post(move("stage"), {"stage": "mediation", "note": "三方调解"}).status_code == 302
    assert reload_case(case).stage == "mediation"
    assert client.post(move("close"), {"outcome": "pending"}).status_code == 200
    assert client.post(move("close"), {"outcome": "mediated", "amount_recovered": "-5"}).status_code == 200
    assert client.post(move("close"), {"outcome": "mediated", "amount_recovered": "98000"}).status_code == 302
    closed = reload_case(case)
    assert closed.outcome == "mediated" and closed.amount_recovered == Decimal("98000.00") and closed.closed_on
    assert [e.actor for e in entries("appeal.mediation_close")] == [user]
    assert entries("appeal.mediation_stage")[0].after == {"stage": "mediation"}
    page = client.get(reverse("appeals:mediation_detail", args=[number])).content.decode()
    assert "询问职工" in page and "调解成功" in page and "调解结案" not in page.split("</h1>")[1][:200]
    # A closed case takes no more sessions.
    assert client.post(move("session"), {"held_on": clock.today.isoformat(), "note": "x"}).status_code == 200
    assert MediationSession.objects.count() == 1


def reload_case(case):
    return MediationCase.objects.get(pk=case.pk)


def test_it_lists_cases_with_the_success_rate_in_a_fixed_number_of_queries(
    tree, clock, operator, ap, client_for, django_assert_num_queries
):
    def opened(outcome=None, amount="0"):
        appeal = register(ap.own, tree.district, topic="wages", caller_phone="", allow_duplicate=True)
        case = actions.do_open_mediation(acting_user=ap.own, appeal=appeal)
        if outcome:
            actions.do_close_mediation(acting_user=ap.own, case=case, outcome=outcome, amount_recovered=amount)
        return case

    opened("mediated", "5000")
    opened("withdrawn")
    client = client_for(ap.ancestor)
    client.get(reverse("appeals:mediation"))
    # 6 + the 核销台 menu item's partner-staff check (usab-b's navigation predicate, one indexed query per page)
    with django_assert_num_queries(7) as few:
        page = client.get(reverse("appeals:mediation")).content.decode()
    assert "50.0%" in page and "¥5000.00" in page
    opened("mediated", "1000")
    opened()
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(reverse("appeals:mediation")).content.decode()
    assert "66.7%" in page
    assert client.get(reverse("appeals:mediation") + "?outcome=withdrawn").content.decode().count("<tr>") == 2


def test_it_requests_an_extension_below_and_decides_it_above_on_the_ticket_page(held, clock, ap, client_for):
    own, ancestor = client_for(ap.own), client_for(ap.ancestor)
    url = reverse("appeals:move", args=[held.number, "extend"])
    assert own.post(url, {"days": "0", "reason": "x"}).status_code == 200
    assert own.post(url, {"days": "5", "reason": ""}).status_code == 200
    assert ExtensionRequest.objects.count() == 0
    assert own.post(url, {"days": "5", "reason": "需调取考勤记录"}).status_code == 302
    extension = ExtensionRequest.objects.get()
    approve = reverse("appeals:extension_decide", args=[extension.pk, "approve"])
    reject = reverse("appeals:extension_decide", args=[extension.pk, "reject"])
    # The holder sees the request but no decision links; the org above sees them.
    assert approve not in own.get(held.get_absolute_url()).content.decode()
    assert approve in ancestor.get(held.get_absolute_url()).content.decode()
    assert own.post(approve, {"note": "自己批"}).status_code == 403
    assert ancestor.post(reject, {"note": ""}).status_code == 200  # refusing needs a note
    assert ancestor.post(approve, {"note": "同意"}).status_code == 302
    extension.refresh_from_db()
    assert extension.status == "approved" and reload(held).due_on == extension.new_due_on > held.due_on
    assert entries("appeal.extension_decide")[0].actor == ap.ancestor
    assert client_for(ap.sibling).post(approve, {"note": "x"}).status_code == 404
    # After the deadline no request is taken.
    clock.set(reload(held).due_on + dt.timedelta(days=1))
    response = own.post(url, {"days": "3", "reason": "还需时间"})
    assert response.status_code == 200 and "已过" in response.content.decode()
