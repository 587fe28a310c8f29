"""Statistics for a subtree and period: on-time and satisfaction rates, repeat calls not counted,
wages recovered, mediation success; Excel export; personas; fixed query count."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse

from gonghui.appeals import actions
from gonghui.appeals.stats import appeal_stats
from gonghui.appeals.sweep import sweep
from gonghui.appeals.tests.helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(tree, clock, operator, handlers):
    on_time = register(operator, tree.province, request_type="consultation")
    actions.do_resolve(acting_user=operator, appeal=on_time, result="已解答", amount_recovered="1000")
    actions.do_record_satisfaction(acting_user=operator, appeal=on_time, satisfaction="satisfied")
    register(operator, tree.province, request_type="consultation")  # a repeat call: merged, not counted
    late = register(operator, tree.province, request_type="consultation", topic="hours", channel="wechat")
    clock.set(dt.date(2025, 10, 13))
    sweep()
    actions.do_resolve(acting_user=operator, appeal=late, result="已处理")
    actions.do_record_satisfaction(
        acting_user=operator, appeal=late, satisfaction="dissatisfied", dissatisfaction_reason="policy"
    )
    case = actions.do_open_mediation(acting_user=operator, appeal=on_time)
    actions.do_close_mediation(acting_user=operator, case=case, outcome="mediated", amount_recovered="5000")
    return on_time, late


def test_it_computes_the_headline_figures(tree, figures):
    stats = appeal_stats(tree.province, dt.date(2025, 9, 1), dt.date(2025, 10, 31))
    assert stats.received == 2 and stats.repeat_calls == 1
    assert (stats.resolved, stats.resolved_on_time, stats.on_time_rate) == (2, 1, 50.0)
    assert (stats.rated, stats.satisfied, stats.satisfaction_rate) == (2, 1, 50.0)
    assert stats.supervised == 1 and stats.open_overdue == 0
    assert stats.wages_recovered == Decimal("1000.00")
    assert stats.mediation_success_rate == 100.0 and stats.mediation_recovered == Decimal("5000.00")
    assert dict(stats.by_channel) == {"12351热线": 1, "微信": 1}
    assert stats.average_days is not None and stats.average_days > 0
    assert appeal_stats(tree.sibling_district, dt.date(2025, 9, 1), dt.date(2025, 10, 31)).received == 0


def test_it_shows_and_exports_the_figures_to_the_subtree_only(tree, figures, operator, handlers, client_for):
    from openpyxl import load_workbook

    url = reverse("appeals:stats") + f"?org={tree.province.code}&start=2025-09-01&end=2025-10-31"
    page = client_for(operator).get(url)
    assert page.status_code == 200 and "50.0%" in page.content.decode()
    export = client_for(operator).get(url + "&format=xlsx")
    book = load_workbook(BytesIO(export.content))
    values = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert values["按期办结率(%)"] == 50.0 and values["重复来电"] == 1
    assert client_for(handlers["district"]).get(url).status_code == 404  # the province is above the district


def test_it_computes_in_a_fixed_number_of_queries(tree, figures, django_assert_num_queries):
    with django_assert_num_queries(10):
        appeal_stats(tree.province, dt.date(2025, 9, 1), dt.date(2025, 10, 31))
