"""The console's route matrix, generated from the URL resolver (issue 9, point 6; NetBox-style).

Every URL pattern of the project (today's apps and those added later) is requested with values
chosen per path converter, including hostile ones (a number past int64, zero, non-digits, NUL,
5,000 characters, Chinese text): anonymous visitors are sent to a login page (or get 404/405), an
outsider (a staff account without any grant) is never shown anyone's object, and nothing answers
a server error. The API is walked by schemathesis from its OpenAPI document (test_schemathesis.py).
"""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter

HOSTILE = {
    IntConverter: ["99999999999999999999999", "9223372036854775808", "0", "1"],
    UUIDConverter: ["00000000-0000-0000-0000-000000000000"],
}
TEXT = ["1", "x" * 5000, quote("工会\u0000"), quote("<script>"), "-1"]
# Pages anyone may open: the staff and member login pages, the language switch, the API's docs.
# The rating link of an appeal arrives by SMS with its own signed token; the dues calculator is open.
PUBLIC_PREFIXES = (
    "/login/",
    "/m/login",
    "/i18n/",
    "/api/v1/docs",
    "/api/v1/openapi.json",
    "/appeals/rate/",
    "/m/dues/",
)
SKIP_PREFIXES = ("/api/", "/static/", "/media/", "/logout/")
# Reviewed list of named routes that answer anonymous visitors on purpose (keep it small; say why).
PUBLIC_ROUTE_NAMES = {
    "core:favicon": "redirects to the static icon",
    "charity_public:wall": "the 微心愿 wall for donors and volunteers (DESIGN.md §1: public pages)",
    "charity_public:campaign": "a published campaign's public page, for donors",
    "charity_public:fund": "a fund's public page, for donors",
    "certificate_verify": "/c/<serial>/: anyone holding a certificate's QR may check it",
    "stations_portal:nearby": "nearest stations: station locations are public (check-in and rating need login)",
    "stations_portal:station": "a station's page, reached from the code on its public plaque",
}


def _is_public(url: str) -> bool:
    if url.startswith(PUBLIC_PREFIXES):
        return True
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    return match.view_name in PUBLIC_ROUTE_NAMES


def _patterns(resolver=None, prefix="", converters=None):
    resolver = resolver or get_resolver()
    converters = converters or {}
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:  # a regex pattern (static(), i18n): not walkable generically
            continue
        merged = {**converters, **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + route, merged)
        elif isinstance(entry, URLPattern):
            yield prefix + route, merged


def _urls(route: str, converters: dict, hostile: bool) -> list[str]:
    names = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    if not names:
        return ["/" + route]
    urls = []
    width = max(len(HOSTILE.get(type(converters.get(n)), TEXT)) if hostile else 1 for n in names)
    for i in range(width):
        url = route
        for name in names:
            kind = type(converters.get(name))
            values = HOSTILE.get(kind) or (["a-b"] if kind is SlugConverter else TEXT)
            value = values[min(i, len(values) - 1)]
            url = url.split("<", 1)[0] + value + url.split(">", 1)[1]
        urls.append("/" + url)
    return urls


ROUTES = sorted({(route, tuple(sorted((k, type(v).__name__) for k, v in conv.items()))) for route, conv in _patterns()})


def _walk(hostile: bool):
    for route, _kinds in ROUTES:
        converters = dict(next(c for r, c in _patterns() if r == route))
        for url in _urls(route, converters, hostile):
            if not url.startswith(SKIP_PREFIXES):
                yield url


def _walk_plain(url: str) -> str:
    return url if "/1/" not in url and not url.endswith("/1") else ""


def test_it_finds_the_apps_routes():
    routes = [route for route, _ in ROUTES]
    assert len(routes) > 50
    assert any(route.startswith("members/") for route in routes)
    assert StringConverter and PathConverter  # the converters the matrix knows


def test_it_sends_anonymous_visitors_to_a_login_page_from_every_route(db):
    client = Client(raise_request_exception=False)
    problems = []
    for url in _walk(hostile=False):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            login = status == 302 and "login" in response.get("Location", "")
            if status >= 500 or not (login or status in (400, 403, 404, 405) or _is_public(url)):
                problems.append(f"{method.upper()} {url[:80]} → {status} {response.get('Location', '')}")
    assert not problems, "\n".join(problems)


def test_it_shows_an_outsider_nothing_and_never_fails_on_hostile_values(tree, personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.outsider)
    # Objects exist with id 1 (the test tree's orgs, the personas' accounts): none is the outsider's.
    object_urls = {u for u in _walk(hostile=False) if u != _walk_plain(u) and not _is_public(u)}
    problems = []
    for url in _walk(hostile=True):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if status >= 500:
                problems.append(f"{method.upper()} {url[:80]} → {status}")
            elif status == 200 and method == "get" and url in object_urls:
                problems.append(f"GET {url[:80]} → 200: an outsider sees an object")
    assert not problems, "\n".join(sorted(set(problems)))
