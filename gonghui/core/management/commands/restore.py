"""gonghui restore DIR: restore a backup after checking the keys match, then verify the audit chain."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `gonghui backup` into the configured database, then verify the audit chain."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup directory")

    def handle(self, *args, **options):
        try:
            result = restore(Path(options["source"]))
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not result.ok:
            raise CommandError(f"restored, but the audit chain is BROKEN: {result.problem}")
        self.stdout.write(
            f"restored; audit chain intact: {result.blocks_checked} blocks, {result.entries_checked} entries "
            f"({result.unsealed} not yet sealed); head {result.head}"
        )
