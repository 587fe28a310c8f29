"""Requests that are refused before any view runs, each with a clean 4xx (issue 9, point 6).

- A body over the upload limit: 413 (the API in its error shape, the console as a page), decided
  from Content-Length before anything reads the body; a body without a length that turns out too
  big raises `RequestDataTooBig` later, which `process_exception` answers the same way.
- NUL characters (raw, `%00` or the JSON escape `\\u0000`) anywhere in the path, the query string, a form
  field or a JSON body: PostgreSQL cannot store them in text and nobody types them. Refused with
  422 (API) or 400 (console) instead of being stored or reaching the database as a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import JsonResponse
from django.shortcuts import render

DATABASE_DOWN_MESSAGE = "数据库暂时无法连接，请稍后重试；已提交的内容不会丢失"
NUL_MESSAGE = "请求中含有不允许的空字符（NUL），请删除后重试"
TOO_BIG_MESSAGE = "上传的内容过大（最多 %(mb)d MB），请压缩或拆分后再试"


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    """The API's error shape for /api/, the console's error page otherwise."""
    if is_api(request):
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "errors/4xx.html", {"status": status, "message": message}, status=status)


def unavailable(request):
    """503 for a database that went away; rendered without touching the database (no base template)."""
    from django.http import HttpResponse

    if is_api(request):
        response = error_response(request, 503, "unavailable", DATABASE_DOWN_MESSAGE)
    else:
        from django.template.loader import render_to_string

        response = HttpResponse(render_to_string("errors/503.html", {"message": DATABASE_DOWN_MESSAGE}), status=503)
    response["Retry-After"] = "30"
    return response


def body_limit() -> int:
    """The largest body accepted: the biggest upload (a member roster) plus form overhead."""
    return getattr(settings, "GONGHUI_MAX_BODY_BYTES", 52 * 1024 * 1024)


def _too_big(request):
    mb = body_limit() // (1024 * 1024)
    return error_response(request, 413, "too_large", TOO_BIG_MESSAGE % {"mb": mb})


def _has_nul(request) -> bool:
    if "\x00" in request.path or "\x00" in request.path_info:  # %00 in the path: PostgreSQL refuses it in any lookup
        return True
    if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return any("\x00" in value for _name, values in request.POST.lists() for value in values)
    body = request.body
    return b"\x00" in body or b"\\u0000" in body


class EdgeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "bad_request", "请求头 Content-Length 无效")
        if length > body_limit():
            return _too_big(request)
        try:
            if _has_nul(request):
                return error_response(request, 422 if is_api(request) else 400, "invalid", NUL_MESSAGE)
        except RequestDataTooBig:
            return _too_big(request)
        except TooManyFieldsSent:
            return error_response(request, 400, "bad_request", "表单字段过多")
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if isinstance(exception, RequestDataTooBig):
            return _too_big(request)
        if isinstance(exception, (OperationalError, InterfaceError)):
            return unavailable(request)
        return None


# --- response headers and idle sessions (issue 9, point 8) ----------------------------------------

# The counter page scans QR codes with the camera; nothing needs the rest.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (HSTS comes from
    Django's SecurityMiddleware when TLS is on; see settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.GONGHUI_CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


SEEN_KEY = "_seen"
TOUCH_EVERY = 60  # seconds


def stamp_session_at_login(sender, request, user, **kwargs):
    """Staff logins start the idle clock (saved with the login itself, so no extra write later)."""
    import time

    if getattr(request, "session", None) is not None:
        request.session[SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Staff sessions end after SESSION_COOKIE_AGE (GONGHUI_SESSION_IDLE_MINUTES, 30) without a request.

    A session saved by a staff login carries the time it was last seen; a request more than a minute
    later moves it on, which saves the session and so extends its expiry. The row is rewritten at
    most once a minute (not on every request, as SESSION_SAVE_EVERY_REQUEST would). Sessions without
    the stamp (the member portal's) are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            seen = session.get(SEEN_KEY)
            now = int(time.time())
            if seen is not None and now - int(seen) >= TOUCH_EVERY:
                session[SEEN_KEY] = now
        return self.get_response(request)
