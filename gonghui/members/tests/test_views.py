"""The member console pages with the four personas (own = 南山区, ancestor = 深圳市, sibling = 福田区,
outsider = no grant): reads are scoped (404 outside), forms run actions and show their errors,
bad input writes nothing, the document reveal is audited, lists cost a constant number of queries.
Members live at 南山测试科技有限公司工会 (tree.grassroots).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.core import crypto
from gonghui.core.testing import make_personas, make_staff
from gonghui.members.models import JoinApplication, Membership, RoutingRule, TransferRequest
from gonghui.members.states import JoinStatus, MembershipStatus, TransferStatus
from gonghui.members.tests.helpers import (
    entries,
    make_application,
    make_federation,
    make_member,
    make_person,
    make_routing_rule,
    make_transfer,
    next_id,
    reload,
    table_state,
)
from gonghui.people.actions import DOC_PURPOSE
from gonghui.people.identity import mask_mobile

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]


@pytest.fixture
def client_of(personas, client_for):
    return lambda name: client_for(getattr(personas, name))


@pytest.fixture
def admins(tree):
    """The same four personas holding the 系统管理员 role (all permissions, member.view_pii included)."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("admin",), prefix="a")


@pytest.fixture
def member(tree):
    return make_member(tree.grassroots, employer_name="南山测试科技有限公司")


def number_of(member) -> str:
    return crypto.decrypt(member.person.doc_cipher, DOC_PURPOSE)


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


def all_errors(response) -> str:
    return " ".join(str(m) for msgs in form_errors(response).values() for m in msgs)


def member_pages(member) -> dict[str, str]:
    no = member.member_no
    return {
        "detail": f"/members/{no}/",
        "retain": f"/members/{no}/retain/",
        "leave": f"/members/{no}/leave/",
        "expel": f"/members/{no}/expel/",
        "deceased": f"/members/{no}/deceased/",
        "lapse": f"/members/{no}/lapse/",
        "dues": f"/members/{no}/dues/",
        "keep": f"/members/{no}/keep/",
        "transfer": f"/members/{no}/transfer/",
    }


# --- scoping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["detail", "retain", "leave", "dues", "keep", "transfer", "expel", "deceased", "lapse"]
)
@pytest.mark.parametrize("persona", ALLOWED)
def test_it_shows_member_pages_in_scope(member, client_of, page, persona):
    response = client_of(persona).get(member_pages(member)[page])
    assert response.status_code == 200
    assert response.context["m"].pk == member.pk
    assert member.person.name in response.content.decode()


@pytest.mark.parametrize(
    "page", ["detail", "retain", "leave", "dues", "keep", "transfer", "expel", "deceased", "lapse"]
)
@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_member_pages_outside_the_scope(member, client_of, page, persona):
    client = client_of(persona)
    before = table_state()
    assert client.get(member_pages(member)[page]).status_code == 404
    response = client.post(member_pages(member)[page], {"reason": "越权", "paid_on": "2024-01-01"})
    assert response.status_code == 404
    assert member.person.name.encode() not in response.content
    assert table_state() == before


@pytest.mark.parametrize(
    "url",
    ["/members/", "/members/joins/", "/members/transfers/", "/members/joins/new/", "/members/routing/", "DETAIL"],
)
def test_it_sends_anonymous_visitors_to_the_login_page(member, url):
    response = Client().get(url.replace("DETAIL", f"/members/{member.member_no}/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_answers_404_for_an_unknown_member_number_or_action(member, client_of):
    client = client_of("own")
    assert client.get("/members/4400000000999999/").status_code == 404
    assert client.get(f"/members/{member.member_no}/promote/").status_code == 404


# --- list ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, sees", [("own", True), ("ancestor", True), ("sibling", False), ("outsider", False)])
def test_it_lists_only_members_in_scope(member, client_of, persona, sees):
    response = client_of(persona).get("/members/")
    assert response.status_code == 200
    listed = [m.pk for m in response.context["object_list"]]
    assert (member.pk in listed) is sees
    assert (member.person.name in response.content.decode()) is sees


def test_it_masks_document_numbers_and_mobiles_in_the_list(member, client_of):
    content = client_of("own").get("/members/").content.decode()
    person = member.person
    assert person.doc_masked in content and number_of(member) not in content
    assert mask_mobile(person.mobile) in content
    assert person.mobile not in content and person.mobile[3:] not in content
    assert f'href="/members/{member.member_no}/"' in content


def test_it_searches_by_name_pinyin_mobile_document_and_member_number(tree, member, client_of):
    other = make_member(tree.grassroots)
    client = client_of("own")

    def found(q):
        return [m.pk for m in client.get("/members/", {"q": q}).context["object_list"]]

    person = member.person
    assert found(person.name) == [member.pk]
    assert member.pk in found(person.name_initials.upper())
    assert member.pk in found(person.name_pinyin)
    assert found(person.mobile[3:]) == [member.pk]
    assert found(number_of(member)) == [member.pk]
    assert found(number_of(member).lower()) == [member.pk]
    assert found(member.member_no) == [member.pk]
    assert found(next_id()) == []
    assert other.pk not in found(member.member_no)


def test_it_filters_by_status_worker_type_and_org_subtree(tree, member, client_of):
    retained = make_member(tree.grassroots, status=MembershipStatus.RETAINED)
    gig = make_member(tree.street, worker_type="gig", platform="美团")
    client = client_of("ancestor")

    def found(**params):
        return {m.pk for m in client.get("/members/", params).context["object_list"]}

    assert found() == {member.pk, retained.pk, gig.pk}
    assert found(status="retained") == {retained.pk}
    assert found(worker_type="gig") == {gig.pk}
    assert found(org=tree.grassroots.code) == {member.pk, retained.pk}
    assert found(org=tree.street.code.lower()) == {member.pk, retained.pk, gig.pk}
    # An org outside the user's scope gives an empty list, not someone else's members.
    assert list(client_of("own").get("/members/", {"org": tree.sibling_grassroots.code}).context["object_list"]) == []
    response = client.get("/members/", {"status": "retained"})
    assert response.context["counts"] == [("retained", "保留会籍", 1)]
    counts = {s: n for s, _label, n in client.get("/members/").context["counts"]}
    assert counts == {"active": 2, "retained": 1}


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_it_lists_members_with_a_constant_number_of_queries(tree, client_of, django_assert_num_queries):
    client = client_of("own")
    # Named members so that the search below finds rows (an empty result skips the page query).
    make_member(tree.grassroots, person=make_person(name="张一"))
    make_member(tree.street, worker_type="gig")
    few = _page_queries(client, "/members/")
    for _ in range(6):
        make_member(tree.grassroots)
    assert _page_queries(client, "/members/") == few
    # session, user, grants, count, status counts, page rows (+ the savepoint-free navigation check)
    with django_assert_num_queries(few):
        response = client.get("/members/", {"q": "张"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count >= 1


# --- detail -------------------------------------------------------------------------------------


def test_it_shows_person_membership_events_cards_and_history(tree, member, client_of, personas):
    make_transfer(member, tree.district, acting_user=None, reason="调动")
    from gonghui.members import actions

    transfer = TransferRequest.objects.get(membership=member)
    actions.do_accept_transfer(acting_user=None, transfer=transfer)
    response = client_of("own").get(f"/members/{member.member_no}/")
    context = response.context
    content = response.content.decode()
    assert [e.type for e in context["events"]][:2] in (["transfer_in", "transfer_out"], ["transfer_out", "transfer_in"])
    assert tree.grassroots.name in content and tree.district.name in content  # from / to orgs of the transfer
    assert len(context["cards"]) == 2 and "已注销" in content
    assert context["history"] is not None and any(e.action == "member.transfer_accept" for e in context["history"])
    assert "显示完整证件号" not in content  # the organiser role has no member.view_pii
    assert member.person.doc_masked in content and number_of(member) not in content


def test_it_shows_the_detail_with_a_constant_number_of_queries(member, client_of):
    from gonghui.members import actions

    client = client_of("own")
    few = _page_queries(client, f"/members/{member.member_no}/")
    for _ in range(3):
        actions.do_retain(acting_user=None, membership=member, reason="退休")
        actions.do_reactivate(acting_user=None, membership=member, reason="返聘")
    assert _page_queries(client, f"/members/{member.member_no}/") == few


def test_it_offers_only_the_allowed_transitions_the_user_may_perform(tree, member, client_of):
    slugs = [a.slug for a in client_of("own").get(f"/members/{member.member_no}/").context["status_actions"]]
    assert slugs == ["dues", "keep", "transfer", "retain", "lapse", "leave", "expel", "deceased"]
    retained = make_member(tree.grassroots, status=MembershipStatus.RETAINED)
    slugs = [a.slug for a in client_of("own").get(f"/members/{retained.member_no}/").context["status_actions"]]
    assert slugs == ["reactivate", "leave", "expel", "deceased"]
    viewer = make_staff("viewer-1", tree.district, roles=("viewer",))
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/members/{member.member_no}/").context["status_actions"] == []
    assert client.get(f"/members/{member.member_no}/retain/").status_code == 403
    before = table_state()
    assert client.post(f"/members/{member.member_no}/retain/", {"reason": "退休"}).status_code == 403
    assert table_state() == before


# --- reveal -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_reveals_the_document_number_once_and_audits_it(member, admins, client_for, persona):
    client = client_for(getattr(admins, persona))
    page = client.get(f"/members/{member.member_no}/").content.decode()
    assert "显示完整证件号" in page and number_of(member) not in page
    response = client.post(f"/members/{member.member_no}/reveal/", {"purpose": "核对"})
    assert response.status_code == 200
    assert number_of(member) in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    (entry,) = entries("person.reveal_document")
    assert entry.actor_id == getattr(admins, persona).pk and entry.reason == "核对"
    assert entry.object_id == str(member.person_id) and entry.org_id == member.org_id
    # Shown once: the next page view is masked again.
    assert number_of(member) not in client.get(f"/members/{member.member_no}/").content.decode()


def test_it_returns_only_the_number_to_an_htmx_reveal(member, admins, client_for):
    response = client_for(admins.own).post(f"/members/{member.member_no}/reveal/", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert number_of(member) in content and "<html" not in content


def test_it_refuses_the_reveal_without_view_pii(member, client_of):
    response = client_of("own").post(f"/members/{member.member_no}/reveal/")
    assert response.status_code == 403
    assert number_of(member) not in response.content.decode()
    assert entries("person.reveal_document") == []


@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_to_reveals_outside_the_scope(member, admins, client_for, persona):
    response = client_for(getattr(admins, persona)).post(f"/members/{member.member_no}/reveal/")
    assert response.status_code == 404
    assert entries("person.reveal_document") == []


def test_it_accepts_only_posts_for_the_reveal(member, admins, client_for):
    assert client_for(admins.own).get(f"/members/{member.member_no}/reveal/").status_code == 405
    assert entries("person.reveal_document") == []


# --- status actions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug, status, event",
    [
        ("retain", "retained", "member.retain"),
        ("leave", "left", "member.leave"),
        ("expel", "expelled", "member.expel"),
        ("deceased", "deceased", "member.deceased"),
        ("lapse", "lapsed", "member.lapse"),
    ],
)
def test_it_changes_the_status_through_the_action(member, client_of, personas, slug, status, event):
    response = client_of("ancestor").post(f"/members/{member.member_no}/{slug}/", {"reason": "依规办理"})
    assert response.status_code == 302 and response["Location"] == f"/members/{member.member_no}/"
    assert reload(member).status == status
    (entry,) = entries(event)
    assert entry.actor_id == personas.ancestor.pk and entry.reason == "依规办理"


@pytest.mark.parametrize("slug", ["retain", "leave", "expel", "deceased"])
def test_it_requires_a_reason_and_writes_nothing_without_one(member, client_of, slug):
    before = table_state()
    response = client_of("own").post(f"/members/{member.member_no}/{slug}/", {"reason": "  "})
    assert "reason" in form_errors(response)
    assert table_state() == before


def test_it_reactivates_a_retained_member_and_refuses_a_transition_not_allowed(tree, member, client_of):
    client = client_of("own")
    before = table_state()
    response = client.post(f"/members/{member.member_no}/reactivate/", {"reason": "返岗"})
    assert "当前状态为“正常”" in all_errors(response)
    assert table_state() == before
    retained = make_member(tree.grassroots, status=MembershipStatus.RETAINED)
    assert client.get(f"/members/{retained.member_no}/reactivate/").context["blocked"] is False
    response = client.post(f"/members/{retained.member_no}/reactivate/", {"reason": "返岗"})
    assert response.status_code == 302
    assert reload(retained).status == MembershipStatus.ACTIVE
    assert len(entries("member.reactivate")) == 1


def test_it_records_dues_and_refuses_a_future_date(member, client_of):
    client = client_of("own")
    before = table_state()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "paid_on" in form_errors(client.post(f"/members/{member.member_no}/dues/", {"paid_on": tomorrow}))
    assert "paid_on" in form_errors(client.post(f"/members/{member.member_no}/dues/", {"paid_on": "2024-02-30"}))
    assert table_state() == before
    today = timezone.localdate()
    assert client.post(f"/members/{member.member_no}/dues/", {"paid_on": today}).status_code == 302
    assert reload(member).last_dues_paid_on == today
    assert len(entries("member.dues")) == 1


def test_it_keeps_a_membership_until_a_future_date(member, client_of):
    client = client_of("own")
    before = table_state()
    response = client.post(f"/members/{member.member_no}/keep/", {"until": timezone.localdate(), "reason": "线下缴费"})
    assert "until" in form_errors(response)
    assert table_state() == before
    until = timezone.localdate() + dt.timedelta(days=90)
    assert client.post(f"/members/{member.member_no}/keep/", {"until": until, "reason": "线下缴费"}).status_code == 302
    assert reload(member).keep_until == until
    assert entries("member.keep")[0].reason == "线下缴费"


def test_it_requests_a_transfer_to_a_union_outside_the_senders_scope(tree, member, client_of, personas):
    url = f"/members/{member.member_no}/transfer/"
    before = table_state()
    response = client_of("own").post(url, {"to_org": "NO-SUCH-ORG", "reason": "换工作"})
    assert "找不到该组织代码" in " ".join(form_errors(response)["to_org"])
    assert "to_org" in form_errors(client_of("own").post(url, {"reason": "换工作"}))
    assert table_state() == before
    # Workers move across districts: 南山区 staff send a member to a 福田区 union, which decides.
    response = client_of("own").post(
        url, {"to_org": tree.sibling_grassroots.code.lower(), "reason": "换工作", "new_employer": "福田物流"}
    )
    assert response.status_code == 302
    transfer = TransferRequest.objects.get(membership=member)
    assert (transfer.to_org_id, transfer.status, transfer.parked) == (tree.sibling_grassroots.pk, "pending", False)
    assert reload(member).status == MembershipStatus.TRANSFERRING
    assert entries("member.transfer_request")[0].actor_id == personas.own.pk
    page = client_of("own").get(f"/members/{member.member_no}/")
    assert "transfer" not in [a.slug for a in page.context["status_actions"]]
    assert page.context["pending_transfer"] == transfer and page.context["can_cancel_transfer"]
    # The receiving side sees it in its incoming queue; the sender cannot accept it.
    assert client_of("sibling").get("/members/transfers/").context["incoming"] == [transfer]


def test_it_parks_a_transfer_at_the_residence_federation(tree, member, client_of):
    url = f"/members/{member.member_no}/transfer/"
    before = table_state()
    response = client_of("own").post(url, {"parked": "on", "residence_division": "44x", "reason": "新单位未建会"})
    assert "residence_division" in form_errors(response)
    response = client_of("own").post(url, {"parked": "on", "reason": "新单位未建会"})
    assert "residence_division" in form_errors(response)  # the action asks where the member lives
    assert table_state() == before
    response = client_of("own").post(url, {"parked": "on", "residence_division": "440305001", "reason": "新单位未建会"})
    assert response.status_code == 302
    transfer = TransferRequest.objects.get(membership=member)
    assert transfer.parked and transfer.to_org_id == tree.street.pk


# --- join queue ---------------------------------------------------------------------------------


@pytest.fixture
def application(tree):
    return make_application(tree.grassroots)


@pytest.mark.parametrize("persona, sees", [("own", True), ("ancestor", True), ("sibling", False), ("outsider", False)])
def test_it_lists_pending_joins_in_scope(application, client_of, persona, sees):
    response = client_of(persona).get("/members/joins/")
    assert response.status_code == 200
    assert (application in response.context["object_list"]) is sees
    assert (application.person.name in response.content.decode()) is sees


def test_it_highlights_overdue_applications(tree, application, client_of):
    JoinApplication.objects.filter(pk=application.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    fresh = make_application(tree.grassroots)
    content = client_of("own").get("/members/joins/").content.decode()
    assert content.count("已超期") == 1
    assert content.index(application.person.name) < content.index(fresh.person.name)  # earliest due first
    assert client_of("own").get(f"/members/joins/{application.pk}/").context["overdue"] is True


def test_it_filters_the_join_queue_by_org_and_costs_constant_queries(tree, application, client_of):
    client = client_of("ancestor")
    elsewhere = make_application(tree.sibling_grassroots)
    assert list(client.get("/members/joins/", {"org": tree.grassroots.code}).context["object_list"]) == [application]
    assert (
        list(client_of("own").get("/members/joins/", {"org": tree.sibling_grassroots.code}).context["object_list"])
        == []
    )
    few = _page_queries(client, "/members/joins/")
    for _ in range(4):
        make_application(tree.grassroots)
    assert _page_queries(client, "/members/joins/") == few
    assert elsewhere in client.get("/members/joins/").context["object_list"]


@pytest.mark.parametrize("page", ["", "approve/", "reject/"])
@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_join_pages_outside_the_scope(application, client_of, page, persona):
    before = table_state()
    client = client_of(persona)
    assert client.get(f"/members/joins/{application.pk}/{page}").status_code == 404
    assert client.post(f"/members/joins/{application.pk}/{page}", {"reason": "越权"}).status_code == 404
    assert table_state() == before


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_approves_a_join_from_the_queue(application, client_of, personas, persona):
    client = client_of(persona)
    assert client.get(f"/members/joins/{application.pk}/").context["can_decide"] is True
    response = client.post(f"/members/joins/{application.pk}/approve/", {"joined_on": ""})
    # No other application waits: back to the queue (with one waiting, to it: see the next test).
    assert response.status_code == 302 and response["Location"] == "/members/joins/"
    assert Membership.objects.filter(person=application.person).exists()
    assert reload(application).status == JoinStatus.APPROVED
    assert entries("member.join_approve")[0].actor_id == getattr(personas, persona).pk
    # Deciding twice is refused with the current state, nothing written.
    before = table_state()
    response = client.post(f"/members/joins/{application.pk}/approve/", {})
    assert "已通过" in all_errors(response)
    assert table_state() == before


def test_it_goes_to_the_next_pending_application_after_a_decision(tree, application, client_of):
    """Issue 18 point 11: a reviewer works through the queue, not to the new member's page."""
    second = make_application(tree.grassroots)
    third = make_application(tree.grassroots)
    client = client_of("own")
    response = client.post(f"/members/joins/{application.pk}/approve/", {"joined_on": ""})
    assert response["Location"] in (f"/members/joins/{second.pk}/", f"/members/joins/{third.pk}/")
    nxt = int(response["Location"].split("/")[-2])
    response = client.post(f"/members/joins/{nxt}/reject/", {"reason": "非本单位职工"})
    left = third.pk if nxt == second.pk else second.pk
    assert response["Location"] == f"/members/joins/{left}/"
    response = client.post(f"/members/joins/{left}/approve/", {"joined_on": ""})
    assert response["Location"] == "/members/joins/"


def test_it_rejects_a_join_only_with_a_reason(application, client_of):
    client = client_of("own")
    before = table_state()
    assert "reason" in form_errors(client.post(f"/members/joins/{application.pk}/reject/", {"reason": ""}))
    assert table_state() == before
    response = client.post(f"/members/joins/{application.pk}/reject/", {"reason": "非本单位职工"})
    assert response.status_code == 302 and response["Location"] == "/members/joins/"
    application = reload(application)
    assert (application.status, application.reject_reason) == (JoinStatus.REJECTED, "非本单位职工")
    assert entries("member.join_reject")[0].reason == "非本单位职工"


def test_it_hides_decisions_from_users_without_approve(tree, application):
    viewer = make_staff("viewer-2", tree.district, roles=("viewer",))
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/members/joins/{application.pk}/").context["can_decide"] is False
    assert client.post(f"/members/joins/{application.pk}/approve/").status_code == 403
    assert reload(application).status == JoinStatus.PENDING


# --- staff entry --------------------------------------------------------------------------------


def staff_entry(org, **kw):
    data = {
        "name": "林晓东",
        "doc_type": "resident_id",
        "doc_number": next_id(),
        "mobile": "13912345678",
        "org": org.code,
        "worker_type": "regular",
        "employer_name": "南山测试科技有限公司",
    }
    data.update(kw)
    return data


def test_it_files_a_staff_application_and_approves_it_at_once(tree, client_of):
    client = client_of("own")
    response = client.post("/members/joins/new/", staff_entry(tree.grassroots))
    application = JoinApplication.objects.get()
    assert response["Location"] == f"/members/joins/{application.pk}/"
    assert (application.channel, application.status, application.org_id) == ("staff", "pending", tree.grassroots.pk)
    response = client.post("/members/joins/new/", staff_entry(tree.grassroots, name="林晓西", approve_now="on"))
    membership = Membership.objects.get(person__name="林晓西")
    assert response["Location"] == f"/members/{membership.member_no}/"
    assert membership.status == MembershipStatus.ACTIVE and membership.org_id == tree.grassroots.pk


def test_it_shows_staff_entry_errors_and_writes_nothing(tree, client_of):
    client = client_of("own")
    before = table_state()
    errors = form_errors(
        client.post("/members/joins/new/", staff_entry(tree.grassroots, doc_number="440305199001011234"))
    )
    assert "doc_number" in errors and "校验位" in " ".join(errors["doc_number"])
    errors = form_errors(client.post("/members/joins/new/", staff_entry(tree.sibling_grassroots)))
    assert "org" in errors
    errors = form_errors(client.post("/members/joins/new/", staff_entry(tree.grassroots, worker_type="gig")))
    assert "gig_subtype" in errors
    errors = form_errors(client.post("/members/joins/new/", staff_entry(tree.grassroots, mobile="12345")))
    assert "mobile" in errors
    assert table_state() == before


def test_it_refuses_staff_entry_without_member_change(tree, client_of):
    assert client_of("outsider").get("/members/joins/new/").status_code == 403
    assert client_of("outsider").post("/members/joins/new/", staff_entry(tree.grassroots)).status_code == 403
    assert not JoinApplication.objects.exists()


# --- transfer queue -----------------------------------------------------------------------------


@pytest.fixture
def transfer(tree, member):
    return make_transfer(member, tree.sibling_grassroots, reason="换工作")


def test_it_lists_incoming_and_outgoing_transfers_by_side(transfer, client_of):
    own = client_of("own").get("/members/transfers/").context
    sibling = client_of("sibling").get("/members/transfers/").context
    ancestor = client_of("ancestor").get("/members/transfers/").context
    outsider = client_of("outsider").get("/members/transfers/").context
    assert (own["incoming"], own["outgoing"]) == ([], [transfer])
    assert (sibling["incoming"], sibling["outgoing"]) == ([transfer], [])
    # Both unions are in the ancestor's subtree: listed once, under incoming (issue 18 point 11),
    # where the ancestor may decide and also cancel it.
    assert (ancestor["incoming"], ancestor["outgoing"]) == ([transfer], [])
    page = client_of("ancestor").get("/members/transfers/").content.decode()
    assert page.count(transfer.membership.member_no) == 1
    assert f"/members/transfers/{transfer.pk}/cancel/" in page and 'class="nowrap"' in page
    assert (outsider["incoming"], outsider["outgoing"]) == ([], [])


def test_it_accepts_an_incoming_transfer(transfer, client_of, personas, tree):
    assert client_of("own").post(f"/members/transfers/{transfer.pk}/accept/").status_code == 404
    response = client_of("sibling").post(f"/members/transfers/{transfer.pk}/accept/")
    membership = reload(transfer.membership)
    assert response.status_code == 302 and response["Location"] == f"/members/{membership.member_no}/"
    assert (membership.org_id, membership.status) == (tree.sibling_grassroots.pk, MembershipStatus.ACTIVE)
    assert entries("member.transfer_accept")[0].actor_id == personas.sibling.pk


def test_it_rejects_an_incoming_transfer_only_with_a_reason(transfer, client_of):
    client = client_of("sibling")
    before = table_state()
    assert "reason" in form_errors(client.post(f"/members/transfers/{transfer.pk}/reject/", {"reason": ""}))
    assert table_state() == before
    assert client.post(f"/members/transfers/{transfer.pk}/reject/", {"reason": "查无此人"}).status_code == 302
    assert reload(transfer).status == TransferStatus.REJECTED
    assert reload(transfer.membership).status == MembershipStatus.ACTIVE


def test_it_cancels_an_outgoing_transfer(transfer, client_of):
    assert client_of("sibling").post(f"/members/transfers/{transfer.pk}/cancel/").status_code == 404
    assert client_of("outsider").post(f"/members/transfers/{transfer.pk}/cancel/").status_code == 404
    response = client_of("own").post(f"/members/transfers/{transfer.pk}/cancel/", {"reason": "不走了"})
    assert response.status_code == 302
    assert reload(transfer).status == TransferStatus.CANCELLED
    assert len(entries("member.transfer_cancel")) == 1
    before = table_state()
    response = client_of("own").post(f"/members/transfers/{transfer.pk}/cancel/", {"reason": "再撤"})
    assert "已撤回" in all_errors(response)
    assert table_state() == before


def test_it_lists_transfers_with_a_constant_number_of_queries(tree, client_of):
    client = client_of("ancestor")
    make_transfer(make_member(tree.grassroots), tree.sibling_grassroots)
    few = _page_queries(client, "/members/transfers/")
    for _ in range(4):
        make_transfer(make_member(tree.grassroots), tree.sibling_grassroots)
    assert _page_queries(client, "/members/transfers/") == few


# --- routing rules ------------------------------------------------------------------------------


@pytest.fixture
def federation(tree):
    return make_federation(tree.district)


def test_it_refuses_routing_pages_without_member_routing(tree, federation, client_of):
    rule = make_routing_rule(federation, "440305", "美团")
    for url in ["/members/routing/", "/members/routing/new/", f"/members/routing/{rule.pk}/edit/"]:
        assert client_of("own").get(url).status_code in (403, 404)
    assert client_of("own").get("/members/routing/").status_code == 403


@pytest.mark.parametrize("persona, sees", [("own", True), ("ancestor", True), ("sibling", False)])
def test_it_lists_routing_rules_in_scope(federation, admins, client_for, persona, sees):
    rule = make_routing_rule(federation, "440305", "美团")
    response = client_for(getattr(admins, persona)).get("/members/routing/")
    assert response.status_code == 200
    assert (rule in response.context["object_list"]) is sees


def test_it_adds_edits_and_deletes_routing_rules_through_actions(tree, federation, admins, client_for):
    client = client_for(admins.own)
    before = table_state() | {"rules": RoutingRule.objects.count()}
    data = {"platform": "美团", "division_code": "4403", "gig_subtype": "delivery", "org": federation.code}
    assert "division_code" in form_errors(client.post("/members/routing/new/", data))
    data_out = data | {"division_code": "440305", "org": tree.sibling_district.code}
    assert "org" in form_errors(client.post("/members/routing/new/", data_out))
    assert table_state() | {"rules": RoutingRule.objects.count()} == before

    assert client.post("/members/routing/new/", data | {"division_code": "440305"}).status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.platform, rule.division_code, rule.gig_subtype, rule.org_id) == (
        "美团",
        "440305",
        "delivery",
        federation.pk,
    )
    assert entries("member.routing_create")[0].actor_id == admins.own.pk
    assert "division_code" in form_errors(client.post("/members/routing/new/", data | {"division_code": "440305"}))

    edit = {
        "platform": "饿了么",
        "division_code": "440305001",
        "gig_subtype": "",
        "org": federation.code,
        "note": "街道",
    }
    assert client.post(f"/members/routing/{rule.pk}/edit/", edit).status_code == 302
    rule = reload(rule)
    assert (rule.platform, rule.division_code, rule.note) == ("饿了么", "440305001", "街道")
    assert entries("member.routing_update")[0].before["platform"] == "美团"

    assert client_for(admins.sibling).post(f"/members/routing/{rule.pk}/delete/").status_code == 404
    assert client.post(f"/members/routing/{rule.pk}/delete/", {"reason": "平台退出"}).status_code == 302
    assert not RoutingRule.objects.exists()
    assert entries("member.routing_delete")[0].reason == "平台退出"


# --- org picker ---------------------------------------------------------------------------------


def test_it_suggests_orgs_only_inside_the_scope(tree, client_of):
    content = client_of("own").get("/members/picker/", {"to_org": "测试"}).content.decode()
    assert tree.grassroots.name in content and tree.sibling_grassroots.name not in content
    content = client_of("ancestor").get("/members/picker/", {"org": "测试"}).content.decode()
    assert tree.grassroots.name in content and tree.sibling_grassroots.name in content
    assert client_of("outsider").get("/members/picker/", {"q": "测试"}).content.decode().strip() == ""
    assert Client().get("/members/picker/", {"q": "测试"}).status_code == 404
