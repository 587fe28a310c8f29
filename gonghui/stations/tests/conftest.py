"""Station fixtures: a station in 南山区 (the personas' own subtree) and a member who visits it."""

import pytest

from gonghui.core.actionkit import Actor
from gonghui.stations.actions import do_create_station

SYSTEM = Actor.system("tests")
NANSHAN = (22.5333, 113.9305)  # WGS-84, 南山区


def station_data(**overrides):
    data = {
        "name": "南山科技园户外劳动者服务站",
        "kind": "outdoor",
        "host": "招商银行科技园支行",
        "address": "深圳市南山区科技南十二路",
        "division_code": "440305",
        "lat": NANSHAN[0],
        "lon": NANSHAN[1],
        "facilities": ["hot_water", "charging", "toilet"],
        "hours": "每天 00:00-24:00",
        "contact_phone": "0755-26000000",
        "status": "running",
    }
    data.update(overrides)
    return data


def make_station(org, **overrides):
    return do_create_station(acting_user=SYSTEM, org=org, data=station_data(**overrides))


@pytest.fixture
def station(tree):
    return make_station(tree.district)


@pytest.fixture
def person(db):
    return make_person()


def make_person(mobile="13800000999", doc_number="440305199001010018"):
    from gonghui.people.actions import get_or_create_person

    person, _created = get_or_create_person(
        acting_user=None,
        data={"name": "张三", "doc_type": "resident_id", "doc_number": doc_number, "mobile": mobile},
    )
    return person


def member_actor(person):
    return Actor.member(person.pk, "张*")
