"""docs/benchmarks.md is shared by several benchmark modules; each owns one marked section.

A module calls `write_section("orgs", markdown)`; the text between `<!-- bench:orgs -->` and
`<!-- /bench:orgs -->` is replaced (or appended when the section is new), and the other
sections are left as they were, so re-running one benchmark never erases another's figures.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Every figure on this page was measured by the command written beside it, not estimated; `make bench`
re-runs them all (the modules in `benchmarks/`, then `gonghui train-triage`). Each section below is
rewritten only by its own benchmark.
"""


def write_section(name: str, markdown: str, doc: Path = DOC) -> None:
    """Replace (or append) the section `name` of the benchmarks page with `markdown`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = doc.read_text() if doc.exists() else HEADER
    if start not in text:
        # A page written before sections existed holds only org figures: start afresh.
        text = text if "<!-- bench:" in text else HEADER
        text = text.rstrip() + "\n\n" + block + "\n"
    else:
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda _m: block, text, count=1)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
