"""`gonghui learning_sweep`: the opening rule for courses whose enrolment deadline passed (opened, or
cancelled with every enrolled member told by SMS) and the freed seats whose claim window expired
(passed to the next waiting member). Idempotent; run it from cron every few minutes."""

import json

from django.core.management.base import BaseCommand


def sweep() -> dict:
    from gonghui.learning.actions import decide_due_offerings, expire_seat_offers

    result = decide_due_offerings()
    result["offers_expired"] = expire_seat_offers()
    return result


class Command(BaseCommand):
    help = "Decide courses at their enrolment deadline and pass on unclaimed freed seats (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue the task instead of running it here")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from gonghui.learning.tasks import learning_sweep_task

            learning_sweep_task.enqueue()
            self.stdout.write(json.dumps({"enqueued": True}))
            return
        self.stdout.write(json.dumps(sweep()))
