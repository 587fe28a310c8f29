"""The member endpoints under /api/v1: members, joins, transfers, cards.

Objects under test live in 南山区 (personas: own = 南山区, ancestor = 深圳市, sibling = 福田区,
outsider = no grant); the member is in the 南山 grassroots union (see gonghui/core/testing.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_staff
from gonghui.members import cards
from gonghui.members.actions import (
    do_apply_join,
    do_approve_join,
    do_leave,
    do_request_transfer,
    do_retain,
)
from gonghui.members.models import Card, JoinApplication, Membership, TransferRequest
from gonghui.people.identity import synthetic_id
from gonghui.people.models import Person

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]
NAMES = ["张三", "李四", "王小明", "赵敏", "钱多多", "孙悟空", "周芷若", "吴用", "郑和", "冯宝宝", "陈晨", "褚英"]


# --- helpers ----------------------------------------------------------------------------------


def person_data(seq: int, name: str | None = None, mobile: str | None = None) -> dict:
    return {
        "name": name or NAMES[seq % len(NAMES)],
        "doc_number": synthetic_id("440305", dt.date(1990, 1, 1) + dt.timedelta(days=seq), 100 + seq),
        "mobile": mobile if mobile is not None else f"1380013{seq:04d}",
    }


def make_member(org, seq: int = 1, **kwargs) -> Membership:
    application = do_apply_join(
        acting_user=None, person_data=person_data(seq, **kwargs), work={}, channel="staff", org=org
    )
    return do_approve_join(acting_user=None, application=application)


def send(client, method: str, url: str, body=None):
    if body is None:
        return getattr(client, method)(url)
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, data=data, content_type="application/json")


def assert_error(response, status: int, code: str, fields=()):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"].strip()
    for field in fields:
        assert field in body["error"]["fields"], body["error"]["fields"]
        assert all(message.strip() for message in body["error"]["fields"][field])
    return body["error"]


def table_state() -> dict:
    return {
        "persons": Person.objects.count(),
        "memberships": list(Membership.objects.order_by("pk").values("pk", "status", "org_id")),
        "joins": list(JoinApplication.objects.order_by("pk").values("pk", "status")),
        "transfers": list(TransferRequest.objects.order_by("pk").values("pk", "status")),
        "cards": list(Card.objects.order_by("pk").values("pk", "status")),
        # Issuing a test client's token is audited too; only the entries of member writes count here.
        "audit": AuditEntry.objects.exclude(action__startswith="token.").exclude(action__startswith="staff.").count(),
    }


def items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.fixture
def client_of(personas, api_for):
    return lambda name: api_for(getattr(personas, name))


@pytest.fixture
def member(tree):
    return make_member(tree.grassroots, 1, name="张三", mobile="13800138000")


# --- authentication ---------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/v1/members", None),
    ("get", "/api/v1/members/4400000000000001", None),
    ("get", "/api/v1/members/4400000000000001/card", None),
    ("post", "/api/v1/members/4400000000000001/reveal-document", {"purpose": "核对"}),
    ("get", "/api/v1/joins", None),
    ("post", "/api/v1/joins", {"name": "张三", "doc_number": "x"}),
    ("post", "/api/v1/joins/1/approve", None),
    ("post", "/api/v1/joins/1/reject", {"reason": "x"}),
    ("get", "/api/v1/transfers", None),
    ("post", "/api/v1/transfers", {"member_no": "4400000000000001", "to_org": "440304"}),
    ("post", "/api/v1/transfers/1/accept", None),
    ("post", "/api/v1/transfers/1/reject", {"reason": "x"}),
    ("post", "/api/v1/cards/verify", {"payload": "GH1.a.b"}),
    ("get", "/api/v1/cards/revoked", None),
]


@pytest.mark.parametrize("method, url, body", ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_it_refuses_requests_without_a_valid_token(tree, method, url, body, authorization):
    client = Client(HTTP_AUTHORIZATION=authorization) if authorization else Client()
    before = table_state()
    assert_error(send(client, method, url, body), 401, "unauthenticated")
    assert table_state() == before


@pytest.mark.parametrize("url", ["/api/v1/cards/verify", "/api/v1/cards/revoked"])
@pytest.mark.parametrize("spoil", ["revoked", "expired", "inactive"])
def test_it_refuses_card_calls_with_a_spoilt_token(tree, personas, url, spoil):
    from gonghui.accounts.actions import do_issue_api_token
    from gonghui.accounts.models import ApiToken, User

    reader = make_staff("reader", tree.district, roles=("card_reader",))
    row, token = do_issue_api_token(acting_user=None, user=reader)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    call = (
        (lambda: send(client, "post", url, {"payload": "x"})) if url.endswith("verify") else (lambda: client.get(url))
    )
    assert call().status_code == 200
    if spoil == "inactive":
        User.objects.filter(pk=reader.pk).update(is_active=False)
    else:
        field = "revoked_at" if spoil == "revoked" else "expires_at"
        ApiToken.objects.filter(pk=row.pk).update(**{field: timezone.now() - dt.timedelta(seconds=1)})
    assert_error(call(), 401, "unauthenticated")


def test_it_stamps_the_tokens_last_use_at_most_once_a_minute_on_verification(tree, personas, member):
    from gonghui.accounts.actions import do_issue_api_token
    from gonghui.accounts.models import ApiToken

    row, token = do_issue_api_token(acting_user=None, user=make_staff("reader", tree.district, roles=("card_reader",)))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    verify(client, payload_of(member))
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    verify(client, payload_of(member))
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    verify(client, payload_of(member))
    assert ApiToken.objects.get(pk=row.pk).last_used_at > first


def test_it_verifies_for_the_consoles_session(tree, personas, member, client_for):
    client = client_for(make_staff("reader", tree.district, roles=("card_reader",)))
    assert verify(client, payload_of(member))["valid"] is True


@pytest.mark.parametrize("url", ["/api/v1/cards/verify", "/api/v1/cards/revoked"])
def test_it_refuses_card_calls_from_an_account_without_card_verify(tree, personas, member, api_for, client_for, url):
    """Failed before: any live token (or session) verified cards, even a staff account with no grant."""
    for client in (api_for(personas.outsider), client_for(personas.outsider), api_for(personas.own)):
        response = (
            send(client, "post", url, {"payload": payload_of(member)}) if url.endswith("verify") else client.get(url)
        )
        error = assert_error(response, 403, "forbidden")
        assert "card.verify" in error["message"]


def test_it_lets_partner_staff_verify_cards_through_their_partner_link(tree, member, api_for):
    from gonghui.benefits.actions import do_add_partner_staff
    from gonghui.benefits.tests.helpers import make_partner

    counter = make_staff("counter", tree.district, roles=())
    do_add_partner_staff(acting_user=None, partner=make_partner(tree.district), user=counter)
    assert verify(api_for(counter), payload_of(member))["valid"] is True


# --- GET /members -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_lists_members_in_scope_with_masked_identity(tree, member, client_of, persona):
    response = send(client_of(persona), "get", "/api/v1/members")
    [item] = items(response)
    assert response.json()["count"] == 1
    assert item == {
        "member_no": member.member_no,
        "name": "张三",
        "sex": member.person.sex,
        "doc_type": "resident_id",
        "doc_masked": member.person.doc_masked,
        "mobile_masked": "138****8000",
        "verified": True,
        "org_code": tree.grassroots.code,
        "org_name": tree.grassroots.name,
        "status": "active",
        "status_label": "正常",
        "worker_type": "regular",
        "gig_subtype": "",
        "platform": "",
        "employer_name": "",
        "joined_on": timezone.localdate().isoformat(),
        "ended_on": None,
    }
    number = person_data(1)["doc_number"]
    assert item["doc_masked"] == number[:6] + "********" + number[-4:]
    assert number not in response.content.decode()
    assert "13800138000" not in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
def test_it_lists_no_member_outside_the_scope(tree, member, client_of, persona):
    response = send(client_of(persona), "get", "/api/v1/members")
    assert response.json() == {"items": [], "count": 0, "count_capped": False, "page": 1, "page_size": 50, "pages": 0}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=张", ["张三"]),
        ("q=zhangsan", ["张三"]),
        ("q=ZS", ["张三"]),
        ("q=wxm", ["王小明"]),
        ("q=13800138000", ["张三"]),
        ("q=+86 138 0013 8000", ["张三"]),
        ("q=DOC", ["张三"]),
        ("q=NO", ["张三"]),
        ("q=19900101", []),
        ("status=active", ["王小明", "张三"]),
        ("status=left", []),
        ("worker_type=gig", []),
        ("org=440305001", ["王小明", "张三"]),
    ],
)
def test_it_filters_the_member_list(tree, member, client_of, query, expected):
    make_member(tree.grassroots, 2, name="王小明")
    query = query.replace("DOC", person_data(1)["doc_number"]).replace("NO", member.member_no)
    key, _sep, value = query.partition("=")
    response = client_of("ancestor").get("/api/v1/members", {key: value})
    assert [i["name"] for i in items(response)] == expected


@pytest.mark.parametrize("query, field", [("status=zombie", "status"), ("worker_type=robot", "worker_type")])
def test_it_refuses_an_unknown_filter_value(tree, client_of, query, field):
    key, _sep, value = query.partition("=")
    error = assert_error(client_of("own").get("/api/v1/members", {key: value}), 422, "invalid", [field])
    assert value in error["fields"][field][0]


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_an_org_filter_outside_the_scope(tree, client_of, persona):
    assert_error(client_of(persona).get("/api/v1/members", {"org": "440305"}), 404, "not_found")


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/members", "/api/v1/members?q=zs", "/api/v1/members?org=440305&status=active", "/api/v1/joins"],
)
def test_it_lists_with_a_number_of_queries_that_does_not_grow_with_the_rows(
    tree, personas, api_for, django_assert_max_num_queries, url
):
    make_member(tree.grassroots, 1)
    do_apply_join(acting_user=None, person_data=person_data(50), work={}, channel="staff", org=tree.grassroots)
    # A fresh token for each measurement: its first use stamps last_used_at, so both runs do the same work.
    client = api_for(personas.own)
    with django_assert_max_num_queries(6):
        few = queries_for(client, url)
    for seq in range(2, 12):
        make_member(tree.grassroots, seq)
        do_apply_join(acting_user=None, person_data=person_data(50 + seq), work={}, channel="staff", org=tree.street)
    client = api_for(personas.own)
    with django_assert_max_num_queries(6):
        many = queries_for(client, url)
    assert many == few


# --- GET /members/{member_no} -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_shows_a_member_in_scope(tree, member, client_of, persona):
    response = send(client_of(persona), "get", f"/api/v1/members/{member.member_no}")
    assert response.status_code == 200, response.content
    body = response.json()
    card = Card.objects.get(membership=member)
    assert (body["member_no"], body["name"], body["doc_masked"]) == (member.member_no, "张三", member.person.doc_masked)
    assert (body["card_serial"], body["card_status"], body["dues_exempt"]) == (card.serial, "active", False)
    assert person_data(1)["doc_number"] not in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("suffix", ["", "/card"])
def test_it_answers_404_for_a_member_outside_the_scope(tree, member, client_of, persona, suffix):
    response = send(client_of(persona), "get", f"/api/v1/members/{member.member_no}{suffix}")
    assert_error(response, 404, "not_found")
    assert "张三" not in response.content.decode()


@pytest.mark.parametrize("member_no", ["0000000000000000", "abc", "4400"])
def test_it_answers_404_for_an_unknown_member_number(tree, client_of, member_no):
    assert_error(send(client_of("ancestor"), "get", f"/api/v1/members/{member_no}"), 404, "not_found")


def test_it_shows_a_member_with_a_bounded_number_of_queries(tree, member, personas, api_for, django_assert_num_queries):
    client = api_for(personas.own)
    client.get("/api/v1/members")  # the token's first use stamps last_used_at
    # token, grants, membership (+person, org), current card, the skills record (members.extensions: learning)
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/members/{member.member_no}").status_code == 200


# --- POST /members/{member_no}/reveal-document ------------------------------------------------


def test_it_reveals_a_document_number_only_with_view_pii_and_audits_it(tree, member, personas, api_for):
    url = f"/api/v1/members/{member.member_no}/reveal-document"
    before = AuditEntry.objects.filter(action="person.reveal_document").count()
    error = assert_error(send(api_for(personas.own), "post", url, {"purpose": "核对身份"}), 403, "forbidden")
    assert "证件号码" in error["message"]
    assert AuditEntry.objects.filter(action="person.reveal_document").count() == before

    admin = make_staff("district-admin", tree.district, roles=("admin",))
    response = send(api_for(admin), "post", url, {"purpose": "核对身份"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "member_no": member.member_no,
        "doc_type": "resident_id",
        "doc_number": person_data(1)["doc_number"],
    }
    entry = AuditEntry.objects.get(action="person.reveal_document")
    assert (entry.actor_id, entry.reason, entry.object_id) == (admin.pk, "核对身份", str(member.person_id))


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_to_a_reveal_outside_the_scope(tree, member, client_of, persona):
    url = f"/api/v1/members/{member.member_no}/reveal-document"
    assert_error(send(client_of(persona), "post", url, {"purpose": "核对"}), 404, "not_found")


def test_it_requires_a_purpose_to_reveal(tree, member, api_for):
    admin = make_staff("district-admin", tree.district, roles=("admin",))
    url = f"/api/v1/members/{member.member_no}/reveal-document"
    assert_error(send(api_for(admin), "post", url, {}), 422, "invalid", ["purpose"])
    assert not AuditEntry.objects.filter(action="person.reveal_document").exists()


# --- joins --------------------------------------------------------------------------------------


def join_body(seq: int = 7, **overrides) -> dict:
    body = {**person_data(seq, name="刘备"), "org": "440305001", "employer_name": "南头某超市"}
    body.update(overrides)
    return body


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_files_a_join_application(tree, personas, client_of, persona):
    response = send(client_of(persona), "post", "/api/v1/joins", join_body())
    assert response.status_code == 201, response.content
    body = response.json()
    application = JoinApplication.objects.get()
    assert body["id"] == application.pk
    assert (body["status"], body["status_label"], body["channel"]) == ("pending", "待审核", "staff")
    assert (body["name"], body["org_code"], body["employer_name"]) == ("刘备", "440305001", "南头某超市")
    assert body["doc_masked"] == application.person.doc_masked
    assert body["due_on"] == application.due_on.isoformat()
    assert (body["overdue"], body["member_no"], body["transfer_id"]) == (False, None, None)
    entry = AuditEntry.objects.get(action="member.join_apply")
    assert (entry.actor_id, entry.object_id) == (getattr(personas, persona).pk, str(application.pk))
    assert join_body()["doc_number"] not in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_when_filing_at_an_org_outside_the_scope(tree, client_of, persona):
    before = table_state()
    assert_error(send(client_of(persona), "post", "/api/v1/joins", join_body()), 404, "not_found")
    assert table_state() == before


def test_it_answers_403_to_a_viewer_who_files_a_join(tree, api_for):
    client = api_for(make_staff("viewer", tree.district, roles=("viewer",)))
    before = table_state()
    error = assert_error(send(client, "post", "/api/v1/joins", join_body()), 403, "forbidden")
    assert "member.change" in error["message"]
    assert table_state() == before


BAD_JOINS = [
    ({"doc_number": "440305199001011234"}, "doc_number"),  # wrong check character
    ({"doc_number": "not a number"}, "doc_number"),
    ("drop:doc_number", "doc_number"),
    ("drop:name", "name"),
    ({"name": "X"}, "name"),
    ({"name": 5}, "name"),
    ({"mobile": "12345"}, "mobile"),
    ({"doc_type": "driving_licence"}, "doc_type"),
    ({"channel": "web"}, "channel"),
    ({"worker_type": "robot"}, "worker_type"),
    ({"worker_type": "gig"}, "gig_subtype"),
    ({"division_code": "44"}, "division_code"),
    ({"org": None, "division_code": ""}, "division_code"),  # no org and nothing to route by
    ({"employer_name": "厂" * 121}, "employer_name"),
]


@pytest.mark.parametrize("change, field", BAD_JOINS)
def test_it_answers_422_naming_the_field_for_a_bad_join(tree, client_of, change, field):
    body = join_body()
    if isinstance(change, str):
        body.pop(change.split(":")[1])
    else:
        body.update(change)
    before = table_state()
    assert_error(send(client_of("own"), "post", "/api/v1/joins", body), 422, "invalid", [field])
    assert table_state() == before


@pytest.mark.parametrize("raw", ["[1, 2]", "not json", "42"])
def test_it_answers_an_error_when_the_join_body_is_not_an_object(tree, client_of, raw):
    before = table_state()
    response = send(client_of("own"), "post", "/api/v1/joins", raw)
    assert response.status_code in (400, 422)
    assert response.json()["error"]["message"]
    assert table_state() == before


def test_it_turns_a_join_of_a_member_elsewhere_into_a_transfer(tree, personas, client_of):
    other = make_member(tree.sibling_grassroots, 3, name="关羽")
    body = join_body(3, name="关羽", org=tree.grassroots.code)
    response = send(client_of("own"), "post", "/api/v1/joins", body)
    assert response.status_code == 201, response.content
    transfer = TransferRequest.objects.get()
    assert (response.json()["status"], response.json()["transfer_id"]) == ("transferred", transfer.pk)
    assert (transfer.membership_id, transfer.from_org_id, transfer.to_org_id) == (
        other.pk,
        tree.sibling_grassroots.pk,
        tree.grassroots.pk,
    )
    assert Membership.objects.get(pk=other.pk).status == "transferring"
    assert AuditEntry.objects.filter(action="member.join_apply", actor=personas.own).exists()


def test_it_refuses_a_join_of_someone_already_a_member_here(tree, member, client_of):
    before = table_state()
    body = join_body(1, name="张三", org=tree.grassroots.code)
    error = assert_error(send(client_of("own"), "post", "/api/v1/joins", body), 422, "invalid", ["doc_number"])
    assert member.member_no in error["message"]
    assert table_state() == before


@pytest.fixture
def application(tree):
    return do_apply_join(
        acting_user=None, person_data=person_data(9, name="诸葛亮"), work={}, channel="web", org=tree.grassroots
    )


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_approves_a_join(tree, personas, client_of, application, persona):
    response = send(client_of(persona), "post", f"/api/v1/joins/{application.pk}/approve")
    assert response.status_code == 200, response.content
    membership = Membership.objects.get(person=application.person)
    assert (response.json()["status"], response.json()["member_no"]) == ("approved", membership.member_no)
    assert Card.objects.get(membership=membership).status == "active"
    entry = AuditEntry.objects.get(action="member.join_approve")
    assert (entry.actor_id, entry.object_id) == (getattr(personas, persona).pk, str(membership.pk))


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("verb, body", [("approve", None), ("reject", {"reason": "资料不全"})])
def test_it_answers_404_when_deciding_a_join_outside_the_scope(tree, client_of, application, persona, verb, body):
    before = table_state()
    assert_error(send(client_of(persona), "post", f"/api/v1/joins/{application.pk}/{verb}", body), 404, "not_found")
    assert table_state() == before


def test_it_answers_403_to_a_viewer_who_approves(tree, api_for, application):
    client = api_for(make_staff("viewer", tree.district, roles=("viewer",)))
    before = table_state()
    error = assert_error(send(client, "post", f"/api/v1/joins/{application.pk}/approve"), 403, "forbidden")
    assert "member.approve" in error["message"]
    assert table_state() == before


def test_it_refuses_to_approve_twice_naming_the_state(tree, client_of, application):
    client = client_of("own")
    assert send(client, "post", f"/api/v1/joins/{application.pk}/approve").status_code == 200
    before = table_state()
    error = assert_error(send(client, "post", f"/api/v1/joins/{application.pk}/approve"), 422, "invalid")
    assert "已通过" in error["message"]
    assert_error(send(client, "post", f"/api/v1/joins/{application.pk}/reject", {"reason": "x"}), 422, "invalid")
    assert table_state() == before


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_rejects_a_join_with_a_reason(tree, personas, client_of, application, persona):
    response = send(client_of(persona), "post", f"/api/v1/joins/{application.pk}/reject", {"reason": "  非本单位职工 "})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", "非本单位职工")
    entry = AuditEntry.objects.get(action="member.join_reject")
    assert (entry.actor_id, entry.reason) == (getattr(personas, persona).pk, "非本单位职工")


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": "长" * 301}, {"reason": None}])
def test_it_refuses_a_rejection_without_a_proper_reason(tree, client_of, application, body):
    before = table_state()
    response = send(client_of("own"), "post", f"/api/v1/joins/{application.pk}/reject", body)
    assert_error(response, 422, "invalid", ["reason"])
    assert table_state() == before


def test_it_answers_422_for_a_join_id_that_is_not_a_number(tree, client_of):
    assert_error(send(client_of("own"), "post", "/api/v1/joins/abc/approve"), 422, "invalid")


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_lists_the_pending_queue_with_due_dates(tree, client_of, application, persona):
    late = do_apply_join(acting_user=None, person_data=person_data(10), work={}, channel="web", org=tree.street)
    JoinApplication.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    listed = items(send(client_of(persona), "get", "/api/v1/joins"))
    assert [(i["id"], i["overdue"]) for i in listed] == [(late.pk, True), (application.pk, False)]
    assert listed[1]["due_on"] == application.due_on.isoformat()
    assert [i["id"] for i in items(client_of(persona).get("/api/v1/joins", {"org": tree.grassroots.code}))] == [
        application.pk
    ]
    assert items(client_of(persona).get("/api/v1/joins", {"status": "approved"})) == []


@pytest.mark.parametrize("persona", REFUSED)
def test_it_lists_no_join_outside_the_scope(tree, client_of, application, persona):
    assert items(send(client_of(persona), "get", "/api/v1/joins")) == []


def test_it_refuses_an_unknown_join_status_filter(tree, client_of):
    assert_error(client_of("own").get("/api/v1/joins", {"status": "maybe"}), 422, "invalid", ["status"])


# --- transfers ----------------------------------------------------------------------------------


@pytest.fixture
def incoming(tree):
    """A 福田 member moving to the 南山 grassroots union: the transfer lives at 南山 (its receiver)."""
    moving = make_member(tree.sibling_grassroots, 4, name="马超")
    return do_request_transfer(acting_user=None, membership=moving, to_org=tree.grassroots, reason="换工作")


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_starts_a_transfer_to_a_union_outside_the_scope(tree, personas, member, client_of, persona):
    body = {"member_no": member.member_no, "to_org": tree.sibling_grassroots.code.lower(), "reason": "换工作"}
    response = send(client_of(persona), "post", "/api/v1/transfers", body)
    assert response.status_code == 201, response.content
    transfer = TransferRequest.objects.get()
    assert response.json()["id"] == transfer.pk
    assert (response.json()["status"], response.json()["to_org_code"]) == ("pending", tree.sibling_grassroots.code)
    assert (response.json()["from_org_code"], response.json()["member_no"]) == (tree.grassroots.code, member.member_no)
    assert Membership.objects.get(pk=member.pk).status == "transferring"
    entry = AuditEntry.objects.get(action="member.transfer_request")
    assert (entry.actor_id, entry.reason) == (getattr(personas, persona).pk, "换工作")


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_when_transferring_a_member_outside_the_scope(tree, member, client_of, persona):
    before = table_state()
    body = {"member_no": member.member_no, "to_org": tree.sibling_grassroots.code}
    assert_error(send(client_of(persona), "post", "/api/v1/transfers", body), 404, "not_found")
    assert table_state() == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"to_org": "NO-SUCH-ORG"}, "to_org"),
        ({"to_org": "GRASSROOTS"}, "to_org"),  # already there
        ({"to_org": "440000"}, "to_org"),  # a province takes no members
        ({"to_org": None}, "residence_division"),  # parked needs the residence
        ({"to_org": None, "residence_division": "4403"}, "residence_division"),
        ({"reason": "长" * 301}, "reason"),
        ("drop:member_no", "member_no"),
    ],
)
def test_it_answers_422_for_a_bad_transfer(tree, member, client_of, change, field):
    body = {"member_no": member.member_no, "to_org": tree.sibling_grassroots.code, "reason": "换工作"}
    if isinstance(change, str):
        body.pop(change.split(":")[1])
    else:
        body.update({k: (tree.grassroots.code if v == "GRASSROOTS" else v) for k, v in change.items()})
    before = table_state()
    assert_error(send(client_of("own"), "post", "/api/v1/transfers", body), 422, "invalid", [field])
    assert table_state() == before


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_accepts_an_incoming_transfer(tree, personas, client_of, incoming, persona):
    old_card = Card.objects.get(membership=incoming.membership_id, status="active")
    response = send(client_of(persona), "post", f"/api/v1/transfers/{incoming.pk}/accept")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decided_at"] is not None) == ("accepted", True)
    membership = Membership.objects.get(pk=incoming.membership_id)
    assert (membership.org_id, membership.status) == (tree.grassroots.pk, "active")
    assert Card.objects.get(pk=old_card.pk).status == "revoked"
    entry = AuditEntry.objects.get(action="member.transfer_accept")
    assert entry.actor_id == getattr(personas, persona).pk


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_rejects_an_incoming_transfer_with_a_reason(tree, personas, client_of, incoming, persona):
    response = send(client_of(persona), "post", f"/api/v1/transfers/{incoming.pk}/reject", {"reason": "查无此人"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", "查无此人")
    assert Membership.objects.get(pk=incoming.membership_id).status == "active"
    assert AuditEntry.objects.get(action="member.transfer_reject").actor_id == getattr(personas, persona).pk


def test_it_answers_404_to_an_outsider_deciding_a_transfer(tree, client_of, incoming):
    before = table_state()
    assert_error(send(client_of("outsider"), "post", f"/api/v1/transfers/{incoming.pk}/accept"), 404, "not_found")
    body = {"reason": "x"}
    assert_error(send(client_of("outsider"), "post", f"/api/v1/transfers/{incoming.pk}/reject", body), 404, "not_found")
    assert table_state() == before


def test_it_answers_403_to_the_releasing_side_deciding_a_transfer(tree, client_of, incoming):
    # The sibling (福田) persona sees its outgoing transfer but only the receiver may accept or reject it.
    before = table_state()
    error = assert_error(
        send(client_of("sibling"), "post", f"/api/v1/transfers/{incoming.pk}/accept"), 403, "forbidden"
    )
    assert "member.approve" in error["message"]
    body = {"reason": "x"}
    assert_error(send(client_of("sibling"), "post", f"/api/v1/transfers/{incoming.pk}/reject", body), 403, "forbidden")
    assert table_state() == before


@pytest.mark.parametrize("body", [{}, {"reason": " "}])
def test_it_refuses_a_transfer_rejection_without_a_reason(tree, client_of, incoming, body):
    before = table_state()
    response = send(client_of("own"), "post", f"/api/v1/transfers/{incoming.pk}/reject", body)
    assert_error(response, 422, "invalid", ["reason"])
    assert table_state() == before


def test_it_refuses_to_accept_a_decided_transfer(tree, client_of, incoming):
    client = client_of("own")
    assert send(client, "post", f"/api/v1/transfers/{incoming.pk}/accept").status_code == 200
    before = table_state()
    error = assert_error(send(client, "post", f"/api/v1/transfers/{incoming.pk}/accept"), 422, "invalid")
    assert "已接收" in error["message"]
    assert table_state() == before


@pytest.mark.parametrize(
    "persona, direction, expected",
    [
        ("own", "in", True),
        ("own", "out", False),
        ("own", "", True),
        ("ancestor", "in", True),
        ("ancestor", "out", True),  # 深圳 holds both sides
        ("sibling", "in", False),
        ("sibling", "out", True),
        ("outsider", "", False),
    ],
)
def test_it_lists_transfers_by_direction(tree, client_of, incoming, persona, direction, expected):
    response = client_of(persona).get("/api/v1/transfers", {"direction": direction} if direction else {})
    assert [i["id"] for i in items(response)] == ([incoming.pk] if expected else [])
    if expected:
        item = items(response)[0]
        assert (item["name"], item["from_org_code"], item["to_org_code"]) == (
            "马超",
            tree.sibling_grassroots.code,
            tree.grassroots.code,
        )


def test_it_refuses_an_unknown_transfer_direction(tree, client_of):
    assert_error(client_of("own").get("/api/v1/transfers", {"direction": "up"}), 422, "invalid", ["direction"])


def test_it_lists_transfers_with_a_constant_number_of_queries(tree, personas, api_for, django_assert_max_num_queries):
    def run():
        client = api_for(personas.ancestor)
        expected = TransferRequest.objects.count()
        with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as captured:
            assert len(items(client.get("/api/v1/transfers?direction=in"))) == expected
        return len(captured)

    moving = make_member(tree.sibling_grassroots, 20)
    do_request_transfer(acting_user=None, membership=moving, to_org=tree.grassroots)
    few = run()
    for seq in range(21, 30):
        moving = make_member(tree.sibling_grassroots, seq)
        do_request_transfer(acting_user=None, membership=moving, to_org=tree.grassroots)
    assert run() == few


# --- GET /members/{member_no}/card ------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_gives_the_members_card(tree, member, client_of, persona):
    response = send(client_of(persona), "get", f"/api/v1/members/{member.member_no}/card")
    assert response.status_code == 200, response.content
    body = response.json()
    card = Card.objects.get(membership=member)
    assert set(body) == {"serial", "status", "payload", "expires_at"}
    assert (body["serial"], body["status"]) == (card.serial, "active")
    claims = cards.decode(body["payload"])
    assert (claims.member_no, claims.serial, claims.org_code) == (member.member_no, card.serial, tree.grassroots.code)


def test_it_answers_404_for_the_card_of_a_member_who_left(tree, member, client_of):
    do_leave(acting_user=None, membership=member, reason="本人申请")
    error = assert_error(send(client_of("own"), "get", f"/api/v1/members/{member.member_no}/card"), 404, "not_found")
    assert "会员卡" in error["message"]


# --- POST /cards/verify ---------------------------------------------------------------------------


VERIFY_FIELDS = {"valid", "reason", "message", "member_no", "name_masked", "org_name", "status"}


def verify(client, payload):
    response = send(client, "post", "/api/v1/cards/verify", {"payload": payload})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == VERIFY_FIELDS
    assert body["message"].strip()
    return body


def payload_of(member) -> str:
    return cards.payload_for(Card.objects.select_related("membership").get(membership=member, status="active"))


@pytest.fixture
def merchant(tree, api_for):
    """A merchant app's token: an account holding only the role 会员卡核验 (card.verify)."""
    return api_for(make_staff("merchant", tree.district, roles=("card_reader",)))


def test_it_verifies_a_valid_card_for_a_merchant_without_any_grant(tree, member, merchant):
    body = verify(merchant, payload_of(member))
    assert body == {
        "valid": True,
        "reason": "ok",
        "message": body["message"],
        "member_no": member.member_no,
        "name_masked": "张*",
        "org_name": tree.grassroots.name,
        "status": "active",
    }


@pytest.mark.parametrize("persona", ["outsider", "own", "ancestor", "sibling"])
def test_it_refuses_cards_to_every_persona_without_card_verify(tree, member, client_of, persona):
    # The organiser role does not hold card.verify: verifying is a counter's job, granted on purpose.
    response = send(client_of(persona), "post", "/api/v1/cards/verify", {"payload": payload_of(member)})
    assert_error(response, 403, "forbidden")


def test_it_verifies_with_one_query_after_authentication(tree, member, merchant, django_assert_num_queries):
    payload = payload_of(member)
    verify(merchant, payload)  # the token's first use stamps last_used_at
    with django_assert_num_queries(2):  # the token, the card (joined to membership, person and org)
        assert verify(merchant, payload)["valid"] is True


def _tamper(payload: str) -> str:
    prefix, body, signature = payload.split(".")
    raw = cards._unb64(body).decode().replace("|C", "|D", 1)
    return f"{prefix}.{cards._b64(raw.encode())}.{signature}"


def test_it_refuses_a_tampered_payload(tree, member, merchant, django_assert_num_queries):
    payload = _tamper(payload_of(member))
    verify(merchant, "GH1.x.y")
    with django_assert_num_queries(1):  # the token only: a bad signature never reaches the card table
        body = verify(merchant, payload)
    assert (body["valid"], body["reason"]) == (False, "bad_signature")
    assert (body["member_no"], body["name_masked"], body["org_name"], body["status"]) == (None, None, None, None)


def test_it_refuses_a_payload_signed_with_another_key(tree, member, merchant, settings):
    card = Card.objects.select_related("membership").get(membership=member)
    real_key = settings.GONGHUI_SIGNING_KEY
    settings.GONGHUI_SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
    forged = cards.payload_for(card)
    settings.GONGHUI_SIGNING_KEY = real_key
    assert verify(merchant, forged)["reason"] == "bad_signature"
    assert verify(merchant, payload_of(member))["valid"] is True


def test_it_refuses_an_expired_card(tree, member, merchant):
    card = Card.objects.get(membership=member)
    today = timezone.localdate()
    claims = cards.CardClaims(
        member.member_no,
        tree.grassroots.code,
        card.serial,
        today - dt.timedelta(days=800),
        today - dt.timedelta(days=1),
    )
    body = verify(merchant, cards.encode(claims))
    assert (body["valid"], body["reason"], body["member_no"], body["name_masked"]) == (
        False,
        "expired",
        member.member_no,
        None,
    )


def test_it_refuses_a_card_revoked_when_the_member_left(tree, member, merchant):
    payload = payload_of(member)
    do_leave(acting_user=None, membership=member, reason="本人申请")
    body = verify(merchant, payload)
    assert (body["valid"], body["reason"], body["status"], body["name_masked"]) == (False, "revoked", "revoked", None)


def test_it_refuses_the_old_card_after_a_transfer_out_and_accepts_the_new_one(tree, member, merchant):
    old = payload_of(member)
    from gonghui.members.actions import do_accept_transfer

    transfer = do_request_transfer(acting_user=None, membership=member, to_org=tree.sibling_grassroots)
    assert verify(merchant, old)["valid"] is True  # still a member of the old union until the new one accepts
    do_accept_transfer(acting_user=None, transfer=transfer)
    assert verify(merchant, old)["reason"] == "revoked"
    new = verify(merchant, payload_of(member))
    assert (new["valid"], new["org_name"]) == (True, tree.sibling_grassroots.name)


def test_it_refuses_a_suspended_card_of_a_retained_membership(tree, member, merchant):
    payload = payload_of(member)
    do_retain(acting_user=None, membership=member, reason="退休")
    body = verify(merchant, payload)
    assert (body["valid"], body["reason"], body["status"]) == (False, "suspended", "suspended")


def test_it_refuses_a_signed_card_it_does_not_know(tree, member, merchant):
    today = timezone.localdate()
    claims = cards.CardClaims(member.member_no, tree.grassroots.code, "C00000000000", today, today)
    assert verify(merchant, cards.encode(claims))["reason"] == "unknown_card"


@pytest.mark.parametrize(
    "garbage, reason",
    [
        ("", "not_a_card"),
        ("hello", "not_a_card"),
        ("GH2.a.b", "not_a_card"),
        ("GH1.a.b.c", "not_a_card"),
        ("GH1.!!!.@@@", "malformed"),
        ("GH1.a.b", "malformed"),
        ("GH1.工会.会员", "malformed"),
        ("GH1." + "A" * 5000 + ".b", "not_a_card"),
        ("\x01GH1", "not_a_card"),
    ],
)
def test_it_answers_valid_false_for_garbage(tree, merchant, garbage, reason):
    body = verify(merchant, garbage)
    assert (body["valid"], body["reason"]) == (False, reason)


def test_it_refuses_a_payload_with_a_nul_character_at_the_edge(tree, merchant):
    assert_error(send(merchant, "post", "/api/v1/cards/verify", {"payload": "\x00\x01GH1"}), 422, "invalid")


def test_it_answers_valid_false_for_a_signed_body_that_is_not_a_card(tree, merchant):
    from gonghui.core import crypto

    body = b"not|a|card"
    payload = f"GH1.{cards._b64(body)}.{cards._b64(crypto.sign(body))}"
    assert verify(merchant, payload)["reason"] == "malformed"
    bad_date = b"4400000000000001|X|C1|20240231|20990101"
    payload = f"GH1.{cards._b64(bad_date)}.{cards._b64(crypto.sign(bad_date))}"
    assert verify(merchant, payload)["reason"] == "malformed"


@pytest.mark.parametrize("body", ["[1]", "{}", '{"payload": 5}', '{"payload": null}', "garbage"])
def test_it_answers_an_error_for_a_body_without_a_payload_text(tree, merchant, body):
    response = send(merchant, "post", "/api/v1/cards/verify", body)
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["message"]


# --- GET /cards/public-key and /cards/revoked -----------------------------------------------------


def test_it_publishes_the_public_key_without_authentication(tree, member):
    from gonghui.core import crypto

    response = Client().get("/api/v1/cards/public-key")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert base64.b64decode(body["public_key"]) == crypto.public_key_bytes()
    assert len(body["key_id"]) == 16
    key = serialization.load_pem_public_key(body["pem"].encode())
    # An offline verifier with only the published key accepts a real card.
    assert cards.decode(payload_of(member), key).member_no == member.member_no


def test_it_lists_revoked_serials_incrementally(tree, merchant, django_assert_max_num_queries):
    first = make_member(tree.grassroots, 30)
    second = make_member(tree.grassroots, 31)
    make_member(tree.grassroots, 32)
    serial_1 = Card.objects.get(membership=first).serial
    serial_2 = Card.objects.get(membership=second).serial
    do_leave(acting_user=None, membership=first, reason="本人申请")
    Card.objects.filter(serial=serial_1).update(revoked_at=timezone.now() - dt.timedelta(hours=2))
    do_leave(acting_user=None, membership=second, reason="本人申请")
    listed = items(merchant.get("/api/v1/cards/revoked"))
    assert [i["serial"] for i in listed] == [serial_1, serial_2]
    assert set(listed[0]) == {"serial", "revoked_at"}
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    with django_assert_max_num_queries(3):
        assert [i["serial"] for i in items(merchant.get("/api/v1/cards/revoked", {"since": since}))] == [serial_2]


def test_it_refuses_a_bad_since(tree, merchant):
    assert_error(merchant.get("/api/v1/cards/revoked", {"since": "yesterday"}), 422, "invalid", ["since"])
