"""The demo stations: placed in their districts, the rider's nearest one first, loaded once."""

import pytest

from gonghui.demo.stations import CENTRES, PER_DISTRICT, RIDER_POINT, seed_demo
from gonghui.stations import geo, search
from gonghui.stations.models import Station

pytestmark = pytest.mark.django_db


def test_it_places_stations_in_their_districts_and_puts_one_beside_the_rider(tree):
    created = seed_demo()
    assert created == 1 + 2 * PER_DISTRICT  # the test tree has 南山区 and 福田区
    for station in Station.objects.all():
        centre = CENTRES[station.division_code]
        assert geo.haversine_m(station.lat, station.lon, *centre) < 12_000
    assert Station.objects.filter(status="paused").exists() and Station.objects.filter(status="planned").exists()
    nearest = search.nearest(*RIDER_POINT, 3)
    assert nearest[0].station.name == "科技园户外劳动者服务站" and nearest[0].distance_m < 400
    assert seed_demo() == 0
