"""API tokens listed and revoked one by one, in the console and the API (issue 9, point 8)."""

from django.test import Client
from django.urls import reverse

from gonghui.accounts.actions import do_issue_api_token
from gonghui.accounts.models import ApiToken
from gonghui.core.models import AuditEntry


def test_it_lists_and_revokes_ones_own_tokens_through_the_api(tree, personas):
    first, token = do_issue_api_token(acting_user=None, user=personas.own, label="手机")
    second, _other = do_issue_api_token(acting_user=None, user=personas.own, label="电脑")
    do_issue_api_token(acting_user=None, user=personas.sibling)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rows = api.get("/api/v1/auth/tokens").json()
    assert {r["id"] for r in rows} == {first.pk, second.pk}
    assert all("token" not in r and "token_hash" not in r for r in rows)
    response = api.delete(f"/api/v1/auth/tokens/{second.pk}")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(second.pk)).exists()
    assert api.get("/api/v1/auth/tokens").status_code == 200  # the other token still works


def test_it_answers_404_for_someone_elses_token(tree, personas, api_for):
    theirs, _token = do_issue_api_token(acting_user=None, user=personas.sibling)
    assert api_for(personas.own).delete(f"/api/v1/auth/tokens/{theirs.pk}").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_it_lists_and_revokes_tokens_in_the_console(tree, personas, client_for):
    mine, _token = do_issue_api_token(acting_user=None, user=personas.own, label="手机")
    theirs, _other = do_issue_api_token(acting_user=None, user=personas.sibling)
    client = client_for(personas.own)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert mine.prefix in page and theirs.prefix not in page
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 302
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert client_for(personas.outsider).get(reverse("accounts:tokens")).status_code == 200
