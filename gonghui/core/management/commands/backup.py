"""gonghui backup DIR [--media]: the database and a manifest (key fingerprints, audit head); no keys."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.core.backup import BackupError, backup, copy_media


class Command(BaseCommand):
    help = "Back up the database into DIR (SQLite backup API or pg_dump), with a manifest; keys are not included."

    def add_arguments(self, parser):
        parser.add_argument("target", help="directory to write (created if missing)")
        parser.add_argument("--media", action="store_true", help="also archive the uploads (MEDIA_ROOT)")

    def handle(self, *args, **options):
        target = Path(options["target"])
        try:
            manifest = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["media"]:
            copy_media(target)
        self.stdout.write(
            f"backup written to {target}: {manifest['engine']}, {manifest['audit_entries']} audit entries, "
            f"audit head {manifest['audit_head']}. Keep the keys elsewhere: they are not in the backup."
        )
