"""自动退会: six months without dues and without union activity, after a reminder.

`sweep()` is idempotent and chunked: run it daily (task `lapse_sweep_task`, or
`gonghui lapse-sweep`). Pass 1 reminds members who crossed the six-month line and were not
yet reminded; pass 2 lapses those reminded at least `grace_days` ago who still show no dues
or activity, unless staff set `keep_until`. Each chunk leaves one audit entry naming the job.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from gonghui.core import audit
from gonghui.core.sms import send_sms
from gonghui.members.models import Card, Membership, MembershipEvent
from gonghui.members.states import MembershipStatus
from gonghui.orgs import counters
from gonghui.people.choices import WorkerType

INACTIVE_DAYS = 183
GRACE_DAYS = 30
CHUNK = 2000


def _inactive(cutoff: dt.date) -> Q:
    no_dues = Q(last_dues_paid_on__isnull=True, joined_on__lt=cutoff) | Q(last_dues_paid_on__lt=cutoff)
    no_activity = Q(last_activity_on__isnull=True) | Q(last_activity_on__lt=cutoff)
    return no_dues & no_activity


def candidates(today: dt.date):
    cutoff = today - dt.timedelta(days=INACTIVE_DAYS)
    return (
        Membership.objects.filter(status=MembershipStatus.ACTIVE, dues_exempt=False)
        .filter(_inactive(cutoff))
        .filter(Q(keep_until__isnull=True) | Q(keep_until__lt=today))
    )


def sweep(today: dt.date | None = None, grace_days: int = GRACE_DAYS) -> dict:
    today = today or timezone.localdate()
    warned = lapsed = 0
    while True:
        ids = list(candidates(today).filter(lapse_warned_on__isnull=True).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        warned += _warn(ids, today)
    while True:
        ids = list(
            candidates(today)
            .filter(lapse_warned_on__lte=today - dt.timedelta(days=grace_days))
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            break
        lapsed += _lapse(ids, today)
    return {"warned": warned, "lapsed": lapsed}


@transaction.atomic
def _warn(ids: list[int], today: dt.date) -> int:
    rows = list(
        Membership.objects.select_for_update()
        .filter(pk__in=ids, lapse_warned_on__isnull=True)
        .values_list("pk", "province_id", "person__mobile")
    )
    Membership.objects.filter(pk__in=[r[0] for r in rows]).update(lapse_warned_on=today)
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                membership_id=pk,
                type=MembershipEvent.Type.LAPSE_WARNING,
                on=today,
                province_id=prov,
                reason=_("连续6个月未缴会费且未参加组织活动"),
            )
            for pk, prov, _m in rows
        ]
    )
    audit.record(
        actor=None,
        action="member.lapse_warning_batch",
        object_type="members.membership",
        after={"job": f"lapse-sweep {today}", "count": len(rows), "first": ids[0], "last": ids[-1]},
    )
    mobiles = [m for _pk, _prov, m in rows if m]
    text = _("【工会】您已连续6个月未缴纳会费且未参加工会活动。请在30天内缴费或联系所在工会，逾期将按规定自动退会。")
    transaction.on_commit(lambda: [send_sms(m, text) for m in mobiles], robust=True)
    return len(rows)


@transaction.atomic
def _lapse(ids: list[int], today: dt.date) -> int:
    rows = list(
        Membership.objects.select_for_update()
        .filter(pk__in=ids, status=MembershipStatus.ACTIVE)
        .values_list("pk", "org_id", "province_id", "worker_type", "person__verified_at")
    )
    pks = [r[0] for r in rows]
    Membership.objects.filter(pk__in=pks).update(status=MembershipStatus.LAPSED, ended_on=today)
    deltas: dict[int, list[int]] = {}
    for _pk, org_id, _prov, worker_type, verified_at in rows:
        d = deltas.setdefault(org_id, [0, 0, 0])
        d[0] -= 1
        d[1] -= 1 if verified_at else 0
        d[2] -= 1 if worker_type == WorkerType.GIG else 0
    counters.bump_many({org: tuple(d) for org, d in deltas.items()})
    Card.objects.filter(membership_id__in=pks, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED]).update(
        status=Card.Status.REVOKED, revoked_at=timezone.now(), revoke_reason="lapsed"
    )
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                membership_id=pk,
                type=MembershipEvent.Type.LAPSE,
                on=today,
                province_id=prov,
                from_org_id=org,
                reason=_("提醒后30天内仍未缴费或参加活动"),
            )
            for pk, org, prov, _w, _v in rows
        ]
    )
    audit.record(
        actor=None,
        action="member.lapse_batch",
        object_type="members.membership",
        after={"job": f"lapse-sweep {today}", "count": len(rows), "ids": pks[:50]},
    )
    return len(rows)


@task()
def lapse_sweep_task():
    """Daily: remind, then lapse, inactive memberships (scheduled by cron or the worker's host)."""
    return sweep()
