"""`gonghui recount`: counters rebuilt from the membership rows, drift reported, --fix repairs (audited)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from gonghui.core.models import AuditEntry
from gonghui.members.actions import do_apply_join, do_approve_join, do_leave
from gonghui.members.management.commands.recount import find_drift
from gonghui.orgs.models import Org
from gonghui.people.identity import synthetic_id


def join(org, n: int, *, gig: bool = False):
    work = {"worker_type": "gig", "gig_subtype": "delivery", "platform": "美团"} if gig else {}
    application = do_apply_join(
        acting_user=None,
        person_data={"name": "测试会员", "doc_number": synthetic_id("440305", dt.date(1990, 1, 1), n)},
        work=work,
        channel="staff",
        org=org,
    )
    return do_approve_join(acting_user=None, application=application)


@pytest.fixture
def members(tree):
    joined = [join(tree.grassroots, n) for n in range(1, 4)]
    joined.append(join(tree.sibling_grassroots, 4, gig=True))
    do_leave(acting_user=None, membership=join(tree.grassroots, 5), reason="本人申请")
    return joined


def recount(*args) -> tuple[int, list[dict]]:
    out = io.StringIO()
    try:
        call_command("recount", *args, stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_finds_no_drift_in_a_clean_database(members):
    code, lines = recount()
    assert code == 0
    assert lines == [{"orgs_checked": Org.objects.count(), "orgs_with_drift": 0, "fixed": False}]
    assert not AuditEntry.objects.filter(action="org.recount_fix").exists()


def test_it_counts_current_memberships_as_the_actions_do(tree, members):
    tree.grassroots.refresh_from_db()
    assert (tree.grassroots.member_count, tree.grassroots.gig_member_count) == (3, 0)  # the leaver is not counted
    tree.sibling_grassroots.refresh_from_db()
    assert tree.sibling_grassroots.gig_member_count == 1
    assert find_drift()[0] == []


def test_it_reports_a_tampered_counter_and_exits_1(tree, members):
    Org.objects.filter(pk=tree.grassroots.pk).update(member_count=F("member_count") + 5)
    code, lines = recount()
    assert code == 1
    assert lines[0]["org"] == tree.grassroots.code
    assert lines[0]["fields"] == {"member_count": [8, 3]}
    assert lines[-1]["orgs_with_drift"] == 1
    Org.objects.filter(pk=tree.grassroots.pk).update(member_count=3)
    assert recount()[0] == 0


def test_it_fixes_own_counters_and_subtree_totals_with_an_audit_entry(tree, members):
    Org.objects.filter(pk=tree.grassroots.pk).update(verified_member_count=0)
    Org.objects.filter(pk=tree.city.pk).update(sub_members=999)
    before = {o.pk: (o.sub_members, o.sub_verified_members) for o in Org.objects.all()}
    code, lines = recount("--fix")
    assert code == 0
    assert {line["org"] for line in lines[:-1]} == {tree.grassroots.code, tree.city.code}
    assert lines[-1] == {"orgs_checked": Org.objects.count(), "orgs_with_drift": 2, "fixed": True}
    tree.grassroots.refresh_from_db()
    tree.city.refresh_from_db()
    assert tree.grassroots.verified_member_count == 3
    assert tree.city.sub_members == before[tree.district.pk][0] + before[tree.sibling_district.pk][0] == 4
    entry = AuditEntry.objects.get(action="org.recount_fix")
    assert entry.actor_label == "system"
    assert entry.after["orgs_fixed"] == 2
    assert entry.before[tree.city.code] == {"sub_members": 999}
    assert entry.after["correct"][tree.city.code] == {"sub_members": 4}
    assert recount() == (0, [{"orgs_checked": Org.objects.count(), "orgs_with_drift": 0, "fixed": False}])


def test_it_recounts_one_subtree_and_carries_the_fix_to_the_ancestors(tree, members):
    # A counter lost its update at the grassroots union: own counter and every total above are short by one.
    grassroots = Org.objects.get(pk=tree.grassroots.pk)
    Org.objects.filter(pk__in=[int(p) for p in grassroots.path.split(".") if p]).update(
        sub_members=F("sub_members") - 1
    )
    Org.objects.filter(pk=grassroots.pk).update(member_count=2)
    code, lines = recount("--org", tree.sibling_district.code)
    assert code == 0 and lines[-1]["orgs_checked"] == 2
    code, lines = recount("--org", tree.street.code)
    assert code == 1
    assert {line["org"] for line in lines[:-1]} == {tree.street.code, tree.grassroots.code}
    code, lines = recount("--org", tree.street.code, "--fix")
    assert code == 0
    # The street's totals went up by one, and so did those of the district, city and province.
    assert find_drift()[0] == []


def test_it_refuses_an_unknown_org(db):
    with pytest.raises(CommandError, match="no org"):
        call_command("recount", "--org", "nope", stdout=io.StringIO())


def test_it_prints_a_table(tree, members):
    Org.objects.filter(pk=tree.grassroots.pk).update(gig_member_count=7)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recount", "--format", "table", stdout=out)
    text = out.getvalue()
    assert tree.grassroots.code in text and "gig_member_count" in text and "1 with drift" in text


def test_it_counts_with_a_fixed_number_of_queries(tree, members, django_assert_max_num_queries):
    for n in range(6, 16):
        join(tree.street, n)
    with django_assert_max_num_queries(2):
        drift, checked = find_drift()
    assert drift == [] and checked == Org.objects.count()
