"""Console pages: four personas on every view, the list's query count, the editor's errors, plaque, stats."""

import io

import pytest
from django.urls import reverse

from gonghui.stations.models import ChecklistTemplate, Station
from gonghui.stations.tests.conftest import make_station, station_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(tree):
    return make_station(tree.district)


def pages(station, tree):
    return [
        reverse("stations:detail", args=[station.code]),
        reverse("stations:edit", args=[station.code]),
        reverse("stations:status", args=[station.code, "paused"]),
        reverse("stations:plaque", args=[station.code]),
        reverse("stations:inspect", args=[station.code]),
        reverse("stations:stats", args=[tree.district.code]),
        reverse("stations:stats", args=[tree.district.code]) + "?format=xlsx",
        reverse("stations:create") + f"?org={tree.district.code}",
        reverse("stations:import") + f"?org={tree.district.code}",
    ]


def test_it_shows_every_page_to_own_and_ancestor_and_hides_it_from_the_others(station, tree, personas, client_for):
    for _label, user in personas.allowed():
        client = client_for(user)
        for url in pages(station, tree):
            assert client.get(url).status_code == 200, url
    for label, user in personas.refused():
        client = client_for(user)
        for url in pages(station, tree):
            assert client.get(url).status_code == 404, (label, url)


def test_it_lists_only_stations_in_scope_with_few_queries(tree, personas, client_for, django_assert_max_num_queries):
    for i in range(5):
        make_station(tree.district, name=f"南山站{i}")
    make_station(tree.sibling_district, name="福田站", division_code="440304")
    client = client_for(personas.own)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("stations:list"))
    text = response.content.decode()
    assert "南山站4" in text and "福田站" not in text
    assert "福田站" in client_for(personas.ancestor).get(reverse("stations:list")).content.decode()
    assert "南山站" not in client_for(personas.sibling).get(reverse("stations:list")).content.decode()
    assert "南山站" not in client_for(personas.outsider).get(reverse("stations:list")).content.decode()
    filtered = client.get(reverse("stations:list"), {"q": "南山站3", "kind": "outdoor", "status": "running"})
    assert "南山站3" in filtered.content.decode() and "南山站4" not in filtered.content.decode()


def test_it_creates_and_edits_through_the_editor_with_field_errors(tree, personas, client_for):
    client = client_for(personas.own)
    url = reverse("stations:create") + f"?org={tree.district.code}"
    data = {**station_data(), "kind": "", "facilities": ["hot_water"], "coord": "wgs84", "status": "running"}
    data["kind"] = str(Station._meta.get_field("kind").related_model.objects.get(code="outdoor").pk)
    bad = {**data, "division_code": "99"}
    response = client.post(url, bad)
    assert response.status_code == 200 and "行政区划代码" in response.content.decode()
    assert not Station.objects.exists()
    response = client.post(url, data)
    station = Station.objects.get()
    assert response.status_code == 302 and response["Location"] == station.get_absolute_url()
    edit = reverse("stations:edit", args=[station.code])
    response = client.post(edit, {**data, "name": "改过的名字", "hours": "每天 07:00-22:00"})
    station.refresh_from_db()
    assert station.name == "改过的名字" and station.hours["1"] == ["07:00-22:00"]


def test_it_changes_status_records_investments_and_inspections(station, personas, client_for):
    client = client_for(personas.own)
    response = client.post(reverse("stations:status", args=[station.code, "paused"]), {"reason": ""})
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    client.post(reverse("stations:status", args=[station.code, "paused"]), {"reason": "装修"})
    station.refresh_from_db()
    assert station.status == "paused"
    client.post(reverse("stations:invest", args=[station.code]), {"amount": "5000.00", "source": "union", "year": 2025})
    assert station.investments.get().amount == 5000
    template = ChecklistTemplate.objects.get()
    answers = {f"item_{i['code']}": "yes" for i in template.items}
    answers["item_toilet"] = "no"
    response = client.post(
        reverse("stations:inspect", args=[station.code]), {"template": template.pk, "on": "2026-01-05", **answers}
    )
    assert response.status_code == 302
    follow_up = station.follow_ups.get()
    client.post(reverse("stations:follow_up_done", args=[follow_up.pk]), {"resolution": "已修好"})
    follow_up.refresh_from_db()
    assert follow_up.status == "done"


def test_it_refuses_writes_from_the_sibling(station, personas, client_for):
    client = client_for(personas.sibling)
    assert client.post(reverse("stations:status", args=[station.code, "paused"]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("stations:invest", args=[station.code]), {"amount": "1"}).status_code == 404
    station.refresh_from_db()
    assert station.status == "running" and not station.investments.exists()


def test_it_prints_a_plaque_with_the_code_and_a_qr_to_the_public_page(station, personas, client_for):
    text = client_for(personas.own).get(reverse("stations:plaque", args=[station.code]) + "?size=a5").content.decode()
    assert station.code in text and "<svg" in text and "plaque-a5" in text


def test_it_counts_stations_per_org_of_the_subtree_and_exports_xlsx(tree, personas, client_for):
    from openpyxl import load_workbook

    make_station(tree.district)
    make_station(tree.sibling_district, division_code="440304", kind="gig")
    client = client_for(personas.ancestor)
    text = client.get(reverse("stations:stats", args=[tree.city.code])).content.decode()
    assert "南山区总工会" in text and "福田区总工会" in text
    data = client.get(reverse("stations:stats", args=[tree.city.code]) + "?format=xlsx").content
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 2


def test_it_imports_an_uploaded_list_and_shows_row_errors(tree, personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "名称,类型,地址,行政区划代码,经度,纬度\n"
    url = reverse("stations:import") + f"?org={tree.district.code}"
    client = client_for(personas.own)
    bad = SimpleUploadedFile("s.csv", (header + "甲站,太空站,某路,440305,113.9,22.5\n").encode())
    text = client.post(url, {"file": bad, "org": tree.district.code}).content.decode()
    assert "站点类型“太空站”不存在" in text and not Station.objects.exists()
    good = SimpleUploadedFile("s.csv", (header + "乙站,零工驿站,某路,440305,113.9,22.5\n").encode("gbk"))
    text = client.post(url, {"file": good, "org": tree.district.code}).content.decode()
    assert "已导入" in text and Station.objects.get().name == "乙站"
    other = SimpleUploadedFile("s.csv", (header + "丙站,零工驿站,某路,440305,113.9,22.5\n").encode())
    response = client_for(personas.sibling).post(url, {"file": other, "org": tree.district.code})
    assert response.status_code == 404 and Station.objects.count() == 1
