"""The demo appeals: made through the actions (timeline and audit agree), every state present, idempotent,
and the hotline operator's workbench and queue render them."""

import pytest
from django.urls import reverse

from gonghui.appeals.models import Appeal, AppealEvent, CallBack, CrisisFollowUp, MediationCase
from gonghui.core import sms
from gonghui.core.models import AuditEntry
from gonghui.core.testing import make_staff
from gonghui.demo.appeals import load_demo_appeals

pytestmark = pytest.mark.django_db


def test_it_loads_appeals_in_every_state_once(tree, client_for):
    hotline = make_staff("hotline", tree.province, roles=("hotline",))
    sms.outbox.clear()
    figures = load_demo_appeals(tree.province, count=60)
    assert figures["appeals"] == Appeal.objects.count() > 60
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {"closed", "in_progress", "resolved", "registered"} <= statuses
    assert Appeal.objects.filter(sla_state="overdue").exists()
    assert CrisisFollowUp.objects.filter(done_at__isnull=True).count() == 1
    assert CallBack.objects.filter(kind="resolution", done_at__isnull=True).exists()
    assert MediationCase.objects.filter(outcome="mediated", amount_recovered__gt=0).exists()
    # Timeline and audit agree: one registration event and one audit entry per ticket.
    registered = AppealEvent.objects.filter(
        kind__in=["registered", "repeat_call"], to_status__in=["registered", "merged"]
    )
    assert registered.count() == Appeal.objects.count()
    assert (
        AuditEntry.objects.filter(action__in=["appeal.register", "appeal.register_repeat"]).count()
        == Appeal.objects.count()
    )
    assert (
        AuditEntry.objects.filter(action="appeal.resolve").count()
        == AppealEvent.objects.filter(to_status="resolved").count()
    )
    assert sms.outbox == []  # invented numbers are never texted
    # Idempotent.
    assert load_demo_appeals(tree.province, count=60) == {}
    assert figures["appeals"] == Appeal.objects.count()
    client = client_for(hotline)
    page = client.get(reverse("appeals:workbench"))
    assert page.status_code == 200 and "心理危机" in page.content.decode()
    assert client.get(reverse("appeals:queue") + "?tab=handling").status_code == 200
