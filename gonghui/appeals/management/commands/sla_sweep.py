"""gonghui sla-sweep: the appeals SLA sweep (idempotent; run daily or more often)."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from gonghui.appeals.sweep import sweep


class Command(BaseCommand):
    help = "Mark due-soon and overdue appeals, urge, open supervision, report and escalate missed crisis call-backs."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="treat this day (YYYY-MM-DD) as today")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date in the form YYYY-MM-DD") from None
        self.stdout.write(json.dumps(sweep(today)))
