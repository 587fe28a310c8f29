import pytest

from gonghui.core.testing import make_personas
from gonghui.hardship import actions
from gonghui.hardship.tests.helpers import Clock, add_lines
from gonghui.members.tests.helpers import make_member


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(actions, "_today", c)
    return c


@pytest.fixture
def lines(db, clock):
    add_lines(range(clock.today.year - 2, clock.today.year + 2))


@pytest.fixture
def hp(tree):
    """帮扶专员 personas for archives kept under 南山区: own = 南山区, ancestor = 深圳市, sibling = 福田区."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("hardship",), prefix="h")


@pytest.fixture
def member(tree):
    return make_member(tree.grassroots)
