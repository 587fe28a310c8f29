"""Shared fixtures: the test tree and the four personas (see gonghui/core/testing.py)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from gonghui.core.testing import build_tree, make_personas


@pytest.fixture(autouse=True)
def _no_seal_tasks(settings):
    # Sealing is exercised explicitly in the audit tests.
    settings.AUDIT_SEAL_ON_COMMIT = False


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware activates a request's language on the thread and leaves it there; a test
    # whose client switched to English must not make the next test's messages English.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def tree(db):
    return build_tree()


@pytest.fixture
def personas(tree):
    """Personas for objects at the 南山区 district: own = 南山区, ancestor = 深圳市, sibling = 福田区."""
    return make_personas(tree.district, tree.city, tree.sibling_district)


@pytest.fixture
def client_for():
    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for(client_for):
    """An API client authenticated with a real bearer token."""
    from gonghui.accounts.actions import do_issue_api_token

    def make(user):
        _row, token = do_issue_api_token(acting_user=user, user=user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make
