"""The hardship console pages with the four personas (帮扶专员 role: own = 南山区, ancestor = 深圳市,
sibling = 福田区, outsider = no grant): reads are scoped (404 outside), every step is a form over
its action (errors shown on the field, nothing written), the buttons follow the state machine and
the user's permissions, lists cost a constant number of queries. Archives are kept at
南山测试科技有限公司工会 (tree.grassroots) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gonghui.core.testing import make_staff
from gonghui.hardship import actions
from gonghui.hardship.models import (
    DataCheck,
    HardshipArchive,
    HomeVisit,
    NoticeObjection,
    SubsistenceLine,
    VisitAttachment,
)
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import NAMED, child, create, entries, reload, table_state, to_state
from gonghui.members.tests.helpers import make_member, next_id, next_name

ALLOWED = ["own", "ancestor"]
REFUSED = ["outsider", "sibling"]


@pytest.fixture
def client_of(hp, client_for):
    return lambda name: client_for(getattr(hp, name))


@pytest.fixture
def archive(member, lines, clock):
    return create(member)


def url(archive, step: str = "") -> str:
    base = f"/hardship/archives/{archive.number}/"
    return f"{base}{step}/" if step else base


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def all_errors(response) -> str:
    return " ".join(m for msgs in form_errors(response).values() for m in msgs)


def post_step(client, archive, step, data):
    return client.post(url(archive, step), {"person_name": NAMED, **data})


def step_slugs(response) -> list[str]:
    return [s.slug for s in response.context["steps"]]


# --- scoping --------------------------------------------------------------------------------------

PAGES = ["", "visit", "check", "finances", "review", "notice", "approve", "reject", "category", "household"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ALLOWED)
def test_it_shows_archive_pages_in_scope(archive, client_of, page, persona):
    response = client_of(persona).get(url(archive, page))
    assert response.status_code == 200
    assert response.context["archive"].pk == archive.pk
    assert archive.person.name in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", REFUSED)
def test_it_answers_404_for_archive_pages_outside_the_scope(archive, client_of, page, persona):
    client = client_of(persona)
    before = table_state()
    assert client.get(url(archive, page)).status_code == 404
    response = client.post(
        url(archive, page), {"person_name": "越权", "reason": "越权", "visited_on": "2024-01-01", "visitors": "x"}
    )
    assert response.status_code == 404
    assert archive.person.name.encode() not in response.content
    assert table_state() == before


@pytest.mark.parametrize(
    "path", ["/hardship/", "/hardship/archives/", "/hardship/archives/new/", "/hardship/stats/", "DETAIL", "STEP"]
)
def test_it_sends_anonymous_visitors_to_the_login_page(archive, path):
    path = path.replace("DETAIL", url(archive)).replace("STEP", url(archive, "visit"))
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_answers_404_for_an_unknown_archive_or_step(archive, client_of):
    client = client_of("own")
    assert client.get("/hardship/archives/KN209900000001/").status_code == 404
    assert client.get(url(archive, "promote")).status_code == 404


def test_it_refuses_steps_to_a_user_who_may_only_view(tree, archive, client_for):
    viewer = make_staff("h-finance", tree.district, roles=("finance",))
    client = client_for(viewer)
    detail = client.get(url(archive))
    assert detail.status_code == 200
    assert step_slugs(detail) == []
    before = table_state()
    assert client.get(url(archive, "visit")).status_code == 403
    response = client.post(url(archive, "visit"), {"visited_on": "2024-01-01", "visitors": "x", "findings": "y"})
    assert response.status_code == 403
    assert table_state() == before


def test_it_shows_the_menu_entries_to_hardship_staff_only(archive, client_of):
    labels = [i["label"] for i in client_of("own").get("/hardship/").context["nav_items"]]
    assert "困难帮扶" in labels and "困难职工档案" in labels
    labels = [i["label"] for i in client_of("outsider").get("/hardship/").context["nav_items"]]
    assert "困难帮扶" not in labels


# --- list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, sees", [("own", True), ("ancestor", True), ("sibling", False), ("outsider", False)])
def test_it_lists_only_archives_in_scope(archive, client_of, persona, sees):
    response = client_of(persona).get("/hardship/archives/")
    assert response.status_code == 200
    assert (archive.pk in [a.pk for a in response.context["object_list"]]) is sees
    assert (archive.number in response.content.decode()) is sees


def test_it_masks_document_numbers_in_the_list(archive, client_of):
    body = client_of("own").get("/hardship/archives/").content.decode()
    assert archive.person.doc_masked in body
    assert "*" in archive.person.doc_masked


@pytest.fixture
def several(tree, lines, clock):
    a = create(make_member(tree.grassroots), primary_cause="illness", level="district")
    b = to_state(
        create(make_member(tree.grassroots), primary_cause="unemployment", level="grassroots"), S.ARCHIVED, clock
    )
    c = create(make_member(tree.sibling_grassroots), primary_cause="low_wage", secondary_cause="illness")
    return a, reload(b), c


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=applied", "ac"),
        ("status=archived", "b"),
        ("level=grassroots", "b"),
        ("cause=illness", "ac"),
        ("cause=unemployment", "b"),
        ("category=deep", "b"),
        ("org=SIBLING", "c"),
        ("org=DISTRICT", "ab"),
    ],
)
def test_it_filters_the_list(tree, several, client_of, query, expected):
    query = query.replace("SIBLING", tree.sibling_district.code).replace("DISTRICT", tree.district.code)
    response = client_of("ancestor").get(f"/hardship/archives/?{query}")
    listed = {a.pk for a in response.context["object_list"]}
    assert listed == {several["abc".index(k)].pk for k in expected}
    assert response.context["page_obj"].paginator.count == len(expected)


def test_it_searches_by_number_name_and_member_number(several, client_of):
    a, b, _c = several
    client = client_of("own")
    for q in (a.number, a.person.name, a.membership.member_no):
        listed = [x.pk for x in client.get("/hardship/archives/", {"q": q}).context["object_list"]]
        assert listed == [a.pk], q


def test_it_shows_counts_by_status(several, client_of):
    response = client_of("own").get("/hardship/archives/")
    assert ("applied", "本人申请", 1) in [(s, str(label), n) for s, label, n in response.context["counts"]]
    assert "共 2 户" in response.content.decode()


def test_it_reports_an_org_outside_the_scope_as_a_filter_error(tree, several, client_of):
    response = client_of("own").get("/hardship/archives/", {"org": tree.sibling_district.code})
    assert list(response.context["object_list"]) == []
    assert "不在您的管理范围内" in response.content.decode()


def test_it_lists_with_a_constant_number_of_queries(tree, lines, clock, client_of):
    client = client_of("own")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/hardship/archives/").status_code == 200
        return len(ctx.captured_queries)

    create(make_member(tree.grassroots))
    few = count()
    for _ in range(4):
        create(make_member(tree.grassroots))
    assert count() == few


def test_it_shows_the_work_queues_with_a_constant_number_of_queries(tree, lines, clock, client_of):
    client = client_of("own")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/hardship/", {"queue": "awaiting_visit"})
        return len(ctx.captured_queries), response

    create(make_member(tree.grassroots))
    few, _r = count()
    for _ in range(3):
        create(make_member(tree.grassroots))
    many, response = count()
    assert many == few
    counts = {q["name"]: q["count"] for q in response.context["queues"]}
    assert counts["awaiting_visit"] == 4


# --- work queues -------------------------------------------------------------------------------------


def test_it_shows_each_queue_with_its_rows(tree, lines, clock, client_of, hp):
    waiting = create(make_member(tree.grassroots))
    in_notice = to_state(create(make_member(tree.grassroots)), S.NOTICE, clock)
    actions.do_log_objection(acting_user=None, archive=in_notice, text="收入不实", objector="同事")
    client = client_of("own")
    response = client.get("/hardship/")
    counts = {q["name"]: q["count"] for q in response.context["queues"]}
    assert counts["awaiting_visit"] == 1 and counts["notices_running"] == 1 and counts["open_objections"] == 1
    assert [a.pk for a in client.get("/hardship/?queue=awaiting_visit").context["object_list"]] == [waiting.pk]
    body = client.get("/hardship/?queue=open_objections").content.decode()
    assert in_notice.number in body and "收入不实" in body
    sibling = client_of("sibling").get("/hardship/")
    assert all(q["count"] == 0 for q in sibling.context["queues"])
    assert client.get("/hardship/?queue=bogus").status_code == 404


# --- the archive form ----------------------------------------------------------------------------------


def create_data(member, **kw) -> dict:
    data = {
        "a-member_no": member.member_no,
        "a-origin": "applied",
        "a-health": "chronic",
        "a-illness": "糖尿病",
        "a-employment": "",
        "a-monthly_income": "1000",
        "a-housing": "租房",
        "a-address": "南山区某街道1号",
        "h-TOTAL_FORMS": "3",
        "h-INITIAL_FORMS": "0",
        "h-MIN_NUM_FORMS": "0",
        "h-MAX_NUM_FORMS": "15",
        "h-0-relation": "child",
        "h-0-name": next_name(),
        "h-0-doc_type": "resident_id",
        "h-0-doc_number": next_id(born=dt.date(2010, 5, 1)),
        "h-0-health": "good",
        "h-0-schooling": "junior",
        "h-1-doc_type": "resident_id",
        "h-1-health": "good",
        "h-2-doc_type": "resident_id",
        "h-2-health": "good",
        "f-year": str(actions._today().year - 1),
        "f-income_wages": "12000",
        "c-primary_cause": "illness",
        "c-level": "district",
        "c-person_name": NAMED,
        "c-reason": "本人申请，本人患慢性病",
    }
    data.update(kw)
    return data


def test_it_shows_the_archive_form_in_the_order_of_the_national_table(member, client_of):
    body = client_of("own").get("/hardship/archives/new/").content.decode()
    sections = ["一、困难职工基本情况", "二、家庭成员", "三、家庭收入与刚性支出", "四、致困原因、困难类别与建档标准"]
    positions = [body.index(s) for s in sections]
    assert positions == sorted(positions)
    fields = ['name="a-member_no"', 'name="h-0-relation"', 'name="f-year"', 'name="c-primary_cause"', 'name="c-level"']
    positions = [body.index(f) for f in fields]
    assert positions == sorted(positions)


def test_it_refuses_the_archive_form_without_hardship_change(member, client_of, tree, client_for):
    assert client_of("outsider").get("/hardship/archives/new/").status_code == 403
    viewer = make_staff("h-finance", tree.district, roles=("finance",))
    assert client_for(viewer).post("/hardship/archives/new/", create_data(member)).status_code == 403
    assert HardshipArchive.objects.count() == 0


@pytest.mark.parametrize("persona", ALLOWED)
def test_it_creates_an_archive_with_household_and_means_test(member, lines, clock, client_of, persona, hp):
    response = client_of(persona).post("/hardship/archives/new/", create_data(member))
    assert response.status_code == 302, response.context and [
        (n, f.errors) for n in ("form", "causes", "finances") for f in [response.context[n]]
    ]
    archive = HardshipArchive.objects.get(person=member.person)
    assert response["Location"] == url(archive)
    assert archive.status == S.APPLIED
    assert archive.household_size == 2
    # 12000 / 12 / 2 = 500 < 1000: 深度困难, and the reason says why.
    assert archive.per_capita == Decimal("500.00")
    assert archive.category == "deep"
    own_row = archive.household.get(relation="self")
    assert own_row.health == "chronic" and own_row.illness == "糖尿病"
    assert archive.housing == "租房"
    actor = getattr(hp, persona)
    assert [e.actor_id for e in entries("hardship.create")] == [actor.pk]
    assert len(entries("hardship.finances")) == 1
    page = client_of(persona).get(url(archive)).content.decode()
    assert "深度困难" in page and "低于当地低保标准" in page


def test_it_overrides_the_category_only_with_a_written_reason(member, lines, clock, client_of):
    client = client_of("own")
    before = table_state()
    response = client.post("/hardship/archives/new/", create_data(member, **{"c-category": "accident"}))
    assert response.status_code == 200
    assert "人工认定困难类别须填写理由" in str(response.context["causes"].errors)
    assert table_state() == before
    response = client.post(
        "/hardship/archives/new/",
        create_data(member, **{"c-category": "accident", "c-override_reason": "家中突发火灾，经调查属实"}),
    )
    assert response.status_code == 302
    archive = HardshipArchive.objects.get(person=member.person)
    assert archive.category == "accident" and archive.category_overridden
    assert archive.computed_category == "deep"
    assert archive.override_reason == "家中突发火灾，经调查属实"
    assert len(entries("hardship.category_override")) == 1


@pytest.mark.parametrize(
    "change, form_name, field, message",
    [
        ({"h-0-doc_number": "440305201005011234"}, "household", "doc_number", ""),
        ({"a-member_no": "4400000000999999"}, "form", "member_no", "找不到该会员证号"),
        ({"c-primary_cause": ""}, "causes", "primary_cause", ""),
        ({"c-level": "national"}, "causes", "level", "请从列表中选择建档标准"),
        ({"f-income_wages": "-5"}, "finances", "income_wages", ""),
        ({"f-year": ""}, "finances", "year", "收支年度"),
        ({"c-secondary_cause": "illness"}, "causes", "secondary_cause", "不能重复"),
    ],
)
def test_it_shows_errors_and_writes_nothing_on_bad_input(
    member, lines, clock, client_of, change, form_name, field, message
):
    before = table_state()
    response = client_of("own").post("/hardship/archives/new/", create_data(member, **change))
    assert response.status_code == 200
    form = response.context[form_name]
    if form_name == "household":
        errors = form.forms[0].errors
    else:
        errors = form.errors
    assert field in errors, dict(errors)
    assert message in " ".join(errors[field])
    assert table_state() == before


def test_it_rolls_the_archive_back_when_the_means_test_cannot_run(member, lines, clock, client_of):
    """No 低保 line for the year: the archive itself is not kept either."""
    SubsistenceLine.objects.filter(year=actions._today().year - 1).delete()
    before = table_state()
    response = client_of("own").post("/hardship/archives/new/", create_data(member))
    assert response.status_code == 200
    assert "低保标准" in " ".join(
        response.context["finances"].errors.get("__all__", [])
        + response.context["form"].errors.get("division_code", [])
    )
    assert table_state() == before


def test_it_refuses_a_member_outside_the_users_scope(tree, lines, clock, client_of):
    futian = make_member(tree.sibling_grassroots)
    before = table_state()
    response = client_of("own").post("/hardship/archives/new/", create_data(futian))
    assert "不在您的管理范围内" in " ".join(response.context["form"].errors["member_no"])
    assert table_state() == before


def test_it_refuses_a_person_already_in_another_archive(member, lines, clock, client_of, tree):
    first = create(member)
    other = make_member(tree.grassroots)
    taken = first.household.exclude(relation="self").first()
    from gonghui.core import crypto
    from gonghui.people.actions import DOC_PURPOSE

    number = crypto.decrypt(bytes(taken.doc_cipher), DOC_PURPOSE)
    before = table_state()
    response = client_of("own").post("/hardship/archives/new/", create_data(other, **{"h-0-doc_number": number}))
    assert response.status_code == 200
    assert "另一户困难职工档案" in response.content.decode()
    assert table_state() == before


def test_it_looks_up_the_worker_by_member_number_within_the_scope(member, tree, client_of):
    body = client_of("own").get("/hardship/archives/member/", {"member_no": member.member_no}).content.decode()
    assert member.person.name in body and member.person.doc_masked in body
    body = client_of("sibling").get("/hardship/archives/member/", {"member_no": member.member_no}).content.decode()
    assert member.person.name not in body and "找不到" in body


# --- the household page and its steps ----------------------------------------------------------------


def test_it_offers_the_steps_the_state_machine_allows(archive, client_of, clock):
    client = client_of("own")
    assert set(step_slugs(client.get(url(archive)))) == {"visit", "finances", "household", "reject"}
    archived = to_state(archive, S.ARCHIVED, clock)
    slugs = set(step_slugs(client.get(url(archived))))
    assert {"monthly", "review-start", "exit", "relieve", "remove", "plan", "visit", "check"} <= slugs
    assert not {"approve", "review", "notice", "reject", "relapse"} & slugs


def test_it_hides_and_refuses_approval_to_a_user_below_the_approving_union(tree, member, lines, clock, client_of):
    """A 地市级 archive is approved by 深圳市: the 南山区 officer prepares it, the city approves it."""
    archive = to_state(create(member, level="city"), S.NOTICE, clock)
    clock.advance(30)
    own = client_of("own")
    assert "approve" not in step_slugs(own.get(url(archive)))
    before = table_state()
    assert own.post(url(archive, "approve"), {"person_name": NAMED, "reason": "同意"}).status_code == 403
    assert table_state() == before
    ancestor = client_of("ancestor")
    assert "approve" in step_slugs(ancestor.get(url(archive)))
    response = ancestor.post(url(archive, "approve"), {"person_name": NAMED, "reason": "公示无异议，同意建档"})
    assert response.status_code == 302
    assert reload(archive).status == S.ARCHIVED


def test_it_takes_a_household_from_application_to_approval(archive, client_of, clock, hp):
    client = client_of("own")
    today = clock.today.isoformat()
    r = post_step(
        client, archive, "visit", {"visited_on": today, "visitors": "王帮扶、李干事", "findings": "两口之家，本人患病"}
    )
    assert r.status_code == 302 and r["Location"] == url(archive)
    assert reload(archive).status == S.VISITED
    r = post_step(
        client,
        archive,
        "finances",
        {"year": str(today[:4] and clock.today.year - 1), "income_wages": "12000", "reason": "登记上年度收支"},
    )
    assert r.status_code == 302
    for kind in DataCheck.Kind.values:
        r = post_step(client, archive, "check", {"kind": kind, "result": "none_found", "source": "区数据共享平台"})
        assert r.status_code == 302, all_errors(r)
    assert reload(archive).status == S.CHECKED
    assert post_step(client, archive, "review", {"reason": "情况属实"}).status_code == 302
    r = post_step(client, archive, "notice", {"place": "公司公告栏", "working_days": "5", "reason": "审核通过，公示"})
    assert r.status_code == 302 and reload(archive).status == S.NOTICE
    # An objection while the notice runs; approval is refused until it ends and the objection is resolved.
    r = client.post(url(archive, "objection"), {"text": "其家属有经营收入", "objector": "匿名"})
    assert r.status_code == 302
    objection = NoticeObjection.objects.get()
    page = client.get(url(archive))
    assert "resolve" in step_slugs(page) and "approve" not in step_slugs(page)
    before = table_state()
    r = post_step(client, archive, "approve", {"reason": "同意"})
    assert "公示期" in all_errors(r)
    assert table_state() == before
    r = post_step(
        client,
        archive,
        "resolve",
        {"objection": str(objection.pk), "outcome": "dismissed", "resolution": "经核实无经营收入"},
    )
    assert r.status_code == 302 and reload(objection).is_resolved
    clock.set(actions.current_notice(archive).ends_on + dt.timedelta(days=1))
    assert "approve" in step_slugs(client.get(url(archive)))
    r = post_step(client, archive, "approve", {"reason": "公示期满，异议不成立，同意建档"})
    assert r.status_code == 302
    archive = reload(archive)
    assert archive.status == S.ARCHIVED and archive.archived_on == clock.today
    assert [e.actor_id for e in entries("hardship.approve")] == [hp.own.pk]
    timeline = client.get(url(archive)).context["timeline"]
    titles = [i.title for i in timeline]
    for expected in ("入户调查", "公示", "公示异议", "公示中 → 在档", "本人申请 → 已入户调查"):
        assert any(expected in t for t in titles), (expected, titles)


@pytest.mark.parametrize(
    "step, data, field, message",
    [
        ("visit", {"visited_on": "", "visitors": "王", "findings": "x"}, "visited_on", ""),
        ("visit", {"visited_on": "2999-01-01", "visitors": "王", "findings": "x"}, "visited_on", "不能晚于今天"),
        ("visit", {"visited_on": "TODAY", "visitors": "", "findings": "x"}, "visitors", ""),
        (
            "visit",
            {"visited_on": "TODAY", "visitors": "王", "findings": "x", "latitude": "22.5"},
            "longitude",
            "同时填写",
        ),
        ("check", {"kind": "property", "result": "none_found", "source": "x"}, "status", ""),
        ("review", {"reason": ""}, "reason", ""),
        ("reject", {"reason": "  "}, "reason", ""),
        ("finances", {"year": "1999", "reason": "x"}, "year", ""),
        ("category", {"category": "deep", "reason": ""}, "reason", ""),
    ],
)
def test_it_shows_step_errors_and_writes_nothing(archive, client_of, clock, step, data, field, message):
    data = {k: (clock.today.isoformat() if v == "TODAY" else v) for k, v in data.items()}
    before = table_state()
    response = post_step(client_of("own"), archive, step, data)
    errors = form_errors(response)
    assert errors, step
    if field != "status" and field != "__all__":
        assert field in errors, errors
        assert message in " ".join(errors[field])
    assert table_state() == before


def test_it_refuses_a_transition_the_state_forbids_with_the_state_named(archive, client_of):
    before = table_state()
    response = post_step(client_of("own"), archive, "review", {"reason": "越级审核"})
    assert "本人申请" in all_errors(response)
    assert response.context["blocked"]
    assert table_state() == before


def test_it_attaches_a_photo_to_a_visit_and_serves_it_in_scope_only(archive, client_of, clock):
    client = client_of("own")
    photo = SimpleUploadedFile("家里.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    response = client.post(
        url(archive, "visit"),
        {"visited_on": clock.today.isoformat(), "visitors": "王帮扶", "findings": "住房简陋", "attachment": photo},
    )
    assert response.status_code == 302
    row = VisitAttachment.objects.get()
    assert "家里" not in row.file.name
    download = client.get(f"{url(archive)}attachments/{row.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8\xff\xe0fakejpeg"
    assert client_of("sibling").get(f"{url(archive)}attachments/{row.pk}/").status_code == 404
    assert client_of("ancestor").get(f"{url(archive)}attachments/{row.pk}/").status_code == 200


def test_it_refuses_a_bad_attachment_and_keeps_no_visit(archive, client_of, clock):
    before = table_state()
    bad = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    response = client_of("own").post(
        url(archive, "visit"),
        {"visited_on": clock.today.isoformat(), "visitors": "王", "findings": "x", "attachment": bad},
    )
    assert "只能上传" in " ".join(form_errors(response)["attachment"])
    assert table_state() == before
    assert HomeVisit.objects.count() == 0


def test_it_runs_the_after_archiving_steps(archive, client_of, clock):
    archive = to_state(archive, S.ARCHIVED, clock)
    client = client_of("own")
    month = clock.today.replace(day=1).isoformat()
    r = client.post(url(archive, "monthly"), {"month": month, "household_income": "5000"})
    assert r.status_code == 302
    r = client.post(url(archive, "monthly"), {"month": month, "household_income": "5000"})
    assert "已登记" in all_errors(r)
    due = (clock.today + dt.timedelta(days=30)).isoformat()
    r = post_step(
        client,
        archive,
        "plan",
        {"measure": "job_referral", "description": "推荐爱心岗位", "owner": "李干事", "due_on": due},
    )
    assert r.status_code == 302
    measure = archive.plan.get()
    r = post_step(client, archive, "plan-update", {"measure": str(measure.pk), "status": "done", "outcome": "已上岗"})
    assert r.status_code == 302 and reload(measure).status == "done"
    r = post_step(client, archive, "exit", {"reason": "收入稳定"})
    assert r.status_code == 302 and reload(archive).status == S.EXITED
    assert set(step_slugs(client.get(url(archive)))) == {"relapse", "follow-up"}
    r = client.post(
        url(archive, "follow-up"),
        {"called_on": clock.today.isoformat(), "caller": "李干事", "stable": "on", "notes": "生活稳定"},
    )
    assert r.status_code == 302
    r = post_step(client, archive, "relapse", {"reason": "再次患病"})
    assert r.status_code == 302 and reload(archive).status == S.RELAPSED


def test_it_removes_with_a_reason_from_the_list(archive, client_of, clock):
    archive = to_state(archive, S.ARCHIVED, clock)
    client = client_of("ancestor")
    r = post_step(client, archive, "remove", {"reason": "已办理退休"})
    assert "removal_reason" in form_errors(r)
    r = post_step(client, archive, "remove", {"removal_reason": "retired", "reason": "已办理退休"})
    assert r.status_code == 302
    archive = reload(archive)
    assert archive.status == S.REMOVED and archive.removal_reason == "retired"


def test_it_confirms_or_declines_a_proposed_exit(archive, client_of, clock):
    archive = to_state(archive, S.ARCHIVED, clock)
    HardshipArchive.objects.filter(pk=archive.pk).update(exit_proposed_on=clock.today)
    client = client_of("own")
    page = client.get(url(archive))
    assert "系统建议脱困" in page.content.decode()
    assert {"exit", "decline-exit"} <= set(step_slugs(page))
    r = post_step(client, archive, "decline-exit", {"reason": "子女仍在读大学，支出较大"})
    assert r.status_code == 302 and reload(archive).exit_proposed_on is None
    assert "decline-exit" not in step_slugs(client.get(url(archive)))


def test_it_shows_the_detail_page_with_a_constant_number_of_queries(archive, client_of, clock):
    client = client_of("own")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(archive)).status_code == 200
        return len(ctx.captured_queries)

    actions.do_record_visit(acting_user=None, archive=archive, visited_on=clock.today, visitors="王", findings="一")
    few = count()
    for n in range(3):
        actions.do_record_visit(
            acting_user=None, archive=archive, visited_on=clock.today, visitors="王", findings=str(n)
        )
    actions.do_add_household_member(acting_user=None, archive=archive, data=child(), person_name=NAMED, reason="新增")
    assert count() == few


# --- statistics ---------------------------------------------------------------------------------------


def test_it_shows_subtree_statistics_that_reconcile_with_the_rows(tree, lines, clock, client_of):
    to_state(create(make_member(tree.grassroots), primary_cause="illness"), S.ARCHIVED, clock)
    to_state(create(make_member(tree.grassroots), primary_cause="disability"), S.EXITED, clock)
    to_state(create(make_member(tree.grassroots)), S.REMOVED, clock)
    to_state(create(make_member(tree.grassroots)), S.RELAPSED, clock)
    create(make_member(tree.sibling_grassroots))
    response = client_of("ancestor").get(f"/hardship/stats/{tree.district.code}/")
    assert response.status_code == 200
    ctx = response.context
    assert (
        ctx["stats"]["archived_total"]
        == HardshipArchive.objects.filter(
            org_path__startswith=tree.district.path, status__in=["archived", "under_review"]
        ).count()
        == 1
    )
    assert ctx["exited"] == 1 and ctx["removed"] == 1 and ctx["stats"]["relapses"] == 1
    assert dict(ctx["by_cause"]) == {"因病": 1}
    assert dict(ctx["removed_by_reason"]) == {"退休": 1}
    city = client_of("ancestor").get(f"/hardship/stats/{tree.city.code}/").context
    assert sum(n for _l, n in city["by_status"]) == HardshipArchive.objects.count() == 5


@pytest.mark.parametrize("persona, status", [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_statistics_page(tree, archive, client_of, persona, status):
    assert client_of(persona).get(f"/hardship/stats/{tree.district.code}/").status_code == status


def test_it_shows_statistics_of_the_users_own_subtree_by_default(tree, archive, client_of):
    assert client_of("own").get("/hardship/stats/").context["org"] == tree.district
    assert client_of("outsider").get("/hardship/stats/").status_code == 403


def test_it_links_the_statistics_from_the_org_page(tree, client_of):
    body = client_of("own").get(f"/orgs/{tree.district.code}/").content.decode()
    assert f"/hardship/stats/{tree.district.code}/" in body


# --- money on the screens (aid_queries) ----------------------------------------------------------------

from gonghui.hardship.tests.test_aid_queries import fp, paid_world  # noqa: E402, F401  (fixtures)


def test_it_shows_payments_on_the_queues_timeline_and_statistics(tree, hp, fp, paid_world, client_for):  # noqa: F811
    waiting = paid_world["waiting"]
    checker = client_for(fp.own)
    response = checker.get("/hardship/", {"queue": "payments_to_approve"})
    counts = {q["name"]: q["count"] for q in response.context["queues"]}
    assert counts["payments_to_approve"] == 1
    assert [d.pk for d in response.context["object_list"]] == [waiting.pk]
    body = response.content.decode()
    assert waiting.account_masked in body
    paid = paid_world["approved"][0]
    page = client_for(hp.own).get(url(paid.application.archive))
    assert "payment" in {i.kind for i in page.context["timeline"]}
    assert "帮扶发放：金秋助学" in page.content.decode()
    stats = client_for(hp.own).get(f"/hardship/stats/{tree.district.code}/").context
    from gonghui.hardship import aid_queries

    assert dict(stats["aid_paid"]) == aid_queries.aid_paid_by_programme(hp.own, tree.district)
    assert sum(r["count"] for _n, r in stats["aid_paid"]) == 3
