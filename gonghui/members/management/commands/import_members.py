"""gonghui import-members FILE --org CODE [--dry-run] [--partial] [--report OUT.xlsx] (DESIGN.md §6 Import).

Prints one JSON object {"rows", "created", "updated", "unchanged", "rejected", "duplicates", "warnings"}
("warnings": rows imported with something to complete, e.g. 新就业形态类别 未填写);
exits 0 when every row is valid, 1 when rows were rejected (nothing written unless --partial),
2 on a usage or file error (unknown org, unreadable file, missing required column).
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gonghui.core.errors import error_message
from gonghui.members.importing import COUNT_KEYS, FileError, run_import
from gonghui.orgs.models import Org


class Command(BaseCommand):
    help = "Import a member roster (.xlsx, .xls or .csv in UTF-8 or GBK) into one org."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster file")
        parser.add_argument("--org", required=True, help="code of the org the members join")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--partial", action="store_true", help="import the valid rows even when others fail")
        parser.add_argument("--report", help="write the file again with an error column to this .xlsx path")

    def handle(self, *args, file, org, dry_run=False, partial=False, report=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file", returncode=2)
        if report and not report.lower().endswith(".xlsx"):
            raise CommandError("--report must name an .xlsx file", returncode=2)
        target = Org.objects.filter(code=org.strip().upper()).first()
        if target is None:
            raise CommandError(f"no org with code {org!r}", returncode=2)
        try:
            run = run_import(path, org=target, acting_user=None, partial=partial, dry_run=dry_run, report=report)
        except FileError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from None
        except ValidationError as error:
            raise CommandError(error_message(error), returncode=2) from None
        self.stdout.write(json.dumps({k: run.counts[k] for k in COUNT_KEYS}, ensure_ascii=False))
        if run.exit_code:
            sys.stdout.flush()
            sys.exit(run.exit_code)
