"""The programme editor (new programme, rules as rows, stop/resume), the 集中公示 of several
applications from the list, and the statistics page's aid paid against the ledger, with the four
personas (帮扶专员 hp, 财务 fp: own = 南山区, ancestor = 深圳市, sibling = 福田区, outsider = no grant):
each form runs one action, errors land on the row and field at fault, nothing is written on bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from gonghui.hardship import aid
from gonghui.hardship.models_aid import AidApplication, AidProgramme, Disbursement, LedgerEntry
from gonghui.hardship.tests.aid_helpers import (
    apply,
    approve,
    archived_household,
    budget,
    entries,
    finance_personas,
    money_state,
    propose,
    seed_programmes,
    student,
)
from gonghui.members.tests.helpers import make_member

A, D = AidApplication.Status, Disbursement.Status
NEW = "/hardship/aid/programmes/new/"


@pytest.fixture(autouse=True)
def _mid_year(clock):
    clock.set(dt.date(clock.today.year, 3, 2))


@pytest.fixture
def fp(tree):
    return finance_personas(tree)


@pytest.fixture
def autumn(tree):
    return seed_programmes(tree)["autumn_education"]


@pytest.fixture
def household(member, lines, clock):
    return archived_household(member, clock)


def errors(response) -> str:
    """Every error message on the page's forms and formsets (rows included)."""
    assert response.status_code == 200, response.status_code
    ctx = response.context
    out = []
    for key in ("form", "rules_form"):
        if ctx.get(key) is not None:
            out += [str(m) for msgs in ctx[key].errors.values() for m in msgs]
    for key in ("amounts", "exclusions"):
        if ctx.get(key) is not None:
            out += [str(m) for row in ctx[key].errors for msgs in row.values() for m in msgs]
            out += [str(m) for m in ctx[key].non_form_errors()]
    for msgs in (ctx.get("rule_errors") or {}).values():
        out += [str(m) for m in msgs]
    return " ".join(out)


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def new_programme(tree, **changes) -> dict:
    data = {
        "p-org": tree.district.code,
        "p-code": "grad_aid",
        "p-name": "困难职工子女升学补助",
        "p-kind": "other",
        "p-beneficiary": "household_member",
        "p-requires_notice": "on",
        "p-notice_working_days": "5",
        "r-flags": "aided_elsewhere, military_academy",
        **formset(
            "amt",
            [
                {"label": "在档·本科", "amount": "4000", "archived": "yes", "schooling": ["university"]},
                {"label": "在档·高中", "amount": "2500", "archived": "yes", "schooling": ["senior", "vocational"]},
                {},  # an empty row left as it was
            ],
        ),
        **formset(
            "exc",
            [{"code": "elsewhere", "label": "本年度已获同类资助", "declared": "aided_elsewhere"}, {}],
        ),
    }
    data.update(changes)
    return data


def page_data(response) -> dict:
    """The edit page's forms as a browser would post them back untouched."""
    data = {}
    ctx = response.context
    for bound in ctx["rules_form"]:
        data[bound.html_name] = bound.value() or ""
    for key in ("amounts", "exclusions"):
        fs = ctx[key]
        for bound in fs.management_form:
            data[bound.html_name] = bound.value()
        for form in fs:
            for bound in form:
                value = bound.value()
                if value is None or value is False:
                    continue
                data[bound.html_name] = value
    return data


# --- new programme -----------------------------------------------------------------------------------------


def test_it_creates_a_programme_from_readable_rows(tree, hp, client_for):
    response = client_for(hp.own).post(NEW, new_programme(tree))
    programme = AidProgramme.objects.get(code="grad_aid")
    assert response.status_code == 302 and response.url == f"/hardship/aid/programmes/{programme.pk}/"
    assert programme.org == tree.district and programme.flags == ["aided_elsewhere", "military_academy"]
    assert programme.amount_rules == [
        {"label": "在档·本科", "when": {"archived": True, "schooling": "university"}, "amount": "4000.00"},
        {"label": "在档·高中", "when": {"archived": True, "schooling": ["senior", "vocational"]}, "amount": "2500.00"},
    ]
    assert programme.exclusion_rules == [
        {"code": "elsewhere", "label": "本年度已获同类资助", "when": {"aided_elsewhere": True}}
    ]
    (entry,) = entries("hardship.programme_create")
    assert entry.actor == hp.own
    page = client_for(hp.own).get(response.url).content.decode()
    assert "在读阶段：本科" in page and "4000.00" in page and "调整资助标准" in page


def test_it_keeps_the_order_given_to_the_amount_rows(tree, hp, client_for):
    data = new_programme(tree, **{"amt-0-ORDER": "2", "amt-1-ORDER": "1"})
    assert client_for(hp.own).post(NEW, data).status_code == 302
    labels = [r["label"] for r in AidProgramme.objects.get(code="grad_aid").amount_rules]
    assert labels == ["在档·高中", "在档·本科"]


@pytest.mark.parametrize(
    ("changes", "text", "where"),
    [
        ({"amt-1-amount": "-3"}, "0", ("amounts", 1, "amount")),
        ({"amt-0-amount": ""}, "必填", ("amounts", 0, "amount")),
        ({"amt-1-label": ""}, "必填", ("amounts", 1, "label")),
        ({"amt-0-declared": "no_such_flag"}, "no_such_flag", ("amounts", 0, "declared")),
        ({"exc-0-declared": ""}, "至少设置一个条件", ("exclusions", 0, "__all__")),
        ({"exc-0-code": "Bad Code"}, "规则代码", ("exclusions", 0, "code")),
        ({"r-flags": "ok_flag Bad!"}, "Bad!", ("rules_form", None, "flags")),
        ({"p-code": "X"}, "项目代码", ("form", None, "code")),
        ({"p-org": "NOPE"}, "找不到该组织代码", ("form", None, "org")),
        ({"p-kind": ""}, "必填", ("form", None, "kind")),
    ],
)
def test_it_shows_a_bad_row_on_that_row_and_writes_nothing(tree, hp, client_for, changes, text, where):
    before = money_state()
    response = client_for(hp.own).post(NEW, new_programme(tree, **changes))
    assert text in errors(response)
    key, row, field = where
    target = response.context[key] if row is None else response.context[key].forms[row]
    assert text in " ".join(target.errors[field])
    assert money_state() == before


def test_it_refuses_two_exclusions_with_one_code(tree, hp, client_for):
    data = new_programme(
        tree, **{"exc-1-code": "elsewhere", "exc-1-label": "重复", "exc-1-declared": "military_academy"}
    )
    before = money_state()
    assert "规则代码重复" in errors(client_for(hp.own).post(NEW, data))
    assert money_state() == before


def test_it_refuses_a_programme_code_already_used_at_the_org(tree, hp, client_for, autumn):
    before = money_state()
    assert "已有代码" in errors(client_for(hp.own).post(NEW, new_programme(tree, **{"p-code": autumn.code})))
    assert money_state() == before


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 200), ("outsider", 403)])
def test_it_offers_the_new_programme_form_to_approvers_only(hp, client_for, who, status):
    assert client_for(getattr(hp, who)).get(NEW).status_code == status


def test_it_refuses_the_new_programme_form_to_finance(fp, client_for):
    assert client_for(fp.own).get(NEW).status_code == 403


@pytest.mark.parametrize(("who", "created"), [("ancestor", True), ("sibling", False)])
def test_it_creates_only_at_an_org_the_approver_holds(tree, hp, client_for, who, created):
    before = money_state()
    response = client_for(getattr(hp, who)).post(NEW, new_programme(tree))
    assert AidProgramme.objects.filter(code="grad_aid").exists() is created
    if not created:
        assert "找不到该组织代码" in errors(response)
        assert money_state() == before


# --- edit rules --------------------------------------------------------------------------------------------------


def rules_url(programme) -> str:
    return f"/hardship/aid/programmes/{programme.pk}/rules/"


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_rule_editor(hp, client_for, autumn, who, status):
    assert client_for(getattr(hp, who)).get(rules_url(autumn)).status_code == status


def test_it_refuses_the_rule_editor_to_finance(fp, client_for, autumn):
    assert client_for(fp.own).get(rules_url(autumn)).status_code == 403
    before = money_state()
    assert client_for(fp.own).post(rules_url(autumn), {}).status_code == 403
    assert money_state() == before


def test_it_shows_the_stored_rules_as_rows_and_saves_them_back_unchanged(hp, client_for, autumn):
    c = client_for(hp.own)
    page = c.get(rules_url(autumn))
    html = page.content.decode()
    assert "在档困难职工家庭·大学" in html and 'value="military_academy"' in html
    amounts = page.context["amounts"]
    assert amounts.forms[0]["schooling"].value() == ["college", "university", "postgraduate"]
    assert amounts.forms[2]["declared"].value() == "temporary_hardship"
    assert amounts.forms[2]["archived"].value() == "no"
    data = page_data(page)
    data["r-reason"] = "核对，不作改动"
    before = AidProgramme.objects.values("amount_rules", "exclusion_rules", "flags").get(pk=autumn.pk)
    assert c.post(rules_url(autumn), data).status_code == 302
    after = AidProgramme.objects.values("amount_rules", "exclusion_rules", "flags").get(pk=autumn.pk)
    assert after == before
    assert len(entries("hardship.programme_rules")) == 1


def test_it_changes_an_amount_and_drops_an_exclusion_for_later_applications(
    hp, client_for, autumn, member, household, tree, clock
):
    earlier = apply(autumn, member, user=hp.own, household_member=student(household))
    c = client_for(hp.own)
    data = page_data(c.get(rules_url(autumn)))
    data.update({"amt-0-amount": "6000.00", "exc-0-DELETE": "on", "r-reason": "市总工会2025年标准调整"})
    assert c.post(rules_url(autumn), data).status_code == 302
    autumn.refresh_from_db()
    assert autumn.amount_rules[0]["amount"] == "6000.00"
    assert [r["code"] for r in autumn.exclusion_rules] == ["free_teacher_training", "aided_elsewhere"]
    (entry,) = entries("hardship.programme_rules")
    assert entry.reason == "市总工会2025年标准调整"
    earlier.refresh_from_db()
    assert earlier.amount == Decimal("5000.00")  # applications already made keep their amount
    other = archived_household(make_member(tree.grassroots), clock)
    clock.set(dt.date(clock.today.year, 3, 2))
    later = apply(
        autumn, other.membership, user=hp.own, household_member=student(other), flags={"military_academy": True}
    )
    assert later.amount == Decimal("6000.00")  # the dropped exclusion no longer refuses it


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"amt-0-amount": "0"}, "金额应大于0"),
        ({"exc-1-declared": "not_a_flag"}, "not_a_flag"),
        ({"r-reason": ""}, "必填"),
        ({"amt-0-DELETE": "on", "amt-1-DELETE": "on", "amt-2-DELETE": "on", "amt-3-DELETE": "on"}, "至少设置一条"),
    ],
)
def test_it_refuses_bad_rule_edits_and_writes_nothing(hp, client_for, autumn, changes, text):
    c = client_for(hp.own)
    data = page_data(c.get(rules_url(autumn)))
    data.update({"r-reason": "调整", **changes})
    before = money_state()
    assert text in errors(c.post(rules_url(autumn), data))
    assert money_state() == before


def test_it_stops_and_resumes_a_programme(hp, client_for, autumn):
    c = client_for(hp.own)
    url = f"/hardship/aid/programmes/{autumn.pk}/active/"
    before = money_state()
    assert "必填" in " ".join(str(e) for e in c.post(url, {"reason": ""}).context["form"].errors["reason"])
    assert money_state() == before
    assert c.post(url, {"reason": "年度资金用完"}).status_code == 302
    autumn.refresh_from_db()
    assert autumn.active is False
    assert "已停止" in c.get("/hardship/aid/programmes/").content.decode()
    assert c.post(url, {"reason": "追加资金"}).status_code == 302
    autumn.refresh_from_db()
    assert autumn.active is True
    assert len(entries("hardship.programme_active")) == 2


@pytest.mark.parametrize(("who", "status"), [("own", 200), ("ancestor", 200), ("sibling", 404), ("outsider", 404)])
def test_it_scopes_the_stop_form(hp, client_for, autumn, who, status):
    assert client_for(getattr(hp, who)).get(f"/hardship/aid/programmes/{autumn.pk}/active/").status_code == status


# --- 集中公示: several applications at once ----------------------------------------------------------------------


@pytest.fixture
def checked(hp, autumn, tree, lines, clock):
    """Three checked applications of three households under 南山区."""
    out = []
    for _i in range(3):
        archive = archived_household(make_member(tree.grassroots), clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        a = apply(autumn, archive.membership, user=hp.own, household_member=student(archive))
        out.append(aid.do_check_application(acting_user=hp.own, application=a, person_name="王帮扶", reason="属实"))
    return out


@pytest.mark.parametrize(("who", "boxes"), [("own", True), ("ancestor", True), ("sibling", False)])
def test_it_offers_checkboxes_for_applications_ready_for_notice(hp, client_for, checked, who, boxes):
    page = client_for(getattr(hp, who)).get("/hardship/aid/applications/").content.decode()
    assert (f'name="applications" value="{checked[0].pk}"' in page) is boxes
    assert ("集中公示所选申请" in page) is boxes


def test_it_puts_several_applications_on_notice_together(hp, client_for, checked):
    c = client_for(hp.own)
    first, second, third = checked
    form = c.get(f"/hardship/aid/applications/notice/?applications={first.pk}&applications={second.pk}")
    assert form.status_code == 200 and form.context["form"].initial["applications"] == [str(first.pk), str(second.pk)]
    r = c.post(
        "/hardship/aid/applications/notice/",
        {"applications": [first.pk, second.pk], "place": "工会公告栏及微信群", "working_days": 5},
    )
    assert r.status_code == 302 and r.url == "/hardship/aid/applications/?status=notice"
    rows = {a.pk: a for a in AidApplication.objects.all()}
    assert rows[first.pk].status == rows[second.pk].status == A.NOTICE
    assert rows[first.pk].notice_ends_on == rows[second.pk].notice_ends_on is not None
    assert rows[first.pk].notice_place == "工会公告栏及微信群"
    assert rows[third.pk].status == A.CHECKED
    assert len(entries("hardship.aid_notice")) == 2


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"place": ""}, "必填"),
        ({"applications": []}, "必填"),
        ({"starts_on": "2000-01-01"}, "不能早于今天"),
        ({"working_days": "31"}, "30"),
        ({"applications": ["999999"]}, "不在可用的选项中"),
    ],
)
def test_it_refuses_a_bad_batch_notice_and_writes_nothing(hp, client_for, checked, data, text):
    form = {"applications": [a.pk for a in checked], "place": "公告栏", "working_days": 5}
    form.update(data)
    before = money_state()
    response = client_for(hp.own).post("/hardship/aid/applications/notice/", form)
    assert response.status_code == 200
    assert text in " ".join(str(m) for msgs in response.context["form"].errors.values() for m in msgs)
    assert money_state() == before


def test_it_does_not_offer_another_subtrees_applications_for_notice(hp, client_for, checked):
    before = money_state()
    response = client_for(hp.sibling).post(
        "/hardship/aid/applications/notice/", {"applications": [checked[0].pk], "place": "公告栏"}
    )
    assert "不在可用的选项中" in " ".join(str(m) for m in response.context["form"].errors["applications"])
    assert money_state() == before


def test_it_refuses_the_batch_notice_without_hardship_change(hp, fp, client_for):
    assert client_for(hp.outsider).get("/hardship/aid/applications/notice/").status_code == 403
    assert client_for(fp.own).get("/hardship/aid/applications/notice/").status_code == 403


def test_it_lists_checkable_applications_in_constant_queries(hp, autumn, client_for, tree, lines, clock):
    c = client_for(hp.own)

    def add():
        archive = archived_household(make_member(tree.grassroots), clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        a = apply(autumn, archive.membership, user=hp.own, household_member=student(archive))
        aid.do_check_application(acting_user=hp.own, application=a, person_name="王帮扶", reason="属实")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    add()
    one = count("/hardship/aid/applications/"), count("/hardship/aid/applications/notice/")
    add()
    add()
    assert (count("/hardship/aid/applications/"), count("/hardship/aid/applications/notice/")) == one


# --- statistics: aid paid after reconciliation equals the ledger ---------------------------------------------------


def test_it_shows_aid_paid_on_the_stats_page_equal_to_the_ledger_rows(hp, fp, client_for, autumn, tree, lines, clock):
    budget(tree.district, autumn, user=fp.own)
    payments = []
    for _i in range(3):
        archive = archived_household(make_member(tree.grassroots), clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        application = approve(apply(autumn, archive.membership, user=hp.own, household_member=student(archive)), clock)
        clock.set(dt.date(clock.today.year, 3, 2))
        payment = propose(application, user=hp.own)
        payments.append(aid.do_approve_disbursement(acting_user=fp.own, disbursement=payment, note=""))
    batch = aid.do_create_batch(acting_user=hp.own, org=tree.district, disbursements=payments)
    failed = payments[2]
    assert client_for(fp.own).post(f"/hardship/aid/batches/{batch.pk}/bank-file/").status_code == 200
    r = client_for(fp.own).post(f"/hardship/aid/batches/{batch.pk}/reconcile/", {"failed": f"{failed.pk} 账户已销户"})
    assert r.status_code == 302

    paid = LedgerEntry.objects.filter(disbursement__status=D.PAID, disbursement__org_path__startswith=tree.city.path)
    ledger_total = paid.aggregate(t=Sum("amount"))["t"]
    assert ledger_total == Decimal("10000.00")  # two paid; the failed one drawn and reversed, not counted

    for who, code in (("own", tree.district.code), ("ancestor", tree.city.code)):
        response = client_for(getattr(fp, who)).get(f"/hardship/stats/{code}/")
        assert response.status_code == 200
        shown = dict(response.context["aid_paid"])
        assert shown == {autumn.name: {"count": 2, "amount": ledger_total}}
        assert "10000.00" in response.content.decode()
    # The sibling's subtree shows nothing of it, and cannot open 南山区's figures.
    assert client_for(fp.sibling).get(f"/hardship/stats/{tree.district.code}/").status_code == 404
    assert dict(client_for(fp.sibling).get("/hardship/stats/").context["aid_paid"]) == {}
