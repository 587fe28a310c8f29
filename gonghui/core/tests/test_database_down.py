"""The database going away mid-request answers 503 in the error shape (issue 9, point 9)."""

import contextlib
import json

import pytest
from django.db import OperationalError
from django.db.backends import utils
from django.test import Client

from gonghui.orgs.models import Org


@contextlib.contextmanager
def database_down():
    """Every statement fails as when PostgreSQL is stopped or the connection is cut."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.MonkeyPatch.context() as patch:
        for wrapper in (utils.CursorWrapper, utils.CursorDebugWrapper):
            patch.setattr(wrapper, "execute", refuse)
            patch.setattr(wrapper, "executemany", refuse)
        yield


def test_it_answers_503_when_the_database_goes_away(tree, personas):
    from gonghui.accounts.actions import do_issue_api_token

    _row, token = do_issue_api_token(acting_user=None, user=personas.own)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)
    console = Client(raise_request_exception=False)
    console.force_login(personas.own)
    orgs = Org.objects.count()
    body = json.dumps({"parent": tree.district.code, "kind": "street", "name": "新街道"})
    with database_down():
        response = api.get("/api/v1/orgs")
        assert response.status_code == 503, response.content
        assert response.json()["error"]["code"] == "unavailable"
        assert response["Retry-After"] == "30"
        assert api.post("/api/v1/orgs", body, content_type="application/json").status_code == 503
        page = console.get("/orgs/")
        assert page.status_code == 503
        assert "数据库暂时无法连接" in page.content.decode()
    # What was committed before is all there; the refused write left nothing half-done.
    assert Org.objects.count() == orgs
    assert Org.objects.filter(pk=tree.district.pk).exists()
