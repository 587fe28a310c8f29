"""POST /api/v1/auth/token and bearer-token authentication (DESIGN.md §6)."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gonghui.accounts.actions import do_create_staff, do_revoke_api_token, do_set_staff_active
from gonghui.accounts.models import ApiToken
from gonghui.core.models import AuditEntry
from gonghui.core.testing import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
ORGS_URL = "/api/v1/orgs"


def post_json(client, url, data, **extra):
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def get_token(client, username, password=PASSWORD, **extra):
    return post_json(client, TOKEN_URL, {"username": username, "password": password}, **extra)


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def listed_codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


@pytest.fixture
def superuser(db):
    return do_create_staff(
        acting_user=None, username="root", display_name="管理员", home_org=None, password=PASSWORD, is_superuser=True
    )


# --- issuing --------------------------------------------------------------------------------------


def test_it_issues_a_token_that_works_as_bearer(tree, personas):
    response = get_token(Client(), "p-own")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    expires_at = parse_datetime(body["expires_at"])
    expected = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    assert abs((expires_at - expected).total_seconds()) < 120
    row = ApiToken.objects.get(token_hash=ApiToken.hash(body["token"]))
    assert row.user == personas.own
    entry = AuditEntry.objects.get(action="token.issue", object_id=str(row.pk))
    assert entry.actor_id == personas.own.pk
    assert entry.request_id == response["X-Request-ID"]
    assert personas.own.last_login is None
    personas.own.refresh_from_db()
    assert personas.own.last_login is not None  # a token exchange counts as a login

    orgs = bearer(body["token"]).get(ORGS_URL)
    assert listed_codes(orgs) == {tree.district.code, tree.street.code, tree.grassroots.code}
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_it_answers_a_wrong_password_with_401(tree, personas):
    response = get_token(Client(), "p-own", "wrong-password")
    error = assert_error_shape(response, 401, "unauthenticated")
    assert "用户名或密码错误" in error["message"]
    assert not ApiToken.objects.filter(user=personas.own).exists()


def test_it_answers_an_unknown_user_like_a_wrong_password(tree, personas):
    unknown = assert_error_shape(get_token(Client(), "nobody-here"), 401, "unauthenticated")
    wrong = assert_error_shape(get_token(Client(), "p-own", "wrong-password"), 401, "unauthenticated")
    assert unknown["message"] == wrong["message"]


def test_it_refuses_a_token_to_a_deactivated_account(tree, personas):
    do_set_staff_active(acting_user=personas.ancestor, user=personas.own, active=False, reason="离职")
    assert_error_shape(get_token(Client(), "p-own"), 401, "unauthenticated")


@pytest.mark.parametrize(
    "payload,fields",
    [
        ({}, {"username", "password"}),
        ({"username": "p-own"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 12, "password": PASSWORD}, {"username"}),
    ],
)
def test_it_answers_missing_fields_with_422(tree, personas, payload, fields):
    response = post_json(Client(), TOKEN_URL, payload)
    error = assert_error_shape(response, 422, "invalid")
    assert set(error["fields"]) == fields
    assert all(messages and all(messages) for messages in error["fields"].values())


def test_it_answers_a_body_that_is_not_json_in_the_error_shape(tree):
    response = Client().post(TOKEN_URL, data="username=p-own", content_type="application/json")
    assert_error_shape(response, 400, "bad_request")


def test_it_locks_out_after_repeated_failures(tree, personas):
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit - 1):
        assert_error_shape(get_token(client, "p-own", "wrong-password"), 401, "unauthenticated")
    locked = assert_error_shape(get_token(client, "p-own", "wrong-password"), 403, "forbidden")
    assert "锁定" in locked["message"]
    # Now even the right password is refused, with the same clear JSON error.
    again = assert_error_shape(get_token(client, "p-own"), 403, "forbidden")
    assert "锁定" in again["message"]
    assert not ApiToken.objects.filter(user=personas.own).exists()


def test_it_does_not_lock_out_other_accounts(tree, personas):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        get_token(client, "p-own", "wrong-password")
    assert get_token(client, "p-ancestor").status_code == 200


def test_it_resets_the_failure_count_on_success(tree, personas):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        get_token(client, "p-own", "wrong-password")
    assert get_token(client, "p-own").status_code == 200
    assert get_token(client, "p-own", "wrong-password").status_code == 401


# --- using ---------------------------------------------------------------------------------------


def test_it_refuses_a_request_without_a_token(tree):
    error = assert_error_shape(Client().get(ORGS_URL), 401, "unauthenticated")
    assert "Bearer" in error["message"]


def test_it_refuses_an_unknown_token(tree):
    assert_error_shape(bearer("gh_not-a-real-token").get(ORGS_URL), 401, "unauthenticated")
    assert_error_shape(bearer("x" * 500).get(ORGS_URL), 401, "unauthenticated")


def test_it_refuses_an_expired_token(tree, personas):
    token = get_token(Client(), "p-own").json()["token"]
    ApiToken.objects.filter(token_hash=ApiToken.hash(token)).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_error_shape(bearer(token).get(ORGS_URL), 401, "unauthenticated")


def test_it_refuses_a_revoked_token(tree, personas):
    token = get_token(Client(), "p-own").json()["token"]
    row = ApiToken.objects.get(token_hash=ApiToken.hash(token))
    assert bearer(token).get(ORGS_URL).status_code == 200
    do_revoke_api_token(acting_user=personas.own, token=row)
    assert_error_shape(bearer(token).get(ORGS_URL), 401, "unauthenticated")


def test_it_refuses_the_token_of_a_deactivated_account(tree, personas, api_for):
    client = api_for(personas.own)
    assert client.get(ORGS_URL).status_code == 200
    do_set_staff_active(acting_user=personas.ancestor, user=personas.own, active=False, reason="离职")
    assert_error_shape(client.get(ORGS_URL), 401, "unauthenticated")


def test_it_does_not_write_on_every_request(tree, personas):
    token = get_token(Client(), "p-own").json()["token"]
    client = bearer(token)
    client.get(ORGS_URL)  # first use: stamps last_used_at
    stamped = ApiToken.objects.get(token_hash=ApiToken.hash(token)).last_used_at
    client.get(ORGS_URL)
    assert ApiToken.objects.get(token_hash=ApiToken.hash(token)).last_used_at == stamped


# --- scope through the token ------------------------------------------------------------------------


def test_it_lists_only_the_district_subtree_for_the_district_persona(tree, personas, api_for):
    codes = listed_codes(api_for(personas.own).get(ORGS_URL))
    assert codes == {tree.district.code, tree.street.code, tree.grassroots.code}


def test_it_lists_the_city_subtree_for_the_ancestor_persona(tree, personas, api_for):
    codes = listed_codes(api_for(personas.ancestor).get(ORGS_URL))
    assert tree.sibling_grassroots.code in codes and tree.grassroots.code in codes
    assert tree.province.code not in codes and tree.other_city.code not in codes


def test_it_lists_nothing_for_the_outsider(tree, personas, api_for):
    response = api_for(personas.outsider).get(ORGS_URL)
    assert listed_codes(response) == set()
    assert response.json()["count"] == 0


def test_it_lists_the_whole_province_for_a_superuser(tree, superuser, api_for):
    response = api_for(superuser).get(ORGS_URL)
    codes = listed_codes(response)
    assert tree.province.code in codes
    assert codes == {
        org.code
        for org in (
            tree.province,
            tree.city,
            tree.district,
            tree.street,
            tree.grassroots,
            tree.sibling_district,
            tree.sibling_grassroots,
            tree.other_city,
        )
    }
    assert response.json()["count"] == 8


@pytest.mark.parametrize("persona", ["own", "outsider"])
def test_it_answers_404_for_a_sibling_org_code(tree, personas, api_for, persona):
    client = api_for(getattr(personas, persona))
    for url in (
        f"{ORGS_URL}/{tree.sibling_district.code}",
        f"{ORGS_URL}/{tree.sibling_grassroots.code}/children",
        f"{ORGS_URL}?under={tree.sibling_district.code}",
    ):
        assert_error_shape(client.get(url), 404, "not_found")


def test_it_answers_404_for_an_unknown_code_like_for_a_hidden_one(tree, personas, api_for):
    client = api_for(personas.own)
    hidden = assert_error_shape(client.get(f"{ORGS_URL}/{tree.sibling_district.code}"), 404, "not_found")
    missing = assert_error_shape(client.get(f"{ORGS_URL}/NO-SUCH-ORG"), 404, "not_found")
    assert hidden == missing


def test_it_shows_an_own_org_through_the_token(tree, personas, api_for):
    for _name, user in personas.allowed():
        response = api_for(user).get(f"{ORGS_URL}/{tree.grassroots.code}")
        assert response.status_code == 200
        assert response.json()["code"] == tree.grassroots.code
