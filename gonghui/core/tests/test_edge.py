"""Every bad request a clean 4xx (issue 9, point 6): each of these answered 500 (or a CSRF 403) before."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import ApiToken
from gonghui.core.models import AuditEntry


def _error(response, status, code):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"].strip()
    return body["error"]


def _campaign(**changes):
    now = timezone.now()
    data = {
        "org": "440305",
        "name": "健身券",
        "kind": "fitness",
        "face_value": "50.00",
        "quota": 100,
        "claim_starts": now.isoformat(),
        "claim_ends": (now + dt.timedelta(days=7)).isoformat(),
        "valid_until": (now + dt.timedelta(days=30)).isoformat(),
        "budget": "5000.00",
    }
    data.update(changes)
    return json.dumps(data)


def test_it_answers_413_in_the_error_shape_for_an_api_body_over_the_form_limit(tree, personas, api_for):
    big = json.dumps({"parent": tree.district.code, "kind": "street", "name": "x" * (3 * 1024 * 1024)})
    _error(api_for(personas.own).post("/api/v1/orgs", big, content_type="application/json"), 413, "too_large")


def test_it_answers_413_from_the_content_length_for_api_and_console(tree, personas, api_for, client_for, settings):
    settings.GONGHUI_MAX_BODY_BYTES = 1024
    api, console = api_for(personas.own), client_for(personas.own)
    before = AuditEntry.objects.count()
    body = json.dumps({"parent": tree.district.code, "kind": "street", "name": "街道" * 600})
    _error(api.post("/api/v1/orgs", body, content_type="application/json"), 413, "too_large")
    page = console.post("/orgs/", {"name": "x" * 2000})
    assert page.status_code == 413
    assert "上传的内容过大" in page.content.decode()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("page", ["99999999999999999999999", "9223372036854775808", "0", "-1", "abc"])
def test_it_answers_422_for_a_page_out_of_range(tree, personas, api_for, page):
    _error(api_for(personas.own).get("/api/v1/orgs", {"page": page}), 422, "invalid")


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "abc", "\u4e00"])
def test_it_shows_a_console_list_for_any_page_number(tree, personas, client_for, page):
    assert client_for(personas.own).get("/orgs/", {"page": page}).status_code == 200


@pytest.mark.parametrize("change", [{"budget": "1e400"}, {"quota": 1e30}, {"face_value": "1e400"}, {"budget": 1e30}])
def test_it_answers_422_for_numbers_the_database_cannot_hold(tree, personas, api_for, change):
    api = api_for(personas.own)
    before = AuditEntry.objects.count()
    response = api.post("/api/v1/benefits/campaigns", _campaign(**change), content_type="application/json")
    _error(response, 422, "invalid")
    assert AuditEntry.objects.count() == before


def test_it_refuses_nul_characters_in_api_bodies(tree, personas, api_for):
    api = api_for(personas.own)
    before = AuditEntry.objects.count()
    body = json.dumps({"parent": tree.district.code, "kind": "street", "name": "南\x00头"})
    error = _error(api.post("/api/v1/orgs", body, content_type="application/json"), 422, "invalid")
    assert "NUL" in error["message"]
    assert AuditEntry.objects.count() == before


def test_it_refuses_nul_characters_in_forms_and_query_strings(tree, personas, client_for, api_for):
    client = client_for(personas.own)
    assert client.post("/orgs/", {"name": "南\x00头"}).status_code == 400
    assert client.get("/orgs/?q=%00").status_code == 400
    _error(api_for(personas.own).get("/api/v1/orgs?q=a%00b"), 422, "invalid")


@pytest.mark.parametrize("spoil", ["unknown", "expired", "revoked"])
def test_it_answers_401_not_a_csrf_403_for_a_bad_token_beside_a_session(tree, personas, spoil):
    """A browser session plus a bad bearer token on a POST was refused as "CSRF check Failed"."""
    from gonghui.accounts.actions import do_issue_api_token

    row, token = do_issue_api_token(acting_user=None, user=personas.own)
    if spoil == "expired":
        ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif spoil == "revoked":
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    else:
        token = "not-a-token"
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    client.force_login(personas.own)
    body = json.dumps({"parent": tree.district.code, "kind": "street", "name": "新街道"})
    _error(client.post("/api/v1/orgs", body, content_type="application/json"), 401, "unauthenticated")


def test_it_refuses_a_nul_character_in_the_path(tree, personas, client_for, api_for):
    """Failed on PostgreSQL: a %00 in a path segment reached a lookup and answered 500."""
    assert client_for(personas.own).get("/m/join/%E5%B7%A5%00/").status_code == 400
    _error(api_for(personas.own).get("/api/v1/orgs/44%0003"), 422, "invalid")
