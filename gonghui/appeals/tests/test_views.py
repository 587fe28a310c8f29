"""The screens: workbench intake and caller lookup, handler queue, ticket page, moves, call-back,
the requester's rating page; personas, no phone in URLs, query counts."""

import pytest
from django.urls import reverse

from gonghui.appeals import actions
from gonghui.appeals.models import Appeal, CallBack
from gonghui.appeals.tests.helpers import register, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_by_district(tree, clock, operator, handlers):
    appeal = register(operator, tree.province)
    appeal = actions.do_assign(acting_user=operator, appeal=appeal, to_org=tree.city)
    appeal = actions.do_sign(acting_user=handlers["city"], appeal=appeal)
    return actions.do_assign(acting_user=handlers["city"], appeal=appeal, to_org=tree.district)


def test_it_registers_a_call_from_the_workbench(tree, clock, operator, client_for):
    client = client_for(operator)
    page = client.get(reverse("appeals:workbench"))
    assert page.status_code == 200 and "新来电" in page.content.decode()
    response = client.post(
        reverse("appeals:workbench"),
        {
            "channel": "hotline",
            "caller_phone": "13800138000",
            "caller_name": "张师傅",
            "request_type": "complaint",
            "topic": "wages",
            "complexity": "ordinary",
            "urgency": "normal",
            "text": "工地老板欠我们八个人两个月工资",
            "division_code": "440305",
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    assert "138" not in response["Location"]
    assert appeal.suggested_org == tree.district and appeal.intake_org == tree.province
    detail = client.get(appeal.get_absolute_url()).content.decode()
    assert "138****8000" in detail and "13800138000" not in detail and "转办" in detail


def test_it_shows_field_errors_and_writes_nothing(tree, clock, operator, client_for):
    response = client_for(operator).post(
        reverse("appeals:workbench"),
        {
            "channel": "hotline",
            "caller_phone": "123",
            "request_type": "help",
            "topic": "other",
            "text": "x",
            "complexity": "ordinary",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200 and "格式不正确" in response.content.decode()
    assert Appeal.objects.count() == 0


def test_it_keeps_handlers_without_hotline_rights_off_the_workbench(tree, handlers, client_for):
    assert client_for(handlers["district"]).get(reverse("appeals:workbench")).status_code == 403


def test_it_shows_the_ticket_page_only_to_own_and_ancestor(held_by_district, ap, client_for):
    url = held_by_district.get_absolute_url()
    for _name, user in ap.allowed():
        response = client_for(user).get(url)
        assert response.status_code == 200 and "流转记录" in response.content.decode()
    for _name, user in ap.refused():
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).get(reverse("appeals:move", args=[held_by_district.number, "sign"])).status_code == 404


def test_it_signs_and_resolves_through_the_move_pages(held_by_district, handlers, client_for):
    client = client_for(handlers["district"])
    number = held_by_district.number
    assert client.post(reverse("appeals:move", args=[number, "sign"]), {}).status_code == 302
    response = client.post(reverse("appeals:move", args=[number, "resolve"]), {"result": ""})
    assert response.status_code == 200  # the form shows the error, nothing changes
    assert reload(held_by_district).status == "signed"
    client.post(reverse("appeals:move", args=[number, "resolve"]), {"result": "已补发", "amount_recovered": "800"})
    assert reload(held_by_district).status == "resolved"


def test_it_lists_the_handler_queue_in_a_fixed_number_of_queries(
    tree, clock, operator, handlers, client_for, django_assert_num_queries
):
    client = client_for(handlers["city"])
    for i in range(2):
        a = register(operator, tree.province, caller_phone=f"1370000{i:04d}")
        actions.do_assign(acting_user=operator, appeal=a, to_org=tree.city)
    client.get(reverse("appeals:queue"))
    # 7 + the 核销台 menu item's partner-staff check (usab-b's navigation predicate, one indexed query per page)
    with django_assert_num_queries(8) as few:
        page = client.get(reverse("appeals:queue") + "?tab=sign")
    assert page.content.decode().count("<td><a href=") == 2  # table rows (the notices are list items)
    for i in range(4):
        a = register(operator, tree.province, topic="hours", caller_phone=f"1371000{i:04d}")
        actions.do_assign(acting_user=operator, appeal=a, to_org=tree.city)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("appeals:queue") + "?tab=sign")
    assert client_for(handlers["sibling"]).get(reverse("appeals:queue")).content.decode().count("<td><a href=") == 0


def test_it_records_a_call_back_with_satisfaction(tree, clock, operator, client_for):
    appeal = register(operator, tree.province, request_type="consultation")
    actions.do_resolve(acting_user=operator, appeal=appeal, result="已解答")
    callback = CallBack.objects.get(appeal=appeal)
    response = client_for(operator).post(
        reverse("appeals:callback", args=[callback.pk]), {"reached": "on", "satisfaction": "satisfied"}
    )
    assert response.status_code == 302
    assert reload(appeal).status == "rated" and reload(appeal).satisfaction == "satisfied"


def test_it_takes_a_rating_from_the_signed_link_without_login(tree, clock, operator, client):
    appeal = register(operator, tree.province, request_type="consultation")
    actions.do_resolve(acting_user=operator, appeal=appeal, result="已解答")
    url = reverse("appeals:rate", args=[actions.rating_token(appeal, "very_satisfied")])
    page = client.get(url)
    assert page.status_code == 200 and "非常满意" in page.content.decode()
    assert reload(appeal).status == "resolved"  # a GET (a link scanner) never rates
    assert client.post(url).status_code == 200
    assert reload(appeal).satisfaction == "very_satisfied"
    again = client.post(url)
    assert again.status_code == 400 and "已评价" in again.content.decode()
    assert client.post(reverse("appeals:rate", args=["forged"])).status_code == 400


def _portal_client(mobile: str):
    from django.test import Client

    from gonghui.members.portal import auth

    client = Client()
    session = client.session
    session[auth.SESSION_MOBILE] = mobile
    session.save()
    return client


def test_it_takes_a_members_own_appeal_in_the_portal(tree, clock):
    from gonghui.members.tests.helpers import make_member

    membership = make_member(tree.grassroots)
    client = _portal_client(membership.person.mobile)
    assert client.get(reverse("appeals:portal")).status_code == 200
    response = client.post(
        reverse("appeals:portal"), {"topic": "wages", "request_type": "help", "text": "公司两个月没发工资了"}
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.channel == "website" and appeal.membership == membership and appeal.person == membership.person
    assert appeal.intake_org == tree.province and appeal.suggested_org == tree.grassroots
    page = client.get(reverse("appeals:portal")).content.decode()
    assert appeal.number in page
    # Another member's portal shows none of it.
    assert appeal.number not in _portal_client("+8613911112222").get(reverse("appeals:portal")).content.decode()


def test_it_sends_a_visitor_without_a_member_session_to_the_portal_login(db, client):
    response = client.get(reverse("appeals:portal"))
    assert response.status_code == 302 and "/m/login/" in response["Location"]


def test_it_suggests_a_classification_and_keeps_the_operators_override(tree, clock, operator, client_for, monkeypatch):
    from gonghui.appeals import triage

    monkeypatch.setattr(
        triage, "suggest", lambda text: triage.Suggestion(topic="欠薪/工资", request_type="信访投诉", confidence=0.87)
    )
    client = client_for(operator)
    data = {
        "channel": "hotline",
        "caller_phone": "13800138000",
        "request_type": "consultation",
        "topic": "other",
        "complexity": "ordinary",
        "urgency": "normal",
        "text": "老板三个月没发工资",
    }
    page = client.post(reverse("appeals:workbench"), {**data, "suggest": "1"}).content.decode()
    assert "系统建议：欠薪/工资 · 信访投诉（置信度 0.87）" in page
    assert 'value="wages" selected' in page and Appeal.objects.count() == 0
    # The operator overrides the request type and registers: both the suggestion and the choice are kept.
    client.post(
        reverse("appeals:workbench"),
        {
            **data,
            "topic": "wages",
            "request_type": "legal_aid",
            "suggested_topic": "wages",
            "suggested_request_type": "complaint",
            "triage_confidence": "0.87",
        },
    )
    appeal = Appeal.objects.get()
    assert (appeal.topic, appeal.request_type) == ("wages", "legal_aid")
    assert (appeal.suggested_topic, appeal.suggested_request_type, appeal.triage_confidence) == (
        "wages",
        "complaint",
        0.87,
    )


def test_it_uploads_and_serves_an_attachment_only_within_scope(held_by_district, ap, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    number = held_by_district.number
    client = client_for(ap.own)
    response = client.post(
        reverse("appeals:attach", args=[number]),
        {"file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert response.status_code == 302
    attachment = held_by_district.attachments.get()
    url = reverse("appeals:attachment", args=[number, attachment.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4"
    assert "合同.pdf" in client.get(held_by_district.get_absolute_url()).content.decode()
    for _name, user in ap.refused():
        assert client_for(user).get(url).status_code == 404


def test_it_shows_the_sweeps_notices_to_the_org_above_and_not_to_siblings(
    held_by_district, clock, handlers, client_for
):
    import datetime as dt

    from gonghui.appeals.sweep import sweep

    actions.do_sign(acting_user=handlers["district"], appeal=held_by_district)
    clock.set(dt.date(2025, 10, 27))  # past the 13-working-day deadline of 10-24
    sweep()
    city_page = client_for(handlers["city"]).get(reverse("appeals:queue")).content.decode()
    assert "超期督办（报上级）" in city_page and "深圳市总工会" in city_page
    district_page = client_for(handlers["district"]).get(reverse("appeals:queue")).content.decode()
    assert "超期督办（报上级）" not in district_page and "超期督办" in district_page
    assert "超期督办" not in client_for(handlers["sibling"]).get(reverse("appeals:queue")).content.decode()
