"""Enrolment under concurrency (PostgreSQL): 300 members enrolling at once into a 40-seat course
end with exactly 40 enrolled and 260 waiting in arrival order, nobody twice. Real threads, real
transactions (transaction=True), as the benefits claims test does."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from gonghui.core.testing import build_tree
from gonghui.learning.actions import EnrolResult
from gonghui.learning.models import Enrolment, Offering
from gonghui.learning.tests.helpers import enrol, make_offering
from gonghui.members.tests.helpers import make_member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POOL = 40  # the server's connections are shared with other test runs


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write transaction, so there is no race to test")


def run_together(jobs):
    barrier = threading.Barrier(len(jobs), timeout=60)
    pool = threading.BoundedSemaphore(POOL)
    outcomes: list[object] = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        with pool:
            try:
                outcomes[i] = job()
            except Exception as exc:  # noqa: BLE001 (the outcome is what the test inspects)
                outcomes[i] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return outcomes


def test_it_seats_exactly_40_of_300_concurrent_members_and_queues_the_rest_in_arrival_order():
    tree = build_tree()
    course = make_offering(tree.district, capacity=40, min_enrolment=10)
    members = [make_member(tree.grassroots) for _ in range(300)]
    connections.close_all()

    # Every member twice at once: the second attempt must be refused, whichever thread comes second.
    jobs = [lambda m=m: enrol(course, m) for m in members] + [lambda m=m: enrol(course, m) for m in members[:20]]
    outcomes = run_together(jobs)

    results = [o for o in outcomes if isinstance(o, EnrolResult)]
    errors = [o for o in outcomes if not isinstance(o, EnrolResult)]
    assert len(results) == 300, errors[:3]
    assert len(errors) == 20 and all("已报名，无需重复报名" in str(e) for e in errors), errors[:3]
    rows = list(Enrolment.objects.filter(offering=course).order_by("arrival"))
    assert len(rows) == 300 and len({r.person_id for r in rows}) == 300
    assert [r.arrival for r in rows] == list(range(1, 301))
    assert [r.status for r in rows] == ["enrolled"] * 40 + ["waitlisted"] * 260
    # Arrival order is the order the lock was granted: enrolment times never go backwards.
    times = [r.enrolled_at for r in rows]
    assert times == sorted(times)
    course = Offering.objects.get(pk=course.pk)
    assert (course.seats_taken, course.arrivals) == (40, 300)
