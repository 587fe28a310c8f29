import pytest

from gonghui.appeals import clock as clock_module
from gonghui.appeals.tests.helpers import Clock
from gonghui.core.testing import make_personas, make_staff


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(clock_module, "now", c)
    return c


@pytest.fixture
def operator(tree):
    """The province's 12351 hotline operator (热线坐席 on the province)."""
    return make_staff("op-province", tree.province, roles=("hotline",))


@pytest.fixture
def handlers(tree):
    """诉求办理员 at each level of the path province → city → 南山区 → 南头街道."""
    return {
        "city": make_staff("h-city", tree.city, roles=("appeals",)),
        "district": make_staff("h-district", tree.district, roles=("appeals",)),
        "street": make_staff("h-street", tree.street, roles=("appeals",)),
        "sibling": make_staff("h-sibling", tree.sibling_district, roles=("appeals",)),
    }


@pytest.fixture
def ap(tree):
    """Hotline personas for tickets held by 南山区: own = 南山区, ancestor = 深圳市, sibling = 福田区."""
    return make_personas(tree.district, tree.city, tree.sibling_district, roles=("hotline",), prefix="a")
