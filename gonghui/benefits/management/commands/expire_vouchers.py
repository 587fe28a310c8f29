"""`gonghui expire_vouchers`: mark unused vouchers past their deadline expired (run daily, e.g. from cron)."""

import json

from django.core.management.base import BaseCommand

from gonghui.benefits.actions import expire_vouchers


class Command(BaseCommand):
    help = "Mark unused vouchers past their deadline as expired (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue the task instead of running it here")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from gonghui.benefits.tasks import expire_vouchers_task

            expire_vouchers_task.enqueue()
            self.stdout.write(json.dumps({"enqueued": True}))
            return
        self.stdout.write(json.dumps({"expired": expire_vouchers()}))
