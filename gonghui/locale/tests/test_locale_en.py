"""The English catalogue (issue 2): complete, compiled, placeholders intact, and reachable from the switcher."""

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LC = Path(__file__).resolve().parent.parent / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?[a-zA-Z][^>]*>")


def _catalog() -> dict:
    with open(LC / "django.mo", "rb") as fh:
        return gettext.GNUTranslations(fh)._catalog


def _po_msgids() -> list[str]:
    """msgids of the .po (header and obsolete entries left out), joined across continuation lines."""
    ids, current, inside = [], None, False
    for line in (LC / "django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current, inside = line[7:-1], True
        elif inside and line.startswith('"'):
            current += line[1:-1]
        else:
            if inside and current:
                ids.append(current.encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
            inside = False
    return ids


def test_it_compiles_every_po_entry_into_the_mo_with_a_translation():
    catalog = _catalog()
    singular = {k if isinstance(k, str) else k[0] for k in catalog}
    msgids = _po_msgids()
    assert len(msgids) > 400
    missing = [m for m in msgids if m not in singular]
    assert not missing, f"untranslated or not compiled (run msgfmt): {missing[:5]}"
    empty = [k for k, v in catalog.items() if k and not v]
    assert not empty


def test_it_keeps_placeholders_and_tags_in_every_translation():
    for key, text in _catalog().items():
        msgid = key if isinstance(key, str) else key[0]
        if not msgid:
            continue
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), (msgid, text)
        assert not re.search(r"[\u4e00-\u9fff]", text) or msgid == "简体中文", (msgid, text)


def test_it_translates_plain_plural_and_formatted_strings():
    with translation.override("en"):
        assert _("工会服务平台") == "Trade Union Service Platform"
        assert _("您好，%(name)s") % {"name": "Li"} == "Hello, Li"
        assert ngettext("共 %(n)s 名会员", "共 %(n)s 名会员", 1) % {"n": 1} == "1 member"
        assert ngettext("共 %(n)s 个组织", "共 %(n)s 个组织", 3) % {"n": 3} == "3 organisations"
    with translation.override("zh-hans"):
        assert _("工会服务平台") == "工会服务平台"


@pytest.mark.django_db
def test_it_switches_the_console_language_with_the_header_form(client):
    page = client.get("/login/")
    assert '<html lang="zh-hans">' in page.content.decode() and "工作人员登录" in page.content.decode()
    assert ">English</option>" in page.content.decode() and "英语" not in page.content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"

    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Staff login" in page and "工作人员登录" not in page
    # Each language in its own name, whatever the page's language (issue 18: not "英语" / "Simplified Chinese").
    assert '<option value="en" lang="en" selected>English</option>' in page
    assert '<option value="zh-hans" lang="zh-hans" >简体中文</option>' in page
    assert "onchange" not in page  # no inline JavaScript: gonghui/static/gonghui/ui.js submits the form

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "工作人员登录" in client.get("/login/").content.decode()


def test_it_shows_staff_pages_in_english(personas, tree, client_for):
    client = client_for(personas.own)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/orgs/{tree.district.code}/").content.decode()
    assert "Basic information" in page and "Log out" in page
    assert "基本信息" not in page
    # Class-level labels of the form views are lazy, so they follow the language of the request.
    form = client.get(f"/orgs/{tree.district.code}/edit/").content.decode()
    assert ">Save</button>" in form and "保存" not in form
