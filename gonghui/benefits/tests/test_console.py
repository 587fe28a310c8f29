"""Console pages added for issue 6: the service catalogue (with the readable rule editor), member
feedback (averages, comments, handling), voucher revocation (one voucher, or a campaign's unused
ones) and the hospital counter's medical-visit form. Four personas, bad input, audit entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.benefits import actions, queries
from gonghui.benefits.models import MedicalReduction, Service, Voucher
from gonghui.benefits.tests.helpers import (
    card_payload,
    entries,
    gig_member,
    make_campaign,
    make_offer,
    make_partner,
    reload,
)
from gonghui.core.testing import make_staff
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def service_post(**kw) -> dict:
    data = {
        "name": "骑手法律咨询",
        "category": "legal_aid",
        "description": "劳动争议免费咨询",
        "how_to_use": "到区总工会服务站",
        "channels": "线上，服务站",
        "worker_types": ["gig"],
        "gig_subtypes": ["delivery"],
        "age_min": "18",
        "orgs": "440305",
    }
    data.update(kw)
    return data


def make_service(org, **kw) -> Service:
    data = {"name": "职工心理咨询", "category": "psychology", "description": "每周三下午", "rule": {}}
    data.update(kw)
    return actions.do_create_service(acting_user=None, org=org, data=data)


# --- services ------------------------------------------------------------------------------------


def test_it_creates_a_service_with_the_readable_rule_editor(tree, personas, client_for):
    client = client_for(personas.own)
    assert client.get(f"/benefits/services/new/?org={tree.district.code}").status_code == 200
    response = client.post(f"/benefits/services/new/?org={tree.district.code}", service_post(any_card="on"))
    service = Service.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/services/{service.pk}/"
    assert service.rule["worker_types"] == ["gig"] and service.rule["gig_subtypes"] == ["delivery"]
    assert service.rule["age_min"] == 18 and service.rule["orgs"] == ["440305"]
    assert service.rule["card"] is False and service.rule["verified"] is True
    assert service.channels == ["线上", "服务站"] and service.status == "draft"
    assert [e.object_id for e in entries("benefits.service_create")] == [str(service.pk)]
    page = client.get(f"/benefits/services/{service.pk}/").content.decode()
    assert "职工类型" in page and "新就业形态" in page and "已实名认证" in page


def test_it_refuses_bad_service_input_and_writes_nothing(tree, personas, client_for):
    client = client_for(personas.own)
    url = f"/benefits/services/new/?org={tree.district.code}"
    bad_json = client.post(url, service_post(rule_json="{not json"))
    assert bad_json.status_code == 200 and "不是有效的 JSON" in bad_json.content.decode()
    ages = client.post(url, service_post(age_min="60", age_max="18"))
    assert ages.status_code == 200 and "最小年龄不能大于最大年龄" in ages.content.decode()
    unknown = client.post(url, service_post(rule_json='{"shoe_size": 42}'))
    assert unknown.status_code == 200 and "未知的条件" in unknown.content.decode()
    missing = client.post(url, service_post(name="", description=""))
    assert missing.status_code == 200
    assert not Service.objects.exists() and not entries("benefits.service_create")


def test_it_edits_and_publishes_a_service_with_the_rule_kept(tree, personas, client_for):
    service = make_service(tree.district, rule={"worker_types": ["gig"], "age_max": 60, "hardship": "archived"})
    client = client_for(personas.own)
    form = client.get(f"/benefits/services/{service.pk}/edit/").context["form"]
    assert form.initial["worker_types"] == ["gig"] and form.initial["age_max"] == 60
    assert form.initial["cond_hardship"] == "archived"
    data = service_post(name="心理咨询（新）", orgs="", gig_subtypes=[], age_min="", age_max="60")
    data["cond_hardship"] = "archived"
    response = client.post(f"/benefits/services/{service.pk}/edit/", data)
    assert response.status_code == 302
    service = reload(service)
    assert service.name == "心理咨询（新）" and service.rule["hardship"] == "archived"
    assert service.rule["age_max"] == 60 and "orgs" not in service.rule
    assert len(entries("benefits.service_update")) == 1
    client.post(f"/benefits/services/{service.pk}/publish/")
    assert reload(service).status == "published"
    again = client.post(f"/benefits/services/{service.pk}/publish/", follow=True)
    assert reload(service).status == "published" and again.status_code == 200
    assert [e.after["status"] for e in entries("benefits.service_status")] == ["published"]


def test_service_pages_follow_the_four_personas(tree, personas, client_for):
    service = make_service(tree.district)
    for _name, user in personas.allowed():
        client = client_for(user)
        assert service.name in client.get("/benefits/services/").content.decode()
        assert client.get(f"/benefits/services/{service.pk}/").status_code == 200
        assert client.get(f"/benefits/services/{service.pk}/edit/").status_code == 200
    for _name, user in personas.refused():
        client = client_for(user)
        assert service.name not in client.get("/benefits/services/").content.decode()
        assert client.get(f"/benefits/services/{service.pk}/").status_code == 404
        assert client.get(f"/benefits/services/{service.pk}/edit/").status_code == 404
        assert client.post(f"/benefits/services/{service.pk}/edit/", service_post()).status_code == 404
        assert client.post(f"/benefits/services/{service.pk}/publish/").status_code == 404
        assert client.get(f"/benefits/services/new/?org={tree.district.code}").status_code == 404
    assert reload(service).status == "draft" and reload(service).name == "职工心理咨询"
    assert Client().get("/benefits/services/").status_code == 302


def test_the_service_list_has_a_constant_query_count(tree, personas, client_for, django_assert_num_queries):
    client = client_for(personas.own)
    gym = make_partner(tree.district)
    make_service(tree.district, partner=gym)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/benefits/services/")
    with CaptureQueriesContext(connection) as few:
        client.get("/benefits/services/")
    for i in range(4):
        make_service(tree.district, name=f"服务{i}", partner=gym)
    with django_assert_num_queries(len(few)):
        response = client.get("/benefits/services/")
    assert response.context["page_obj"].paginator.count == 5


# --- feedback ------------------------------------------------------------------------------------


def rated(tree, gym):
    service = make_service(tree.district)
    campaign = make_campaign(tree.district, partners=[gym])
    member = make_member(tree.grassroots)
    other = make_member(tree.grassroots)
    actions.do_leave_feedback(membership=member, target=service, rating=2, comment="排队太久")
    actions.do_leave_feedback(membership=other, target=service, rating=4, comment="")
    actions.do_leave_feedback(membership=member, target=gym, rating=5, comment="服务很好")
    actions.do_leave_feedback(membership=member, target=campaign, rating=3, comment="名额太少")
    return service, campaign


def test_staff_see_feedback_averages_and_comments(tree, personas, gym, client_for, django_assert_num_queries):
    service, campaign = rated(tree, gym)
    client = client_for(personas.own)
    client.get("/benefits/feedback/")
    response = client.get("/benefits/feedback/")
    averages = {(a["kind"], a["target_id"]): a for a in response.context["averages"]}
    assert averages[("service", service.pk)]["average"] == 3 and averages[("service", service.pk)]["count"] == 2
    assert averages[("partner", gym.pk)]["average"] == 5
    assert averages[("campaign", campaign.pk)]["open"] == 1
    assert response.context["averages"][0]["kind"] == "service"  # lowest first
    page = response.content.decode()
    assert "排队太久" in page and "名额太少" in page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/benefits/feedback/")
    member = make_member(tree.grassroots)
    for i in range(3):
        actions.do_leave_feedback(membership=member, target=make_service(tree.district, name=f"s{i}"), rating=1)
    with django_assert_num_queries(len(few)):
        client.get("/benefits/feedback/")


def test_feedback_pages_follow_the_four_personas(tree, personas, gym, client_for):
    rated(tree, gym)
    row = queries.feedback_rows(personas.own).get(comment="排队太久")
    for _name, user in personas.allowed():
        client = client_for(user)
        assert "排队太久" in client.get("/benefits/feedback/").content.decode()
        assert client.get(f"/benefits/feedback/{row.pk}/handle/").status_code == 200
    for _name, user in personas.refused():
        client = client_for(user)
        page = client.get("/benefits/feedback/")
        assert "排队太久" not in page.content.decode() and page.context["averages"] == []
        assert client.get(f"/benefits/feedback/{row.pk}/handle/").status_code == 404
        assert client.post(f"/benefits/feedback/{row.pk}/handle/", {"response": "x"}).status_code == 404
    assert reload(row).handled_at is None


def test_staff_act_on_a_comment(tree, personas, gym, client_for):
    rated(tree, gym)
    row = queries.feedback_rows(personas.own).get(comment="排队太久")
    client = client_for(personas.ancestor)
    blank = client.post(f"/benefits/feedback/{row.pk}/handle/", {"response": "   "})
    assert blank.status_code == 200 and reload(row).handled_at is None and not entries("benefits.feedback_handle")
    response = client.post(f"/benefits/feedback/{row.pk}/handle/", {"response": "已要求服务站增加窗口"})
    assert response.status_code == 302 and response["Location"] == "/benefits/feedback/"
    row = reload(row)
    assert row.response == "已要求服务站增加窗口" and row.handled_by == personas.ancestor
    [entry] = entries("benefits.feedback_handle")
    assert entry.actor_id == personas.ancestor.pk and entry.after == {"response": "已要求服务站增加窗口"}
    open_only = client.get("/benefits/feedback/?open=1").content.decode()
    assert "排队太久" not in open_only and "名额太少" in open_only


# --- voucher revocation --------------------------------------------------------------------------


def claimed(tree, gym, n=3):
    campaign = make_campaign(tree.district, partners=[gym])
    made = []
    for _ in range(n):
        member = gig_member(tree.grassroots)
        made.append(actions.do_claim_voucher(campaign=campaign, membership=queries.claimant(member.person)))
    return campaign, made


def test_it_revokes_one_voucher_with_a_reason(tree, personas, gym, client_for):
    campaign, made = claimed(tree, gym, 2)
    client = client_for(personas.own)
    url = f"/benefits/campaigns/{campaign.pk}/vouchers/revoke/"
    assert client.get(url).status_code == 200
    no_reason = client.post(url, {"code": made[0].code, "reason": ""})
    assert no_reason.status_code == 200 and reload(made[0]).status == "issued"
    wrong = client.post(url, {"code": "NOPE", "reason": "重复领取"})
    assert "本活动没有这个券码" in wrong.content.decode()
    response = client.post(url, {"code": made[0].code.lower(), "reason": "冒用他人身份领取"})
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    voucher = reload(made[0])
    assert voucher.status == "revoked" and voucher.revoke_reason == "冒用他人身份领取"
    assert reload(made[1]).status == "issued"
    [entry] = entries("benefits.voucher_revoke")
    assert entry.actor_id == personas.own.pk and entry.reason == "冒用他人身份领取"
    twice = client.post(url, {"code": made[0].code, "reason": "再次"})
    assert twice.status_code == 200 and len(entries("benefits.voucher_revoke")) == 1


def test_it_revokes_a_campaigns_unused_vouchers_but_not_the_redeemed(tree, personas, gym, client_for):
    campaign, made = claimed(tree, gym, 3)
    actions.do_redeem_voucher(acting_user=None, partner=gym, payload=_payload(made[0]))
    client = client_for(personas.own)
    url = f"/benefits/campaigns/{campaign.pk}/vouchers/revoke-unused/"
    unconfirmed = client.post(url, {"reason": "商户停业"})
    assert unconfirmed.status_code == 200 and not Voucher.objects.filter(status="revoked").exists()
    response = client.post(url, {"reason": "商户停业", "confirm": "on"}, follow=True)
    assert "已作废 2 张" in response.content.decode()
    assert sorted(Voucher.objects.values_list("status", flat=True)) == ["redeemed", "revoked", "revoked"]
    [entry] = entries("benefits.voucher_revoke_unused")
    assert entry.after == {"revoked": 2} and entry.reason == "商户停业" and entry.object_id == str(campaign.pk)
    nothing = client.post(url, {"reason": "再来", "confirm": "on"})
    assert "没有未使用的券" in nothing.content.decode() and len(entries("benefits.voucher_revoke_unused")) == 1


def test_revocation_pages_follow_the_four_personas(tree, personas, gym, client_for):
    campaign, made = claimed(tree, gym, 1)
    for _name, user in personas.allowed():
        assert client_for(user).get(f"/benefits/campaigns/{campaign.pk}/vouchers/revoke/").status_code == 200
    for _name, user in personas.refused():
        client = client_for(user)
        for what in ("revoke", "revoke-unused"):
            url = f"/benefits/campaigns/{campaign.pk}/vouchers/{what}/"
            assert client.get(url).status_code == 404
            data = {"code": made[0].code, "reason": "x", "confirm": "on"}
            assert client.post(url, data).status_code == 404
    assert reload(made[0]).status == "issued"
    # The partner's clerk is no organiser: refused by the action (403), nothing written.
    clerk = make_staff("gym-clerk2", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=gym, user=clerk)
    assert client_for(clerk).get(f"/benefits/campaigns/{campaign.pk}/vouchers/revoke/").status_code == 404


def _payload(voucher):
    from gonghui.benefits import vouchers

    return vouchers.payload_for(voucher)


# --- the hospital counter: medical visits ---------------------------------------------------------


@pytest.fixture
def hospital(tree):
    return make_partner(tree.district, name="南山人民医院", kind="hospital")


@pytest.fixture
def nurse(tree, hospital):
    user = make_staff("nurse", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=hospital, user=user)
    return user


def test_the_hospital_counter_records_a_visit_within_the_yearly_cap(tree, hospital, nurse, client_for):
    offer = make_offer(
        hospital,
        title="职工医疗减免",
        kind="medical",
        percent=Decimal("50"),
        cap_per_use=Decimal("300"),
        yearly_cap=Decimal("500"),
    )
    member = make_member(tree.grassroots)
    client = client_for(nurse)
    page = client.post("/benefits/counter/check/", {"payload": card_payload(member)}).content.decode()
    assert 'id="medical-form"' in page and "职工医疗减免" in page
    today = timezone.localdate().isoformat()
    visit = {"payload": card_payload(member), "offer": offer.pk, "visit_date": today}
    first = client.post("/benefits/counter/medical/", {**visit, "total": "1000", "insured": "200"}).content.decode()
    # 50% of 800 = 400, capped per visit at 300.
    assert "自付 ¥800.00" in first and "减免 ¥300.00" in first and "剩余额度 ¥200.00" in first
    second = client.post("/benefits/counter/medical/", {**visit, "total": "600", "insured": "0"}).content.decode()
    assert "减免 ¥200.00" in second and "已达年度减免上限" in second and "剩余额度 ¥0.00" in second
    assert [r.reduction for r in MedicalReduction.objects.order_by("pk")] == [Decimal("300.00"), Decimal("200.00")]
    assert len(entries("benefits.medical_reduction")) == 2 and member.person.name not in first


def test_the_medical_form_refuses_bad_input_and_writes_nothing(tree, hospital, nurse, gym, client_for):
    offer = make_offer(hospital, title="医疗减免", kind="medical", percent=Decimal("50"))
    gym_offer = make_offer(gym, title="八折")
    member = make_member(tree.grassroots)
    client = client_for(nurse)
    visit = {"payload": card_payload(member), "offer": offer.pk, "visit_date": timezone.localdate().isoformat()}
    over = client.post("/benefits/counter/medical/", {**visit, "total": "100", "insured": "200"}).content.decode()
    assert "医保报销不能超过医疗费用总额" in over
    junk = client.post("/benefits/counter/medical/", {**visit, "total": "abc", "insured": "0"}).content.decode()
    assert "flash-error" in junk
    foreign = client.post(
        "/benefits/counter/medical/", {**visit, "offer": gym_offer.pk, "total": "100", "insured": "0"}
    )
    assert "不属于本医院" in foreign.content.decode()
    forged = {**visit, "payload": card_payload(member)[:-5] + "AAAAA", "total": "100", "insured": "0"}
    assert "flash-error" in client.post("/benefits/counter/medical/", forged).content.decode()
    assert not MedicalReduction.objects.exists() and not entries("benefits.medical_reduction")


def test_the_medical_form_follows_partner_scoping(tree, personas, hospital, gym, client_for):
    offer = make_offer(hospital, title="医疗减免", kind="medical", percent=Decimal("50"))
    member = make_member(tree.grassroots)
    visit = {
        "payload": card_payload(member),
        "offer": offer.pk,
        "visit_date": timezone.localdate().isoformat(),
        "total": "100",
        "insured": "0",
        "partner": hospital.pk,
    }
    gym_clerk = make_staff("gym-clerk3", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=gym, user=gym_clerk)
    assert client_for(gym_clerk).post("/benefits/counter/medical/", visit).status_code == 404
    stranger = make_staff("stranger3", tree.district, roles=())
    assert client_for(stranger).post("/benefits/counter/medical/", {**visit, "partner": ""}).status_code == 403
    assert client_for(personas.sibling).post("/benefits/counter/medical/", visit).status_code == 404
    assert not MedicalReduction.objects.exists()
    assert Client().post("/benefits/counter/medical/", visit).status_code == 302


def test_medical_totals_per_hospital_follow_the_four_personas(tree, personas, hospital, client_for):
    offer = make_offer(hospital, title="医疗减免", kind="medical", percent=Decimal("50"))
    for total in ("100", "300"):
        actions.do_record_medical_reduction(
            acting_user=None,
            partner=hospital,
            offer=offer,
            visit_date=timezone.localdate(),
            total=total,
            insured="0",
            payload=card_payload(make_member(tree.grassroots)),
        )
    for _name, user in personas.allowed():
        page = client_for(user).get("/benefits/medical/")
        assert page.context["totals"]["visits"] == 2 and page.context["totals"]["reduction"] == Decimal("200.00")
        assert "南山人民医院" in page.content.decode()
        assert client_for(user).get(f"/benefits/medical/?under={tree.district.code}").status_code == 200
    for _name, user in personas.refused():
        page = client_for(user).get("/benefits/medical/")
        assert page.context["totals"]["visits"] == 0 and "南山人民医院" not in page.content.decode()
        assert client_for(user).get(f"/benefits/medical/?under={tree.district.code}").status_code == 404
    sibling = client_for(personas.ancestor).get(f"/benefits/medical/?under={tree.sibling_district.code}")
    assert sibling.context["totals"]["visits"] == 0


# --- members rate in the portal -------------------------------------------------------------------


def test_a_member_rates_a_service_and_the_partner_in_the_portal(tree, gym, client_for):
    from gonghui.benefits.models import Feedback
    from gonghui.benefits.tests.test_api import member_client

    service = make_service(tree.district)
    actions.do_set_service_status(acting_user=None, service=service, status="published")
    member = make_member(tree.grassroots)
    portal = member_client(member)
    page = portal.get("/m/benefits/").content.decode()
    assert 'name="target" value="service"' in page
    response = portal.post(
        "/m/benefits/feedback/", {"target": "service", "id": service.pk, "rating": "4", "comment": "好"}
    )
    assert response.status_code == 302
    row = Feedback.objects.get()
    assert (row.service, row.rating, row.comment, row.membership) == (service, 4, "好", member)
    assert len(entries("benefits.feedback")) == 1
    portal.post("/m/benefits/feedback/", {"target": "partner", "id": gym.pk, "rating": "5"})
    assert Feedback.objects.filter(partner=gym).count() == 1
    bad = portal.post("/m/benefits/feedback/", {"target": "service", "id": service.pk, "rating": "9"}, follow=True)
    assert "评分应为 1–5" in bad.content.decode() and Feedback.objects.count() == 2


def test_the_portal_refuses_to_rate_what_the_member_cannot_see(tree, client_for):
    from gonghui.benefits.models import Feedback
    from gonghui.benefits.tests.test_api import member_client

    elsewhere = make_service(tree.sibling_district, name="福田服务")
    actions.do_set_service_status(acting_user=None, service=elsewhere, status="published")
    draft = make_service(tree.district, name="草稿服务")
    foreign_gym = make_partner(tree.sibling_district, name="福田健身")
    portal = member_client(make_member(tree.grassroots))
    for target, pk in (("service", elsewhere.pk), ("service", draft.pk), ("partner", foreign_gym.pk), ("x", 1)):
        assert portal.post("/m/benefits/feedback/", {"target": target, "id": pk, "rating": "3"}).status_code == 404
    assert portal.post("/m/benefits/feedback/", {"target": "service", "id": "abc", "rating": "3"}).status_code == 404
    assert (
        Client().post("/m/benefits/feedback/", {"target": "service", "id": draft.pk, "rating": "3"}).status_code == 302
    )
    assert not Feedback.objects.exists()
