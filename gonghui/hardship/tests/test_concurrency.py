"""一户一档 under concurrency (PostgreSQL): two officers archive two households that both name the
same spouse at the same moment. Both pass the Python check; the partial unique index on the blind
index lets exactly one commit, and the other gets a clear error with nothing written."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from gonghui.core.testing import build_tree
from gonghui.hardship import actions
from gonghui.hardship.models import HardshipArchive, HouseholdMember
from gonghui.hardship.tests.helpers import add_lines, create
from gonghui.members.tests.helpers import make_member, next_id

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")


def test_it_lets_only_one_of_two_concurrent_archives_take_the_same_person(monkeypatch):
    tree = build_tree()
    add_lines([2025, 2026])
    first, second = make_member(tree.grassroots), make_member(tree.grassroots)
    spouse = {"relation": "spouse", "name": "李四", "doc_number": next_id()}
    barrier = threading.Barrier(2, timeout=10)
    original = actions._assert_not_archived_elsewhere

    def check_then_wait(members, archive=None):
        original(members, archive)
        barrier.wait()  # both transactions have passed the check before either inserts

    monkeypatch.setattr(actions, "_assert_not_archived_elsewhere", check_then_wait)
    outcomes: list[object] = []

    def run(membership):
        try:
            outcomes.append(create(membership, household=[dict(spouse)]))
        except ValidationError as e:
            outcomes.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(m,)) for m in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    made = [o for o in outcomes if isinstance(o, HardshipArchive)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert "一户一档" in str(refused[0])
    assert HardshipArchive.objects.count() == 1
    assert HouseholdMember.objects.filter(name="李四", active=True).count() == 1
