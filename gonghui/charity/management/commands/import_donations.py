"""gonghui import-donations FILE --campaign ID [--dry-run] (DESIGN.md §6 Import).

Prints one JSON object {"rows", "created", "duplicates", "refunds", "rejected", "total"} (`total`:
the net amount booked by this run, a string with two decimals) and each rejected row's reason on
stderr. Exits 0 when every row was good, 1 when rows were rejected (the good rows are booked: a
re-import of the corrected file books only what is new), 2 on a usage or file error.
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gonghui.charity.models import Campaign
from gonghui.charity.statement import FileError, import_statement
from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_message


class Command(BaseCommand):
    help = "Import a fundraising platform's statement (.xlsx, .xls or .csv in UTF-8 or GBK) into a campaign."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the platform's statement export")
        parser.add_argument("--campaign", required=True, type=int, help="id of the campaign the orders belong to")
        parser.add_argument("--dry-run", action="store_true", help="check and count, book nothing")

    def handle(self, *args, file, campaign, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file", returncode=2)
        target = Campaign.objects.filter(pk=campaign).first()
        if target is None:
            raise CommandError(f"no campaign with id {campaign}", returncode=2)
        try:
            result = import_statement(
                path, campaign=target, acting_user=Actor.system("import-donations"), dry_run=dry_run
            )
        except FileError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from None
        except ValidationError as error:
            raise CommandError(error_message(error), returncode=2) from None
        for r in result.rejected:
            self.stderr.write(f"row {r.row} {r.order_no}: {r.reason}")
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))
        if result.exit_code:
            sys.stdout.flush()
            sys.exit(result.exit_code)
