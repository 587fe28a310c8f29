"""gonghui lapse-sweep: remind and lapse memberships without dues or activity for six months."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from gonghui.members.lapse import GRACE_DAYS, sweep


class Command(BaseCommand):
    help = "Send lapse reminders and lapse memberships whose reminder went unanswered (idempotent; run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="treat this day (YYYY-MM-DD) as today")
        parser.add_argument("--grace-days", type=int, default=GRACE_DAYS, help="days between reminder and lapse")

    def handle(self, *args, date=None, grace_days=GRACE_DAYS, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date in the form YYYY-MM-DD") from None
        if grace_days < 0:
            raise CommandError("--grace-days must not be negative")
        self.stdout.write(json.dumps(sweep(today, grace_days=grace_days)))
