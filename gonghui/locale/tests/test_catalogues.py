"""Every translation catalogue under gonghui/ is complete (issue 18 point 8): the main one in
gonghui/locale and each app's own gonghui/<app>/locale, whoever adds it. A msgid without a translation,
a fuzzy entry (makemessages' guess, not a translation) or a .mo older than its .po fails, naming the
catalogue and the first entries; so does a string in the code that nobody extracted (makemessages is
run on a copy of the sources and the copy's catalogues must have nothing left to translate). Parsed with
polib, so plural forms and multi-line strings are read the way gettext reads them.

To fix a failure: `cd gonghui && PYTHONPATH=.. ../.venv/bin/python ../manage.py makemessages -l en`
(this also updates every app's own catalogue), translate the new or fuzzy entries, then `msgfmt -o
django.mo django.po` in each LC_MESSAGES directory that changed.
"""

import shutil
from pathlib import Path

import polib
import pytest

GONGHUI = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(GONGHUI.glob("**/locale/*/LC_MESSAGES/*.po"))


def _name(path: Path) -> str:
    return str(path.relative_to(GONGHUI.parent))


def problems(path: Path) -> list[str]:
    """The untranslated and fuzzy entries of one catalogue, as readable lines."""
    out = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete or not entry.msgid:
            continue
        where = f"line {entry.linenum}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            out.append(f"fuzzy {where}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                out.append(f"untranslated plural {where}")
        elif not entry.msgstr:
            out.append(f"untranslated {where}")
    return out


def test_it_finds_the_main_catalogue_and_every_apps_own():
    assert GONGHUI / "locale" / "en" / "LC_MESSAGES" / "django.po" in CATALOGUES
    assert all(p.parent.parent.parent.name == "locale" for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_every_catalogue_translates_every_msgid(path):
    found = problems(path)
    assert not found, f"{_name(path)}: {len(found)} entries to translate — " + "; ".join(found[:8])


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_every_catalogue_is_compiled_from_its_po(path):
    mo = path.with_suffix(".mo")
    assert mo.is_file(), f"{_name(path)} has no .mo: run msgfmt -o {mo.name} {path.name}"
    compiled = {(e.msgctxt, e.msgid) for e in polib.mofile(str(mo)) if e.msgid}
    source = {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if e.msgid and not e.obsolete and e.msgstr}
    stale = sorted(msgid for _ctx, msgid in source - compiled)
    assert not stale, f"{_name(mo)} is older than its .po (run msgfmt): {stale[:5]}"


def test_every_string_in_the_code_is_extracted_and_translated(tmp_path, monkeypatch, settings):
    """makemessages on a copy of gonghui/ (the real catalogues are left alone) finds nothing new."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    from django.core.management import call_command

    copy = tmp_path / "gonghui"
    shutil.copytree(
        GONGHUI,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "static", "data", "*.joblib", "*.xlsx"),
    )
    settings.LOCALE_PATHS = []  # write into the copy's locale directories only
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0)
    fresh = sorted(copy.glob("**/locale/*/LC_MESSAGES/*.po"))
    assert len(fresh) == len(CATALOGUES)
    found = {str(p.relative_to(tmp_path)): problems(p) for p in fresh}
    found = {name: lines for name, lines in found.items() if lines}
    assert not found, "strings in the code missing from the catalogue (run makemessages and translate): " + "; ".join(
        f"{name}: {', '.join(lines[:6])}" for name, lines in found.items()
    )


def test_the_check_reports_untranslated_fuzzy_and_plural_entries(tmp_path):
    """The check itself can fail: a catalogue with one of each problem yields three."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "已译"\nmsgstr "Done"\n\n'
        'msgid "未译"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "猜的"\nmsgstr "Guessed"\n\n'
        'msgid "%(n)s 项"\nmsgid_plural "%(n)s 项"\nmsgstr[0] "%(n)s item"\nmsgstr[1] ""\n\n'
        '#~ msgid "作废"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    assert [line.split(" line")[0] for line in problems(po)] == ["untranslated", "fuzzy", "untranslated plural"]
