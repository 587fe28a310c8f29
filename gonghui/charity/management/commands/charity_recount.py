"""gonghui charity-recount [--check]: compare every campaign's and fund's rolled-up counters (raised,
matched, donors, refunds, balance, granted …) with the ledger and donation rows, and set them right.
Prints one JSON object {"problems": [...], "fixed": bool}; with --check exits 1 when any differ."""

import json
import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from gonghui.charity.queries import recount


class Command(BaseCommand):
    help = "Recount the charity counters from the ledger (the public pages read the counters)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences, change nothing, exit 1 if any")

    def handle(self, *args, check=False, **options):
        with transaction.atomic():
            problems = recount(fix=not check)
        self.stdout.write(json.dumps({"problems": problems, "fixed": bool(problems) and not check}, ensure_ascii=False))
        if check and problems:
            sys.stdout.flush()
            sys.exit(1)
