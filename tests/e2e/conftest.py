"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against `live_server`.

Chromium is the system package (`apt-get install chromium`), never a Playwright download.
When it is missing the browser tests are skipped, unless GONGHUI_REQUIRE_BROWSER=1 (CI),
which turns the absence into a failure.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GONGHUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a loaded 2-core machine; a passing run never waits this long.
TIMEOUT_MS = 15_000


def _browser_missing(reason: str):
    if os.environ.get("GONGHUI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"GONGHUI_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM) or CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _browser_missing(f"Chromium not found at {path} (apt-get install chromium, or set GONGHUI_CHROMIUM)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (pip install -e '.[test]')")
    # Playwright's sync API runs an asyncio loop in this thread, which makes Django's
    # async-safety check refuse ORM calls made by the test itself. The browser tests are
    # plain synchronous code, so the check is switched off for their duration only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # a broken install must not look like a failing feature
        playwright.stop()
        _browser_missing(f"Chromium at {chromium_path} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) in Chinese, like the console's default users."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, demo_site):
    """A 390×844 phone (the member portal's target) on the demo site."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def static_root():
    """WhiteNoise warns when STATIC_ROOT is missing; it must exist before the live server starts."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def demo_site(static_root, live_server, transactional_db, django_db_serialized_rollback):
    """The live server with the demo data set loaded (`gonghui demo`), as a base URL.

    `live_server` serves from another thread, so the data must be committed: hence the
    transactional database. The serialized rollback restores what migrations created
    (the default roles, which the demo grants) after each test's flush.
    """
    from django.core.management import call_command

    call_command("demo", members=300, stdout=io.StringIO())  # the flows need a few members, not 3,000
    return live_server.url


@pytest.fixture
def login(page, demo_site):
    """Log in through the real form; returns the page, now on the page after login."""

    def do_login(username: str, password: str):
        page.goto(f"{demo_site}/login/")
        page.get_by_label("用户名", exact=True).fill(username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    return do_login
