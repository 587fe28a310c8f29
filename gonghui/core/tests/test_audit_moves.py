"""Who sees a moved subtree's audit history (issue 9, point 5; docs/architecture.md)."""

from django.urls import reverse

from gonghui.core import audit
from gonghui.core.models import AuditEntry, moved_prefixes
from gonghui.core.testing import make_staff
from gonghui.orgs.actions import do_move_org


def _visible(user) -> set[str]:
    return set(AuditEntry.objects.restrict(user, "view").values_list("action", flat=True))


def test_it_shows_a_moved_subtree_history_to_the_new_ancestors_and_keeps_the_old_part_for_the_old(tree, personas):
    audit.record(actor=None, action="test.before_move", object_type="x", object_id=1, org=tree.grassroots)
    do_move_org(acting_user=None, org=tree.street, new_parent=tree.sibling_district, reason="区划调整")
    tree.grassroots.refresh_from_db()
    audit.record(actor=None, action="test.after_move", object_type="x", object_id=2, org=tree.grassroots)
    street_staff = make_staff("street-staff", tree.street)

    # Failed before: the new district saw nothing of what happened before the move.
    assert {"test.before_move", "test.after_move"} <= _visible(personas.sibling)
    # The old district keeps what was written while the subtree was its own, and nothing after.
    assert "test.before_move" in _visible(personas.own)
    assert "test.after_move" not in _visible(personas.own)
    # Above both: everything; inside the moved subtree: its own whole history.
    assert {"test.before_move", "test.after_move"} <= _visible(personas.ancestor)
    assert {"test.before_move", "test.after_move"} <= _visible(street_staff)
    assert "test.before_move" not in _visible(personas.outsider)


def test_it_lists_the_moved_history_on_the_audit_page(tree, personas, client_for):
    audit.record(actor=None, action="test.before_move", object_type="x", object_id=1, org=tree.grassroots)
    do_move_org(acting_user=None, org=tree.street, new_parent=tree.sibling_district, reason="区划调整")
    response = client_for(personas.sibling).get(reverse("core:audit_log"))
    assert response.status_code == 200
    assert "test.before_move" in response.content.decode()


def test_it_follows_a_subtree_moved_twice():
    moves = [("1.2.5.", "1.3.5."), ("1.3.", "1.4.3.")]
    # After both moves, 5 lives at 1.4.3.5.; its history was written under 1.2.5. and 1.3.5.
    assert moved_prefixes(["1.4."], moves) >= {"1.3.", "1.2.5."}
    assert moved_prefixes(["1.4.3.5."], moves) == {"1.3.5.", "1.2.5."}
    assert moved_prefixes(["1.9."], moves) == set()
