"""附近服务 in the member portal: the nearby list (posted location, district fallback), the station page,
check-in and rating by the logged-in member; nothing personal in URLs."""

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.stations.models import CheckIn, Rating
from gonghui.stations.tests.conftest import NANSHAN, make_station

pytestmark = pytest.mark.django_db


def member_client(person) -> Client:
    client = Client()
    session = client.session
    session["member_mobile"] = person.mobile
    session["member_person_id"] = person.pk
    session.save()
    return client


def test_it_lists_the_nearest_stations_around_a_posted_location(tree, client):
    near = make_station(tree.district, name="近处驿站")
    make_station(tree.district, name="远处驿站", lat=NANSHAN[0] + 0.03)
    page = client.get(reverse("stations_portal:nearby"))
    assert page.status_code == 200 and "nearby.js" in page.content.decode()
    assert "<script>" not in page.content.decode()
    response = client.post(reverse("stations_portal:nearby"), {"lat": NANSHAN[0], "lon": NANSHAN[1]})
    text = response.content.decode()
    listing = text[text.index('<ol class="stations">') :]
    assert listing.index("近处驿站") < listing.index("远处驿站")
    assert "0 m" in text and "开放中" in text and "uri.amap.com" in text and "<svg" in text
    assert reverse("stations_portal:station", args=[near.code]) in text


def test_it_falls_back_to_a_chosen_district_and_refuses_bad_locations(tree, client):
    make_station(tree.district, name="近处驿站")
    text = client.post(reverse("stations_portal:nearby"), {"district": "440305"}).content.decode()
    assert "近处驿站" in text and "南山区总工会" in text
    text = client.post(reverse("stations_portal:nearby"), {"lat": "999", "lon": "1"}, follow=True).content.decode()
    assert "没有取得有效的位置" in text


def test_it_checks_a_member_in_once_an_hour_and_takes_a_rating(tree, person):
    station = make_station(tree.district)
    page = reverse("stations_portal:station", args=[station.code])
    anonymous = Client().get(page).content.decode()
    assert "登录后签到" in anonymous
    refused = Client().post(reverse("stations_portal:checkin", args=[station.code]))
    assert refused.status_code == 302 and "/m/login/" in refused["Location"] and not CheckIn.objects.exists()
    client = member_client(person)
    response = client.post(reverse("stations_portal:checkin", args=[station.code]), follow=True)
    assert "签到成功" in response.content.decode() and "给本次服务打分" in response.content.decode()
    again = client.post(reverse("stations_portal:checkin", args=[station.code]), follow=True)
    assert "一小时内已在本站签到过" in again.content.decode() and CheckIn.objects.count() == 1
    bad = client.post(reverse("stations_portal:rate", args=[station.code]), {"score": "9"}, follow=True)
    assert "请选择1到5星" in bad.content.decode() and not Rating.objects.exists()
    client.post(reverse("stations_portal:rate", args=[station.code]), {"score": "5", "comment": "很好"})
    rating = Rating.objects.get()
    assert rating.score == 5 and rating.person == person
    text = client.get(page).content.decode()
    assert "5.0 / 5" in text and "张*" in text and "给本次服务打分" not in text


def test_it_refuses_a_rating_without_a_visit_and_a_check_in_at_a_paused_station(tree, person):
    from gonghui.stations.actions import do_change_station_status
    from gonghui.stations.tests.conftest import SYSTEM

    station = make_station(tree.district)
    client = member_client(person)
    text = client.post(reverse("stations_portal:rate", args=[station.code]), {"score": "5"}, follow=True)
    assert "请先在本站签到" in text.content.decode()
    do_change_station_status(acting_user=SYSTEM, station=station, status="paused", reason="装修")
    text = client.get(reverse("stations_portal:station", args=[station.code])).content.decode()
    assert "暂不能签到" in text
    text = client.post(reverse("stations_portal:checkin", args=[station.code]), follow=True).content.decode()
    assert "暂不能签到" in text and not CheckIn.objects.exists()


def test_it_answers_unknown_and_revoked_stations_plainly(tree, client):
    from gonghui.stations.actions import do_change_station_status
    from gonghui.stations.tests.conftest import SYSTEM

    assert client.get(reverse("stations_portal:station", args=["NOPE"])).status_code == 404
    station = make_station(tree.district)
    do_change_station_status(acting_user=SYSTEM, station=station, status="revoked", reason="拆除")
    response = client.get(reverse("stations_portal:station", args=[station.code]))
    assert response.status_code == 410 and "已撤销" in response.content.decode()
