"""The nearby search equals a brute-force check of every post, for random points, radii and filters."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from gonghui.jobs import search
from gonghui.jobs.models import JobPost
from gonghui.jobs.models.posts import band
from gonghui.jobs.tests.helpers import make_employer, set_wage

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(tree):
    """300 posts around Shenzhen written in bulk (the search reads, the actions are tested elsewhere)."""
    set_wage()
    employer = make_employer(tree.district)
    rng = random.Random(7)
    today = timezone.localdate()
    rows = []
    for i in range(300):
        skills = rng.sample(["急救（CPR+AED）", "电工", "叉车驾驶", "育婴"], rng.randint(0, 2))
        wage = Decimal(rng.choice([3000, 4500, 6000, 8000]))
        lat = None if i % 50 == 0 else 22.3 + rng.random() * 0.5
        rows.append(
            JobPost(
                title=rng.choice(["外卖骑手", "仓库分拣", "保安", "家政服务"]) + f" {i}",
                description=rng.choice(["日结", "包吃住", "五险一金"]),
                job_type=rng.choice(["full_time", "gig_daily", "trainee"]),
                employer=employer,
                skills=[{"name": s, "level": ""} for s in skills],
                skill_names=("," + ",".join(skills) + ",") if skills else "",
                openings=2,
                wage_min=wage,
                wage_max=wage,
                wage_unit="month",
                wage_monthly=wage,
                remote=i % 50 == 0,
                lat=lat,
                lat_band=band(lat),
                lon=None if i % 50 == 0 else 113.7 + rng.random() * 0.6,
                division_code="440305",
                deadline=today + dt.timedelta(days=rng.choice([-1, 5, 30])),
                org=tree.district,
                org_path=tree.district.path,
                status=rng.choice(["published", "published", "published", "draft", "filled"]),
            )
        )
    JobPost.objects.bulk_create(rows)
    return list(JobPost.objects.all())


def test_the_distance_search_equals_brute_force(posts):
    rng = random.Random(11)
    for _ in range(25):
        query = search.Query(
            q=rng.choice(["", "骑手", "包吃住"]),
            job_type=rng.choice(["", "gig_daily"]),
            lat=22.3 + rng.random() * 0.5,
            lon=113.7 + rng.random() * 0.6,
            radius_km=rng.choice([1, 5, 15, 60]),
            skills=rng.choice([[], ["电工"], ["急救（CPR+AED）", "育婴"]]),
            wage_min=rng.choice([None, Decimal("4500")]),
        )
        got = search.search(query)
        assert list(got.ids) == search.brute_force(query, posts), query
        assert all(p.distance_m <= query.radius_km * 1000 for p in got[:20])


def test_without_a_point_the_newest_open_posts_come_first(posts):
    results = search.search(search.Query(q="保安"))
    expected = sorted(
        (p for p in posts if p.status == "published" and p.deadline >= timezone.localdate() and "保安" in p.title),
        key=lambda p: (p.published_at is None, -p.pk),
    )
    assert [p.pk for p in results[:500]] == [p.pk for p in expected]


def test_skill_match_respects_minimum_levels():
    held = [
        {"name": "电工", "level": "四级/中级工", "verified": True},
        {"name": "育婴", "level": "", "verified": False},
    ]
    met, missing = search.skill_match(
        [{"name": "电工", "level": "五级/初级工"}, {"name": "焊工", "level": ""}, {"name": "育婴", "level": ""}], held
    )
    assert met == ["电工（五级/初级工）"] and missing == ["焊工", "育婴"]
    met, missing = search.skill_match([{"name": "电工", "level": "二级/技师"}], held)
    assert missing == ["电工（二级/技师）"]
