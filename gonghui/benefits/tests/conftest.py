import pytest

from gonghui.benefits.tests.helpers import make_partner


@pytest.fixture
def gym(tree):
    return make_partner(tree.district)
