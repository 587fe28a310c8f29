"""gonghui charity-sweep: release wish claims past their deadline and confirm wishes delivered more
than 7 days ago that the recipient has not confirmed (run daily; also a background task)."""

import json

from django.core.management.base import BaseCommand

from gonghui.charity.actions_wishes import auto_confirm_wishes, release_overdue_claims


class Command(BaseCommand):
    help = "Release overdue wish claims and auto-confirm wishes delivered more than 7 days ago."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps({"released": release_overdue_claims(), "confirmed": auto_confirm_wishes()}))
