"""Issue 18 point 3: the 帮扶申请 form — Chinese labels for the declared situations, the worker found
by name/pinyin/mobile as in the member search (scoped), the household filled from the worker's
archive, an empty document number named as such, and a refusal that names the remaining steps."""

from __future__ import annotations

import pytest

from gonghui.hardship.models_aid import AidApplication
from gonghui.hardship.tests.aid_helpers import archived_household, seed_programmes, student
from gonghui.hardship.tests.helpers import create, to_state
from gonghui.hardship.tests.test_views_aid import _mid_year, errors  # noqa: F401 (_mid_year: autouse fixture)

pytestmark = pytest.mark.django_db
URL = "/hardship/aid/applications/new/"


@pytest.fixture
def programmes(tree):
    return seed_programmes(tree)


def test_it_shows_the_declared_situations_by_their_chinese_names(hp, client_for, programmes):
    response = client_for(hp.own).get(URL)
    labels = [str(label) for _code, label in response.context["form"].fields["flags"].choices]
    assert "免费师范生" in labels and "就读军事院校" in labels and "患大病、重病" in labels
    assert not any(code in " ".join(labels) for code in ("aided_elsewhere", "free_teacher_training", "serious_illness"))
    page = response.content.decode()
    assert ">free_teacher_training<" not in page and "免费师范生" in page


def test_it_finds_the_worker_by_name_pinyin_or_mobile_within_the_scope(hp, client_for, member, programmes):
    person = member.person
    own = client_for(hp.own)
    for q in (person.name, person.name[:1], person.name_initials, person.mobile[-11:]):
        body = own.get(f"{URL}members/", {"q": q}).content.decode()
        assert f"?member={member.member_no}" in body, q
        assert person.doc_masked in body and "未建档" in body
    assert (
        f"?member={member.member_no}"
        not in client_for(hp.sibling).get(f"{URL}members/", {"q": person.name}).content.decode()
    )
    assert client_for(hp.outsider).get(f"{URL}members/", {"q": person.name}).status_code == 403


def test_it_fills_the_household_from_the_chosen_worker(hp, client_for, member, lines, clock, programmes):
    household = archived_household(member, clock)
    kid = student(household)
    response = client_for(hp.own).get(URL, {"member": member.member_no})
    form = response.context["form"]
    assert form["member_no"].value() == member.member_no
    assert [value for value, _label in form.fields["household_member"].choices if value] == [str(kid.pk)]
    assert form["household_member"].value() == str(kid.pk)  # the only one: chosen
    assert household.number in response.content.decode()
    response = client_for(hp.own).post(
        URL,
        {
            "programme": programmes["autumn_education"].pk,
            "member_no": member.member_no,
            "household_member": kid.pk,
            "doc_type": "resident_id",
            "year": clock.today.year,
            "reason": "子女考入大学",
        },
    )
    assert response.status_code == 302 and AidApplication.objects.get().beneficiary_name == kid.name
    # A worker outside the scope is not taken from the URL.
    assert client_for(hp.sibling).get(URL, {"member": member.member_no}).context["membership"] is None


def test_it_names_an_empty_document_number_plainly(hp, client_for, member, lines, clock, programmes):
    text = errors(
        client_for(hp.own).post(
            URL,
            {
                "programme": programmes["autumn_education"].pk,
                "member_no": member.member_no,
                "doc_type": "resident_id",
                "year": clock.today.year,
                "reason": "临时困难",
                "flags": ["temporary_hardship"],
            },
        )
    )
    assert "请填写受助人证件号码" in text and "“”" not in text
    assert not AidApplication.objects.exists()


def test_it_says_which_archive_steps_remain_for_an_archived_only_programme(
    hp, client_for, member, lines, clock, programmes
):
    winter = programmes["winter_relief"]
    form = {
        "programme": winter.pk,
        "member_no": member.member_no,
        "doc_type": "resident_id",
        "year": clock.today.year,
        "reason": "春节慰问",
    }
    assert "尚无困难职工档案，请先建档" in errors(client_for(hp.own).post(URL, form))
    fresh = create(member)
    text = errors(client_for(hp.own).post(URL, form))
    # Nothing recorded yet, not even the income (困难类别待核算): every step is named.
    assert (
        f"档案 {fresh.number} 尚未完成：登记家庭收入（困难类别待核算）、入户调查、数据核查、基层审核、公示、审批建档"
        in text
    )
    to_state(fresh, "checked", clock)
    text = errors(client_for(hp.own).post(URL, form))
    assert "尚未完成：基层审核、公示、审批建档" in text
    page = client_for(hp.own).get(URL, {"member": member.member_no}).content.decode()
    assert "档案尚未完成" in page and "基层审核、公示、审批建档" in page
    assert not AidApplication.objects.exists()
