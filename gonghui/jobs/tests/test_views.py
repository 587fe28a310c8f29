"""Console pages: the four personas on every page (own and ancestor see it, outsider and sibling get
404 or an empty list), the actions through the pages, and the board's fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from gonghui.jobs import actions_apply, actions_fairs
from gonghui.jobs.models import Application, JobPost
from gonghui.jobs.tests.helpers import SYSTEM, me, reload
from gonghui.members.tests.helpers import make_member

pytestmark = pytest.mark.django_db


def _pages(world, fair, follow_up):
    post, employer, application = world["post"], world["employer"], world["application"]
    return [
        reverse("jobs:post", args=[post.pk]),
        reverse("jobs:board", args=[post.pk]),
        reverse("jobs:poster", args=[post.pk]),
        reverse("jobs:employer", args=[employer.pk]),
        reverse("jobs:fair", args=[fair.pk]),
        reverse("jobs:hire", args=[application.pk]),
        reverse("jobs:follow_up", args=[follow_up.pk]),
    ]


@pytest.fixture
def fair(tree):
    return actions_fairs.do_create_fair(
        acting_user=SYSTEM,
        org=tree.district,
        data={
            "title": "南山区零工招聘会",
            "venue": "南山区职工服务中心",
            "starts_at": timezone.now(),
            "ends_at": timezone.now() + timezone.timedelta(hours=4),
            "live_url": "https://live.example.cn/nanshan",
        },
    )


@pytest.fixture
def follow_up(tree, world):
    other = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(other), post=world["post"], membership=other)
    actions_apply.do_move_application(acting_user=SYSTEM, application=application, status="offered")
    placement = actions_apply.do_hire(
        acting_user=SYSTEM, application=application, start_date=timezone.localdate(), wage="220", wage_unit="day"
    )
    return placement.follow_ups.get(months=1)


def test_it_shows_every_page_to_own_and_ancestor_and_404_to_outsider_and_sibling(
    tree, personas, client_for, world, fair, follow_up
):
    pages = _pages(world, fair, follow_up)
    for _name, user in personas.allowed():
        client = client_for(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
    for _name, user in personas.refused():
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user.username, url)


def test_lists_show_the_subtree_only(tree, personas, client_for, world, fair, follow_up):
    lists = {
        reverse("jobs:posts"): world["post"].title,
        reverse("jobs:employers"): world["employer"].name,
        reverse("jobs:fairs"): fair.title,
        reverse("jobs:placements"): "外卖骑手",
    }
    for _name, user in personas.allowed():
        client = client_for(user)
        for url, text in lists.items():
            assert text in client.get(url).content.decode(), (user.username, url)
    for _name, user in personas.refused():
        client = client_for(user)
        for url, text in lists.items():
            response = client.get(url)
            assert response.status_code == 200 and text not in response.content.decode(), (user.username, url)


def test_stats_and_xlsx_by_persona(tree, personas, client_for, world, follow_up):
    url = reverse("jobs:stats_org", args=[tree.district.code])
    xlsx = reverse("jobs:stats_xlsx", args=[tree.district.code])
    for _name, user in personas.allowed():
        client = client_for(user)
        page = client.get(url).content.decode()
        assert 'id="placements-total">1<' in page
        response = client.get(xlsx)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    for _name, user in personas.refused():
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).get(xlsx).status_code == 404


def test_talent_pool_is_searched_by_staff_of_the_members_subtree_only(tree, personas, client_for, world):
    from gonghui.jobs.tests.helpers import give_skill

    member = world["member"]
    give_skill(member, "叉车驾驶", "四级/中级工")
    actions_fairs.do_join_talent_pool(
        acting_user=me(member), membership=member, availability="now", job_types=["gig_daily"]
    )
    url = reverse("jobs:talent") + "?skill=叉车驾驶&level=五级/初级工"
    for _name, user in personas.allowed():
        assert member.member_no in client_for(user).get(url).content.decode()
    assert member.member_no not in client_for(personas.sibling).get(url).content.decode()
    assert client_for(personas.outsider).get(url).status_code == 403
    assert (
        member.member_no not in client_for(personas.own).get(url.replace("五级/初级工", "二级/技师")).content.decode()
    )
    actions_fairs.do_leave_talent_pool(acting_user=me(member), membership=member)
    assert member.member_no not in client_for(personas.own).get(url).content.decode()


def test_staff_move_an_application_to_hired_through_the_pages(personas, client_for, world):
    client = client_for(personas.own)
    application = world["application"]
    response = client.post(reverse("jobs:application_move", args=[application.pk]), {"status": "offered"})
    assert response.status_code == 302 and reload(application).status == "offered"
    response = client.post(
        reverse("jobs:hire", args=[application.pk]),
        {"start_date": "", "wage": "220", "wage_unit": "day"},
    )
    assert response.status_code == 200 and reload(application).status == "offered"  # field error, nothing written
    response = client.post(
        reverse("jobs:hire", args=[application.pk]),
        {"start_date": timezone.localdate().isoformat(), "wage": "220", "wage_unit": "day"},
    )
    assert response.status_code == 302 and reload(application).status == "hired"
    sibling = client_for(personas.sibling).post(
        reverse("jobs:application_move", args=[application.pk]), {"status": "viewed"}
    )
    assert sibling.status_code == 404


def test_the_post_review_flow_and_a_below_minimum_wage_form(tree, personas, client_for, world):
    client = client_for(personas.own)
    data = {
        "employer": world["employer"].pk,
        "org": tree.district.pk,
        "title": "仓库见习生",
        "job_type": "trainee",
        "description": "见习三个月",
        "skills": "叉车驾驶：五级/初级工",
        "openings": 5,
        "wage_min": "1800",
        "wage_max": "2000",
        "wage_unit": "month",
        "lat": 22.54,
        "lon": 113.93,
        "division_code": "440305",
        "deadline": (timezone.localdate() + timezone.timedelta(days=20)).isoformat(),
    }
    response = client.post(reverse("jobs:post_create"), data)
    assert response.status_code == 200 and "2520" in response.content.decode()
    assert not JobPost.objects.filter(title="仓库见习生").exists()
    data["wage_min"], data["wage_max"] = "2600", "3000"
    response = client.post(reverse("jobs:post_create"), data)
    post = JobPost.objects.get(title="仓库见习生")
    assert response.status_code == 302 and post.skills == [{"name": "叉车驾驶", "level": "五级/初级工"}]
    client.post(reverse("jobs:post_action", args=[post.pk, "submit"]))
    assert "仓库见习生" in client.get(reverse("jobs:posts") + "?status=in_review").content.decode()
    client_for(personas.ancestor).post(reverse("jobs:post_action", args=[post.pk, "publish"]))
    assert reload(post).status == "published"


def test_the_board_has_a_fixed_number_of_queries_and_no_id_numbers(
    tree, personas, client_for, world, django_assert_max_num_queries
):
    from gonghui.core.testing import make_staff
    from gonghui.jobs.models import Employer

    post = world["post"]
    for _ in range(6):
        m = make_member(tree.grassroots)
        actions_apply.do_apply(acting_user=me(m), post=post, membership=m, share_mobile=True)
    contact = make_staff("employer-board", tree.district, roles=())
    Employer.objects.filter(pk=post.employer_id).update(contact_user=contact)
    client = client_for(personas.own)
    url = reverse("jobs:board", args=[post.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    member = world["member"]
    assert member.member_no not in page and member.person.mobile[3:] not in page  # masked unless consented
    page = client_for(contact).get(url).content.decode()
    assert Application.objects.filter(post=post).count() == 7
    for application in Application.objects.filter(post=post).select_related("membership__person"):
        person = application.membership.person
        assert person.doc_masked not in page and person.doc_masked[-4:] not in page
        assert (person.mobile[3:] in page) == application.share_mobile
