"""gonghui triage TEXT… | gonghui triage --csv FILE [--out PATH] (DESIGN.md §6 Triage).

With texts: prints one JSON object per text, one per line, in the order given:
    {"topic": "欠薪/工资", "request_type": "信访投诉", "confidence": 0.83}
With --csv: reads the file's `text` column (UTF-8 or GBK) and writes the file again with the columns
topic, request_type and confidence added (to stdout, or to --out as UTF-8). An input column already
named topic, request_type or confidence (a labelled file) is kept, renamed with the suffix `_input`.

Topic and request type are the Chinese names of DOMAIN.md §7; confidence (0–1) is the model's estimate
that both are right. Exit 2 on a usage error: no text, an empty text, both texts and --csv, a missing
file or `text` column, a row whose text is empty.
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gonghui.appeals import triage

OUTPUT_COLUMNS = ("topic", "request_type", "confidence")


class Command(BaseCommand):
    help = "Suggest the topic and request type of appeal texts (JSON lines), or of a CSV's text column."

    def add_arguments(self, parser):
        parser.add_argument("texts", nargs="*", metavar="TEXT", help="appeal texts, one JSON line printed for each")
        parser.add_argument("--csv", dest="csv_file", metavar="FILE", help="a CSV file with a text column")
        parser.add_argument("--out", help="with --csv: write the result here instead of stdout")

    def handle(self, *args, texts=(), csv_file=None, out=None, **options):
        if csv_file and texts:
            raise CommandError("give texts or --csv FILE, not both", returncode=2)
        if not csv_file and not texts:
            raise CommandError("give at least one text, or --csv FILE", returncode=2)
        if out and not csv_file:
            raise CommandError("--out goes with --csv", returncode=2)
        if csv_file:
            self.triage_csv(Path(csv_file), Path(out) if out else None)
            return
        blank = [str(i) for i, text in enumerate(texts, start=1) if not text.strip()]
        if blank:
            raise CommandError(f"empty text (argument {', '.join(blank)})", returncode=2)
        for suggestion in self.suggest(texts):
            self.stdout.write(json.dumps(suggestion.as_dict(), ensure_ascii=False))

    def suggest(self, texts):
        try:
            return triage.suggest_many(list(texts))
        except triage.TriageError as error:
            raise CommandError(str(error), returncode=2) from None

    def triage_csv(self, path: Path, out: Path | None):
        try:
            header, rows = triage.read_rows(path)
        except triage.TriageError as error:
            raise CommandError(str(error), returncode=2) from None
        blank = [str(line) for line, row in enumerate(rows, start=2) if not (row.get("text") or "").strip()]
        if blank:
            more = f" and {len(blank) - 10} more" if len(blank) > 10 else ""
            raise CommandError(f"{path}: empty text on line {', '.join(blank[:10])}{more}", returncode=2)
        renamed = {name: f"{name}_input" for name in OUTPUT_COLUMNS if name in header}
        if renamed:
            self.stderr.write(f"note: input column(s) {', '.join(renamed)} kept as {', '.join(renamed.values())}")
        suggestions = self.suggest([row["text"] for row in rows]) if rows else []
        fieldnames = [renamed.get(name, name) for name in header] + list(OUTPUT_COLUMNS)
        if out is None:
            self._write(self.stdout, fieldnames, rows, suggestions, renamed)
            return
        try:
            with out.open("w", newline="", encoding="utf-8") as handle:
                self._write(handle, fieldnames, rows, suggestions, renamed)
        except OSError as error:
            raise CommandError(f"{out}: cannot write ({error.strerror})", returncode=2) from None

    @staticmethod
    def _write(handle, fieldnames, rows, suggestions, renamed):
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row, suggestion in zip(rows, suggestions, strict=True):
            record = {renamed.get(k, k): v for k, v in row.items() if k is not None}
            record.update(suggestion.as_dict())
            writer.writerow(record)
