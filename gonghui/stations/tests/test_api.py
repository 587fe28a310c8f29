"""GET /api/v1/stations/nearest (public) and GET /api/v1/stations (scoped, four personas)."""

import pytest

from gonghui.stations import geo
from gonghui.stations.tests.conftest import NANSHAN, make_station

pytestmark = pytest.mark.django_db
URL = "/api/v1/stations/nearest"


@pytest.fixture
def three(tree):
    near = make_station(tree.district, name="近站")
    far = make_station(tree.district, name="远站", lat=NANSHAN[0] + 0.05, facilities=["wifi"], kind="gig")
    closed = make_station(tree.district, name="夜里关门站", lat=NANSHAN[0] + 0.01, hours="周一 00:00-00:01")
    return near, far, closed


def test_it_answers_the_nearest_in_wgs84(client, three):
    near, far, closed = three
    body = client.get(URL, {"lat": NANSHAN[0], "lon": NANSHAN[1], "k": 3}).json()
    assert body["coord"] == "wgs84"
    assert [i["code"] for i in body["items"]] == [near.code, closed.code, far.code]
    first = body["items"][0]
    assert set(first) == {"code", "name", "kind", "lat", "lon", "distance_m", "facilities", "open_now", "address"}
    assert first["distance_m"] == 0 and first["open_now"] is True and first["kind"] == "户外劳动者服务站"
    assert first["facilities"] == ["热水", "充电", "卫生间"] and first["lat"] == pytest.approx(NANSHAN[0])


def test_it_filters_by_kind_facility_and_open_now(client, three):
    near, far, closed = three
    point = {"lat": NANSHAN[0], "lon": NANSHAN[1]}
    assert [i["code"] for i in client.get(URL, {**point, "kind": "gig"}).json()["items"]] == [far.code]
    assert [i["code"] for i in client.get(URL, {**point, "facility": "wifi"}).json()["items"]] == [far.code]
    codes = [i["code"] for i in client.get(URL, {**point, "open_now": "true"}).json()["items"]]
    assert closed.code not in codes and near.code in codes


def test_it_takes_and_answers_gcj02(client, three):
    near = three[0]
    g_lat, g_lon = geo.wgs_to_gcj(*NANSHAN)
    body = client.get(URL, {"lat": g_lat, "lon": g_lon, "k": 1, "coord": "gcj02"}).json()
    item = body["items"][0]
    assert body["coord"] == "gcj02" and item["code"] == near.code and item["distance_m"] == 0
    assert item["lat"] == pytest.approx(g_lat, abs=1e-6) and item["lon"] == pytest.approx(g_lon, abs=1e-6)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 95, "lon": 113}, "lat"),
        ({"lat": 22, "lon": -200}, "lat"),
        ({"lon": 113}, "lat"),
        ({"lat": "abc", "lon": 113}, "lat"),
        ({"lat": 22, "lon": 113, "k": 51}, "k"),
        ({"lat": 22, "lon": 113, "k": 0}, "k"),
        ({"lat": 22, "lon": 113, "coord": "mars"}, "coord"),
    ],
)
def test_it_answers_bad_coordinates_with_a_clear_422(client, db, params, field):
    response = client.get(URL, params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_it_never_answers_stations_that_are_not_running(client, tree):
    from gonghui.stations.actions import do_change_station_status
    from gonghui.stations.tests.conftest import SYSTEM

    station = make_station(tree.district)
    make_station(tree.district, status="planned")
    do_change_station_status(acting_user=SYSTEM, station=station, status="paused", reason="装修")
    assert client.get(URL, {"lat": NANSHAN[0], "lon": NANSHAN[1]}).json()["items"] == []


def test_it_scopes_the_station_list_to_the_four_personas(tree, personas, api_for):
    station = make_station(tree.district)
    for _label, user in personas.allowed():
        body = api_for(user).get("/api/v1/stations").json()
        assert [i["code"] for i in body["items"]] == [station.code]
        assert body["items"][0]["status_label"] == "运行"
    for _label, user in personas.refused():
        assert api_for(user).get("/api/v1/stations").json()["items"] == []
    from django.test import Client

    assert Client().get("/api/v1/stations").status_code == 401
