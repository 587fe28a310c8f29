"""The member portal (/m/): login by mobile + SMS code, joining through a union's QR link or the
routed join page, status tracking, transfer, profile and the e-card; plus the staff page with
an org's join QR code (four personas).

Members log in through the real pages; codes are read from the console SMS outbox.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from gonghui.accounts import member_login
from gonghui.accounts.models import MemberLoginCode
from gonghui.core import sms
from gonghui.core.models import AuditEntry
from gonghui.members import cards
from gonghui.members.models import Card, JoinApplication, TransferRequest
from gonghui.members.portal import auth
from gonghui.members.portal.qr import qr_svg
from gonghui.members.states import JoinStatus, MembershipStatus, TransferStatus
from gonghui.members.tests.helpers import (
    make_federation,
    make_member,
    make_person,
    make_routing_rule,
    next_id,
    reload,
    table_state,
)
from gonghui.people.identity import mask_mobile

MOBILE = "+8613912345678"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def code_for(mobile: str) -> str:
    texts = [m["text"] for m in sms.outbox if m["mobile"] == mobile]
    assert texts, f"no SMS to {mobile}"
    return re.search(r"\d{6}", texts[-1]).group(0)


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """POST the login form (SMS sent after commit); returns the response."""

    def post(client: Client, mobile: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/m/login/", {"mobile": mobile}, **extra)

    return post


@pytest.fixture
def member_login_as(send_code, db):
    """A client logged in to the portal through the real two-step login."""

    def login(mobile: str = MOBILE, client: Client | None = None) -> Client:
        client = client or Client()
        response = send_code(client, mobile)
        assert response.status_code == 302 and response["Location"] == "/m/login/code/", response
        response = client.post("/m/login/code/", {"code": code_for(mobile)})
        assert response.status_code == 302, response.content.decode()[:2000]
        return client

    return login


@pytest.fixture
def federation(tree):
    """A 外卖 联合会 under 南山区 and the rule that routes 美团 riders working in 南山区 to it."""
    fed = make_federation(tree.district, name="南山区外卖配送行业工会联合会")
    make_routing_rule(fed, "440305", platform="美团")
    return fed


def join_data(**changes) -> dict:
    data = {
        "name": "王小明",
        "doc_type": "resident_id",
        "doc_number": next_id("440305"),
        "worker_type": "gig",
        "gig_subtype": "delivery",
        "platform": "美团",
        "division_code": "440305",
        "employer_name": "",
        "agree": "on",
    }
    data.update(changes)
    return data


def errors_of(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return response.content.decode()


# --- login ---------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_member_login(client):
    for url in ["/m/", "/m/profile/", "/m/card/", "/m/card/print/", "/m/applications/", "/m/transfer/", "/m/join/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/m/login/?next={url}", url


def test_it_logs_in_with_mobile_and_code_without_the_number_in_any_url(client, send_code, db):
    response = send_code(client, "139 1234 5678", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302 and response["Location"] == "/m/login/code/"
    assert MemberLoginCode.objects.get().mobile == MOBILE
    html = page(client, "/m/login/code/")
    assert "139****5678" in html and "13912345678" not in html
    key_before = client.session.session_key
    response = client.post("/m/login/code/", {"code": code_for(MOBILE)})
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert client.session.session_key != key_before  # a new session key: no fixation
    assert client.session[auth.SESSION_MOBILE] == MOBILE
    html = page(client, "/m/")
    assert "139****5678" in html and "申请入会" in html
    entry = AuditEntry.objects.get(action="member.login")
    assert entry.actor_id is None and entry.after["mobile"] == "139****5678"


def test_it_refuses_a_wrong_code_and_stays_logged_out(client, send_code, db):
    send_code(client, MOBILE)
    wrong = f"{(int(code_for(MOBILE)) + 1) % 10**6:06d}"
    response = client.post("/m/login/code/", {"code": wrong})
    assert errors_of(response)["code"] == ["验证码不正确，还可以再试 4 次"]
    assert auth.SESSION_MOBILE not in client.session
    assert client.get("/m/").status_code == 302
    assert not AuditEntry.objects.filter(action="member.login").exists()


def test_it_refuses_an_expired_code(client, send_code, db):
    send_code(client, MOBILE)
    MemberLoginCode.objects.update(expires_at=MemberLoginCode.objects.get().created_at)
    response = client.post("/m/login/code/", {"code": code_for(MOBILE)})
    assert errors_of(response)["code"] == ["验证码已失效，请重新获取"]
    assert auth.SESSION_MOBILE not in client.session


def test_it_locks_the_code_after_five_wrong_guesses(client, send_code, db):
    send_code(client, MOBILE)
    code = code_for(MOBILE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        client.post("/m/login/code/", {"code": wrong})
    response = client.post("/m/login/code/", {"code": wrong})
    assert errors_of(response)["code"] == ["验证码错误次数过多，请重新获取"]
    response = client.post("/m/login/code/", {"code": code})
    assert errors_of(response)["code"] == ["验证码错误次数过多，请重新获取"]
    assert auth.SESSION_MOBILE not in client.session
    assert AuditEntry.objects.filter(action="member.login_locked").count() == 1


def test_it_refuses_a_malformed_mobile_and_sends_nothing(client, send_code, db):
    response = send_code(client, "1234567")
    assert "格式不正确" in errors_of(response)["mobile"][0]
    assert not MemberLoginCode.objects.exists() and sms.outbox == []


def test_it_does_not_send_a_second_code_within_a_minute(client, send_code, db):
    send_code(client, MOBILE)
    response = send_code(client, MOBILE)
    # The first code is still good: the page moves on to it, with the wait explained.
    assert response.status_code == 302 and response["Location"] == "/m/login/code/"
    assert len(sms.outbox) == 1
    response = client.post("/m/login/resend/", follow=True)
    assert "秒后再重新获取" in response.content.decode()
    assert len(sms.outbox) == 1


def test_it_limits_codes_per_number_per_hour(client, send_code, db):
    for _ in range(member_login.MAX_PER_MOBILE):
        send_code(client, MOBILE)
        MemberLoginCode.objects.update(created_at=MemberLoginCode.objects.order_by("id").first().created_at)
        for row in MemberLoginCode.objects.all():
            MemberLoginCode.objects.filter(pk=row.pk).update(created_at=row.created_at - timedelta(seconds=61))
    response = send_code(client, MOBILE)
    assert "次数过多" in errors_of(response)["mobile"][0]
    assert MemberLoginCode.objects.count() == member_login.MAX_PER_MOBILE


def test_it_limits_codes_per_client_address(client, send_code, db):
    for n in range(member_login.MAX_PER_CLIENT):
        send_code(Client(), f"1370000{n:04d}", REMOTE_ADDR="198.51.100.20")
    response = send_code(client, "13600000000", REMOTE_ADDR="198.51.100.20")
    assert errors_of(response)["mobile"] == ["当前网络获取验证码次数过多，请 60 分钟后再试"]
    assert send_code(Client(), "13600000000", REMOTE_ADDR="198.51.100.21").status_code == 302


def test_the_code_page_needs_a_number_first(client, db):
    response = client.get("/m/login/code/")
    assert response.status_code == 302 and response["Location"] == "/m/login/"
    assert client.post("/m/login/resend/").status_code == 302


def test_it_redirects_after_login_to_the_qr_join_page(client, send_code, federation):
    client.get(f"/m/login/?next=/m/join/{federation.code}/")
    send_code(client, MOBILE)
    response = client.post("/m/login/code/", {"code": code_for(MOBILE)})
    assert response["Location"] == f"/m/join/{federation.code}/"
    other = Client()
    other.get("/m/login/?next=https://evil.example/m/")
    send_code(other, "13900000001")
    response = other.post("/m/login/code/", {"code": code_for("+8613900000001")})
    assert response["Location"] == "/m/"


def test_it_logs_out_of_the_portal_only(member_login_as, personas):
    client = Client()
    client.force_login(personas.own)
    member_login_as(client=client)
    assert client.get("/m/").status_code == 200
    response = client.post("/m/logout/")
    assert response.status_code == 302 and response["Location"] == "/m/login/"
    assert client.get("/m/").status_code == 302
    assert client.get("/orgs/").status_code == 200  # the staff login is untouched


def test_staff_login_and_member_login_are_separate(member_login_as, personas, client_for, tree):
    staff = client_for(personas.own)
    assert staff.get("/m/")["Location"] == "/m/login/?next=/m/"
    member = member_login_as()
    for url in ["/orgs/", "/", f"/m/staff/join-qr/{tree.district.code}/"]:
        response = member.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert not getattr(member.get("/m/").wsgi_request.user, "is_authenticated", False)


def test_portal_pages_are_never_cached(member_login_as):
    response = member_login_as().get("/m/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- join ----------------------------------------------------------------------------------------


def test_the_qr_link_names_the_union_before_login(client, federation):
    html = page(client, f"/m/join/{federation.code}/")
    assert federation.name in html and f"/m/login/?next=/m/join/{federation.code}/" in html


def test_an_unknown_or_closed_or_non_receiving_org_has_no_join_page(member_login_as, tree):
    client = member_login_as()
    assert client.get("/m/join/NO-SUCH-ORG/").status_code == 404
    assert client.get(f"/m/join/{tree.province.code}/").status_code == 404  # a province takes no members


def test_it_files_an_application_through_the_qr_link(member_login_as, federation, tree):
    client = member_login_as()
    html = page(client, f"/m/join/{federation.code}/")
    assert "139****5678" in html
    # The QR link names the union: no routing, and the place of work is optional.
    data = join_data(platform="饿了么", division_code="")
    response = client.post(f"/m/join/{federation.code}/", data)
    assert response.status_code == 302 and response["Location"] == "/m/applications/"
    application = JoinApplication.objects.select_related("person").get()
    assert application.org == federation and application.channel == JoinApplication.Channel.QR
    assert application.status == JoinStatus.PENDING and application.routed_by == "申请人选择"
    assert (application.worker_type, application.gig_subtype, application.platform) == ("gig", "delivery", "饿了么")
    assert application.person.mobile == MOBILE and application.person.name == "王小明"
    entry = AuditEntry.objects.get(action="member.join_apply")
    assert entry.actor_id is None and entry.org_id == federation.pk and entry.after["channel"] == "qr"
    assert client.session[auth.SESSION_PERSON] == application.person.pk
    html = page(client, "/m/applications/")
    assert federation.name in html and "待审核" in html and "扫码入会" in html
    html = page(client, "/m/")
    assert "待审核" in html and federation.name in html


def test_the_join_page_routes_a_gig_worker_by_platform_and_district(member_login_as, federation, tree):
    client = member_login_as()
    response = client.post("/m/join/", join_data())
    assert response.status_code == 302
    application = JoinApplication.objects.get()
    assert application.org == federation and application.channel == JoinApplication.Channel.WEB
    assert application.routed_by.startswith("分派规则") and application.division_code == "440305"


def test_the_join_page_sends_other_workers_to_the_local_federation(member_login_as, federation, tree):
    client = member_login_as()
    data = join_data(worker_type="regular", gig_subtype="", platform="", division_code="440304")
    assert client.post("/m/join/", data).status_code == 302
    application = JoinApplication.objects.get()
    assert application.org == tree.sibling_district and application.gig_subtype == ""


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"doc_number": "440305199001011234"}, "doc_number", "校验位错误"),
        ({"doc_number": ""}, "doc_number", "请填写证件号码"),
        ({"name": "王"}, "name", "2–30"),
        ({"gig_subtype": ""}, "gig_subtype", "请选择类别"),
        ({"division_code": ""}, "division_code", "请选择工作所在的市/区"),
        ({"division_code": "999999"}, "division_code", "请从列表中选择"),
        ({"agree": ""}, "agree", "入会声明"),
        ({"worker_type": "boss"}, "worker_type", "boss"),
    ],
)
def test_bad_join_input_shows_the_problem_and_writes_nothing(member_login_as, federation, changes, field, message):
    client = member_login_as()
    before = table_state()
    response = client.post("/m/join/", join_data(**changes))
    errors = errors_of(response)
    assert field in errors and message in " ".join(errors[field]), errors
    assert table_state() == before


def test_a_number_registered_to_someone_else_cannot_apply_in_their_name(member_login_as, federation, tree):
    number = next_id("440305")
    other = make_person(name="李四", doc_number=number, mobile="+8613700001111")
    member = make_member(tree.grassroots, person=other)
    client = member_login_as()
    before = table_state()
    response = client.post(f"/m/join/{federation.code}/", join_data(name="李四", doc_number=number))
    assert "其他手机号" in errors_of(response)["doc_number"][0]
    assert table_state() == before
    assert reload(member).status == MembershipStatus.ACTIVE  # no transfer was started in their name


def test_a_member_joining_elsewhere_gets_a_transfer_request(member_login_as, federation, tree):
    number = next_id("440305")
    person = make_person(name="赵六", doc_number=number, mobile=MOBILE)
    membership = make_member(tree.grassroots, person=person)
    client = member_login_as()
    assert "办理转会" in page(client, f"/m/join/{federation.code}/")
    response = client.post(f"/m/join/{federation.code}/", join_data(name="赵六", doc_number=number))
    assert response.status_code == 302
    application = JoinApplication.objects.get(status=JoinStatus.TRANSFERRED)
    transfer = TransferRequest.objects.get()
    assert application.transfer == transfer and transfer.to_org == federation and transfer.requested_by_member
    assert reload(membership).status == MembershipStatus.TRANSFERRING
    assert "转为转入" in page(client, "/m/applications/")


def test_a_pending_application_blocks_a_second_and_can_be_withdrawn(member_login_as, federation):
    client = member_login_as()
    client.post(f"/m/join/{federation.code}/", join_data())
    response = client.get("/m/join/")
    assert response.status_code == 302 and response["Location"] == "/m/applications/"
    response = client.post("/m/applications/withdraw/")
    assert response.status_code == 302
    assert JoinApplication.objects.get().status == JoinStatus.WITHDRAWN
    entry = AuditEntry.objects.get(action="member.join_withdraw")
    assert entry.actor_id is None
    assert client.get("/m/join/").status_code == 200


def test_a_rejected_application_shows_the_reason(member_login_as, federation, personas):
    client = member_login_as()
    client.post(f"/m/join/{federation.code}/", join_data())
    from gonghui.members.actions import do_reject_join

    do_reject_join(acting_user=personas.own, application=JoinApplication.objects.get(), reason="不在本区工作")
    html = page(client, "/m/")
    assert "未通过" in html and "不在本区工作" in html


# --- whose data --------------------------------------------------------------------------------------


def test_a_member_sees_only_their_own_records(member_login_as, tree, federation):
    other = make_member(tree.grassroots, person=make_person(name="钱七", mobile="+8613700002222"))
    other_card = Card.objects.get(membership=other)
    mine = make_member(tree.grassroots, person=make_person(name="孙八", mobile=MOBILE))
    client = member_login_as()
    # No page takes an id; query strings naming someone else are ignored.
    probes = [
        "/m/",
        f"/m/?person={other.person_id}",
        "/m/profile/",
        f"/m/profile/?id={other.person_id}",
        f"/m/card/?member_no={other.member_no}",
        f"/m/card/print/?serial={other_card.serial}",
        f"/m/applications/?person={other.person_id}",
    ]
    for url in probes:
        html = page(client, url)
        assert "钱七" not in html and other.member_no not in html and other_card.serial not in html, url
    assert mine.member_no in page(client, "/m/card/")
    for url in [f"/m/card/{other.member_no}/", f"/m/profile/{other.person_id}/"]:
        assert client.get(url).status_code == 404


def test_a_number_without_a_person_has_no_card_or_profile(member_login_as):
    client = member_login_as()
    for url in ["/m/card/", "/m/profile/", "/m/applications/", "/m/transfer/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/m/", url


def test_a_person_whose_number_changed_is_no_longer_bound(member_login_as, tree):
    person = make_person(name="周九", mobile=MOBILE)
    make_member(tree.grassroots, person=person)
    client = member_login_as()
    assert "周九" in page(client, "/m/")
    from gonghui.people.models import Person

    Person.objects.filter(pk=person.pk).update(mobile="+8613700003333")
    assert "周九" not in page(client, "/m/")
    assert client.get("/m/card/").status_code == 302


def test_profile_shows_masked_document_and_mobile(member_login_as, tree):
    number = next_id("440305")
    make_member(tree.grassroots, person=make_person(name="吴十", doc_number=number, mobile=MOBILE))
    html = page(member_login_as(), "/m/profile/")
    assert f"{number[:6]}********{number[-4:]}" in html and number not in html
    assert mask_mobile(MOBILE) in html and "13912345678" not in html
    assert not AuditEntry.objects.filter(action="person.reveal_document").exists()


# --- card --------------------------------------------------------------------------------------------


def test_the_card_page_shows_a_qr_whose_payload_verifies(member_login_as, tree):
    membership = make_member(tree.grassroots, person=make_person(name="郑一", mobile=MOBILE))
    card = Card.objects.get(membership=membership, status=Card.Status.ACTIVE)
    response = member_login_as().get("/m/card/")
    html = response.content.decode()
    payload = response.context["payload"]
    claims = cards.decode(payload)
    assert (claims.member_no, claims.serial, claims.org_code) == (
        membership.member_no,
        card.serial,
        tree.grassroots.code,
    )
    assert claims.expires_on.isoformat() in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert svg == str(qr_svg(payload, title="电子会员卡二维码"))  # the SVG encodes exactly this payload
    assert "郑一" in html and membership.member_no in html and tree.grassroots.name in html


def test_the_printable_card_has_print_css_and_the_same_qr(member_login_as, tree):
    make_member(tree.grassroots, person=make_person(name="冯二", mobile=MOBILE))
    response = member_login_as().get("/m/card/print/")
    html = response.content.decode()
    assert response.status_code == 200 and "@media print" in html and "85.6mm" in html
    assert cards.decode(response.context["payload"]).member_no in html
    assert "<svg" in html and 'id="printcard"' in html


def test_there_is_no_card_without_an_active_membership(member_login_as, tree):
    make_member(tree.grassroots, person=make_person(name="陈三", mobile=MOBILE), status=MembershipStatus.RETAINED)
    client = member_login_as()
    html = page(client, "/m/card/")
    assert "<svg" not in html and "暂停使用" in html
    assert "<svg" not in page(client, "/m/card/print/")


def test_an_unverified_member_is_told_why_there_is_no_card(member_login_as, tree):
    make_member(tree.grassroots, person=make_person(name="褚四", mobile=MOBILE, verified=False))
    html = page(member_login_as(), "/m/card/")
    assert "<svg" not in html and "实名认证" in html


# --- transfer ----------------------------------------------------------------------------------------


def test_an_active_member_applies_for_a_transfer(member_login_as, tree):
    membership = make_member(tree.grassroots, person=make_person(name="卫五", mobile=MOBILE))
    client = member_login_as()
    data = {
        "target": "union",
        "to_org_code": tree.sibling_grassroots.code.lower(),
        "new_employer": "福田物流",
        "reason": "换工作",
    }
    response = client.post("/m/transfer/", data)
    assert response.status_code == 302 and response["Location"] == "/m/applications/"
    transfer = TransferRequest.objects.get()
    assert transfer.to_org == tree.sibling_grassroots and transfer.requested_by_member and transfer.requested_by is None
    assert transfer.status == TransferStatus.PENDING and not transfer.parked
    assert reload(membership).status == MembershipStatus.TRANSFERRING
    entry = AuditEntry.objects.get(action="member.transfer_request")
    assert entry.actor_id is None and entry.after["to"] == tree.sibling_grassroots.pk
    html = page(client, "/m/")
    assert "待接收" in html and tree.sibling_grassroots.name in html
    assert "您已申请转入" in page(client, "/m/transfer/")
    client.post("/m/transfer/cancel/")
    assert TransferRequest.objects.get().status == TransferStatus.CANCELLED
    assert reload(membership).status == MembershipStatus.ACTIVE


def test_a_transfer_without_a_union_parks_at_the_place_of_residence(member_login_as, tree):
    make_member(tree.grassroots, person=make_person(name="蒋六", mobile=MOBILE))
    client = member_login_as()
    response = client.post("/m/transfer/", {"target": "none", "residence_division": "440304"})
    assert response.status_code == 302
    transfer = TransferRequest.objects.get()
    assert transfer.parked and transfer.to_org == tree.sibling_district


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"target": "union", "to_org_code": "NOPE-123"}, "to_org_code", "没有找到"),
        ({"target": "union", "to_org_code": ""}, "to_org_code", "请填写"),
        ({"target": "none", "residence_division": ""}, "residence_division", "请选择居住"),
        ({"target": "union", "to_org_code": "SELF"}, "__all__", "会员已在"),
    ],
)
def test_bad_transfer_input_writes_nothing(member_login_as, tree, data, field, message):
    make_member(tree.grassroots, person=make_person(name="沈七", mobile=MOBILE))
    if data.get("to_org_code") == "SELF":
        data = {**data, "to_org_code": tree.grassroots.code}
    client = member_login_as()
    before = table_state()
    response = client.post("/m/transfer/", data)
    errors = errors_of(response)
    assert field in errors and message in " ".join(errors[field]), errors
    assert table_state() == before


def test_a_retained_member_cannot_apply_for_a_transfer(member_login_as, tree):
    make_member(tree.grassroots, person=make_person(name="韩八", mobile=MOBILE), status=MembershipStatus.RETAINED)
    client = member_login_as()
    response = client.get("/m/transfer/")
    assert response.context["form"] is None and "不能申请转会" in response.content.decode()
    before = table_state()
    client.post("/m/transfer/", {"target": "none", "residence_division": "440304"})
    assert table_state() == before


# --- queries -----------------------------------------------------------------------------------------


def test_the_home_page_runs_a_fixed_number_of_queries(member_login_as, tree, django_assert_num_queries):
    membership = make_member(tree.grassroots, person=make_person(name="杨九", mobile=MOBILE))
    client = member_login_as()
    client.get("/m/")
    assert membership.member_no in client.get("/m/").content.decode()
    with django_assert_num_queries(6):
        # session, person, membership, application, transfer, card
        assert client.get("/m/").status_code == 200


# --- staff: join QR ----------------------------------------------------------------------------------


def test_staff_see_the_join_qr_of_orgs_in_their_scope(personas, client_for, federation):
    url = f"/m/staff/join-qr/{federation.code}/"
    for name, user in personas.allowed():
        response = client_for(user).get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        join_url = f"http://testserver/m/join/{federation.code}/"
        assert join_url in html and "<svg" in html
        assert response.context["svg"] == qr_svg(join_url, title=f"扫码申请加入{federation.name}")
    for name, user in personas.refused():
        assert client_for(user).get(url).status_code == 404, name
    assert Client().get(url)["Location"].startswith("/login/")


def test_an_org_that_takes_no_members_has_no_join_qr(client_for, tree):
    from gonghui.accounts.models import User

    admin = User.objects.create_superuser("root", password="x-test-pass-123")  # noqa: S106
    response = client_for(admin).get(f"/m/staff/join-qr/{tree.province.code}/")
    assert response.status_code == 200 and response.context["svg"] is None
    assert "不能直接接收会员" in response.content.decode()


def test_a_member_in_transfer_cannot_start_another_by_joining(member_login_as, federation, tree):
    number = next_id("440305")
    membership = make_member(tree.grassroots, person=make_person(name="朱十", doc_number=number, mobile=MOBILE))
    from gonghui.members.tests.helpers import make_transfer

    make_transfer(membership, tree.sibling_grassroots)
    client = member_login_as()
    before = table_state()
    response = client.post(f"/m/join/{federation.code}/", join_data(name="朱十", doc_number=number))
    assert "转会中" in " ".join(errors_of(response)["__all__"])
    assert table_state() == before


def test_the_portal_pages_render_in_english_too(member_login_as, tree, federation):
    make_member(tree.grassroots, person=make_person(name="秦一", mobile=MOBILE))
    client = member_login_as()
    client.post("/i18n/setlang/", {"language": "en", "next": "/m/"})
    for url in ["/m/", "/m/profile/", "/m/card/", "/m/card/print/", "/m/applications/", "/m/transfer/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode(), url
    assert Client().get(f"/m/join/{federation.code}/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
