"""Issue 18 point 9: a CJK font stack, an icon on every page (no favicon 404), no inline JavaScript
in the base template's language menu."""

import re
from pathlib import Path

import pytest

GONGHUI = Path(__file__).resolve().parents[2]
STACK = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"]


def test_the_stylesheet_declares_a_cjk_font_stack_in_order():
    css = (GONGHUI / "static" / "gonghui" / "gonghui.css").read_text(encoding="utf-8")
    body = re.search(r"^body \{[^}]*font:[^;]*;", css, re.M).group(0)
    positions = [body.find(name) for name in STACK]
    assert -1 not in positions and positions == sorted(positions), body


def test_every_base_template_links_the_icon():
    bases = [p for p in GONGHUI.glob("**/templates/**/*.html") if "<html" in p.read_text(encoding="utf-8")]
    bases = [p for p in bases if "{% block" in p.read_text(encoding="utf-8")]  # the ones pages extend
    assert len(bases) >= 2
    for path in bases:
        assert "gonghui/favicon.svg" in path.read_text(encoding="utf-8"), path
    assert (GONGHUI / "static" / "gonghui" / "favicon.svg").is_file()


@pytest.mark.django_db
def test_the_icon_is_served_and_favicon_ico_does_not_404(client):
    page = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/gonghui/favicon.svg"' in page and "onchange=" not in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/gonghui/favicon.svg"
