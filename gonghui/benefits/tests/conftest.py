import pytest

from gonghui.benefits import actions
from gonghui.benefits.tests.helpers import make_partner
from gonghui.core.testing import make_staff


@pytest.fixture
def gym(tree):
    return make_partner(tree.district)


@pytest.fixture
def clerk(tree, gym):
    """A staff account working at the gym's counter (a PartnerStaff link, no grant)."""
    user = make_staff("gym-clerk", tree.district, roles=())
    actions.do_add_partner_staff(acting_user=None, partner=gym, user=user)
    return user
