import pytest

from gonghui.charity.tests.helpers import make_fund
from gonghui.core.testing import make_personas, make_staff


@pytest.fixture
def cp(tree):
    """公益慈善专员 personas for things kept under 南山区: own = 南山区, ancestor = 深圳市, sibling = 福田区."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("charity",), prefix="c")


@pytest.fixture
def checker(tree):
    """A second 公益慈善专员 at 南山区 (the committee member who approves what `cp.own` proposed)."""
    return make_staff("c-checker", tree.district, roles=("charity",))


@pytest.fixture
def fund(tree):
    return make_fund(tree.district)
