"""gonghui verify-audit: check every entry's MAC and the block chain; exit 1 naming the first break.

Unsealed entries are checked too (each carries its own MAC); the count of them is reported so that
a stopped seal worker shows.
"""

import json

from django.core.management.base import BaseCommand

from gonghui.core.audit import seal, verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain. Exit 0 when intact, 1 at the first break."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal pending entries first")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="N:HASH",
            help="a chain head recorded earlier (printed by seal-audit and verify-audit); fails if the chain "
            "no longer contains it",
        )

    def handle(self, *args, **options):
        if options["seal"]:
            seal()
        result = verify(expect_head=options["expect_head"])
        if options["json"]:
            self.stdout.write(json.dumps(result.__dict__, ensure_ascii=False))
        elif result.ok:
            self.stdout.write(
                f"audit chain intact: {result.blocks_checked} blocks, {result.entries_checked} entries "
                f"({result.unsealed} not yet sealed, {result.gaps} unused ids); head {result.head}"
            )
            if result.unsealed:
                self.stdout.write(
                    f"note: {result.unsealed} entries are not sealed into a block yet; each carries its own MAC, "
                    "but the newest of them is protected against deletion only once it is sealed (run seal-audit)"
                )
        else:
            where = f"entry {result.entry_id}" if result.entry_id is not None else f"block {result.block_number}"
            self.stderr.write(f"audit chain BROKEN at {where}: {result.problem}")
        if not result.ok:
            raise SystemExit(1)
