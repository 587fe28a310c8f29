"""Security headers, no inline script, idle sessions (issue 9, point 8)."""

import re
import time
from pathlib import Path

from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_it_sends_a_content_security_policy_without_inline_script(db):
    response = Client().get("/login/")
    policy = response["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in policy
    assert "camera=(self)" in response["Permissions-Policy"] and "geolocation=(self)" in response["Permissions-Policy"]


def test_it_has_no_inline_script_in_any_template():
    """Every template of every app (also those added later): no <script> body, no on*= handler,
    no javascript: URL. The CSP would block them."""
    problems = []
    for path in ROOT.rglob("templates/**/*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            attributes, body = match.groups()
            if body.strip() and "application/json" not in attributes:
                problems.append(f"{path.relative_to(ROOT)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            problems.append(f"{path.relative_to(ROOT)}: on*= handler")
        if "javascript:" in text:
            problems.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not problems, "\n".join(problems)


def test_it_ends_an_idle_staff_session_after_the_setting(tree, personas):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = Client()
    client.force_login(personas.own)
    assert client.get("/orgs/").status_code == 200
    session = client.session
    expiry = session.get_expiry_date()
    # An active session is extended (written at most once a minute) …
    session["_seen"] = int(time.time()) - 120
    session.save()
    client.get("/orgs/")
    assert client.session.get_expiry_date() >= expiry
    # … an idle one is gone.
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now())
    response = client.get("/orgs/")
    assert response.status_code == 302 and "login" in response["Location"]
