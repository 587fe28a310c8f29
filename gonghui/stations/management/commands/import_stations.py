"""gonghui import-stations FILE --org CODE [--dry-run] [--partial] (DESIGN.md §6).

Prints one JSON object {"rows", "created", "updated", "unchanged", "rejected"} (and the row errors on
stderr); exits 0 when every row is valid, 1 when rows were rejected (nothing written unless --partial),
2 on a usage or file error (unknown org, unreadable file, missing required column).
"""

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gonghui.core.actionkit import Actor
from gonghui.core.errors import error_message
from gonghui.core.tabular import FileError
from gonghui.orgs.models import Org
from gonghui.stations.importing import COLUMNS, COUNT_KEYS, run_import


class Command(BaseCommand):
    help = "Import service stations (.xlsx, .xls or .csv in UTF-8 or GBK) under one org."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the station list")
        parser.add_argument("--org", required=True, help="code of the org that owns the stations")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--partial", action="store_true", help="import the valid rows even when others fail")

    def handle(self, *args, file, org, dry_run=False, partial=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file", returncode=2)
        target = Org.objects.filter(code=org.strip().upper()).first()
        if target is None:
            raise CommandError(f"no org with code {org!r}", returncode=2)
        try:
            run = run_import(
                path, org=target, acting_user=Actor.system("import-stations"), dry_run=dry_run, partial=partial
            )
        except FileError as error:
            raise CommandError(f"{file}: {error}", returncode=2) from None
        except ValidationError as error:
            raise CommandError(error_message(error), returncode=2) from None
        for problem in run.errors:
            label = COLUMNS.get(problem["field"], (problem["field"],))[0]
            self.stderr.write(f"第{problem['row']}行 {label}：{problem['message']}")
        self.stdout.write(json.dumps({k: run.counts[k] for k in COUNT_KEYS}, ensure_ascii=False))
        if run.exit_code:
            sys.stdout.flush()
            sys.exit(run.exit_code)
