"""Issue 18 point 2: missing finances are not zero — no household income recorded is 待核算, never 深度困难."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from gonghui.hardship import actions, rules
from gonghui.hardship.models import HardshipArchive
from gonghui.hardship.states import ArchiveStatus as S
from gonghui.hardship.tests.helpers import NAMED, all_checks, create, finances, reload, table_state, visit
from gonghui.hardship.tests.test_views import create_data

pytestmark = pytest.mark.django_db


def no_income(archive, expenses=()):
    return actions.do_record_finances(
        acting_user=None,
        archive=archive,
        year=actions._today().year - 1,
        incomes=[],
        expenses=[{"kind": k, "amount": a} for k, a in expenses],
        person_name=NAMED,
        reason="只登记了支出",
    )


def test_it_rates_no_recorded_income_as_pending_not_deep():
    result = rules.categorise(annual_income=None, rigid_expenses=Decimal("0"), household_size=2, line=Decimal("1000"))
    assert result.pending and result.category == "" and result.per_capita is None
    assert "待核算" in result.reason
    # A recorded income of 0 is a figure: it is classified.
    zero = rules.categorise(annual_income=Decimal("0"), rigid_expenses=Decimal("0"), household_size=2, line=1000)
    assert zero.category == "deep" and not zero.pending


def test_it_gives_no_category_to_a_member_earning_2100_with_the_household_section_empty(member, lines, clock):
    archive = actions.do_create_archive(
        acting_user=None,
        membership=member,
        origin="applied",
        level="district",
        primary_cause="illness",
        household=[{"relation": "self", "monthly_income": "2100"}],
        person_name=NAMED,
        reason="本人申请",
    )
    archive = no_income(archive, expenses=[("medical", "3000")])
    assert archive.category == "" and archive.computed_category == ""
    assert archive.category_pending and archive.category_text == "待核算"
    assert archive.per_capita is None and archive.annual_income is None
    assert "待核算" in archive.category_reason
    # Nothing downstream treats it as classified: review is refused, naming what is missing.
    visit(archive)
    all_checks(archive)
    archive = reload(archive)
    assert archive.status == S.CHECKED
    before = table_state()
    with pytest.raises(ValidationError) as e:
        actions.do_review(acting_user=None, archive=archive, person_name=NAMED, reason="情况属实")
    assert "待核算" in str(e.value) and "家庭收入" in str(e.value)
    with pytest.raises(ValidationError) as e:
        actions.do_override_category(acting_user=None, archive=archive, category="deep", person_name=NAMED, reason="x")
    assert "待核算" in str(e.value)
    assert table_state() == before
    # Once an income is recorded the means test runs: 2100×12 / 12 / 1 = 2100 ≥ 2×1000 — no category, not pending.
    archive = finances(reload(archive), income="25200")
    assert not archive.category_pending and archive.category == "" and archive.category_text == "不符合认定条件"
    archive = finances(reload(archive), income="6000")
    assert archive.category == "deep" and archive.category_text == "深度困难"


def test_it_does_not_rate_an_archive_made_on_the_form_without_amounts(member, lines, clock, client_for, hp):
    data = create_data(member, **{"f-income_wages": "", "a-monthly_income": "2100"})
    for key in ("h-0-relation", "h-0-name", "h-0-doc_number", "h-0-schooling"):
        data.pop(key)  # the household section left empty
    response = client_for(hp.own).post("/hardship/archives/new/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    archive = HardshipArchive.objects.get(person=member.person)
    assert archive.category == "" and archive.category_pending
    page = client_for(hp.own).get(response["Location"]).content.decode()
    assert "待核算" in page and "深度困难" not in page


def test_it_migrates_archives_rated_from_a_missing_income(member, lines, clock):
    archive = create(member)
    archive = no_income(archive)
    # What the old code stored: income 0 → 深度困难.
    HardshipArchive.objects.filter(pk=archive.pk).update(
        annual_income=0, per_capita=0, category="deep", computed_category="deep", category_reason="家庭人均月收入0.00元"
    )
    migration = __import__("gonghui.hardship.migrations.0009_pending_category", fromlist=["forwards"])
    migration.forwards(django_apps, None)
    archive = reload(archive)
    assert archive.category == "" and archive.annual_income is None and archive.category_pending
