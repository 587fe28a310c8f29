import pytest

from gonghui.jobs.tests.helpers import make_employer, make_post, me, set_wage
from gonghui.members.tests.helpers import make_member


@pytest.fixture
def world(tree):
    """A published post of an approved employer at 南山区 with one application."""
    from gonghui.jobs import actions_apply

    set_wage()
    employer = make_employer(tree.district)
    post = make_post(tree.district, employer, skills=[{"name": "急救（CPR+AED）", "level": ""}])
    member = make_member(tree.grassroots)
    application = actions_apply.do_apply(acting_user=me(member), post=post, membership=member)
    return {"employer": employer, "post": post, "member": member, "application": application}
