"""Shared API machinery: the error shape, pagination and common schemas (DESIGN.md §3.10).

Every error leaves the API as {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

import decimal
import logging
import threading
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.db.models import QuerySet
from django.http import Http404
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase

from gonghui.core.errors import error_fields, error_message
from gonghui.core.paging import capped_count

logger = logging.getLogger("gonghui.api")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _ninja_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload", "form")]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(_translate_pydantic(err))
    return fields


def _translate_pydantic(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "此项为必填项",
        "string_type": "应为文本",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "bool_parsing": "应为 true 或 false",
        "decimal_parsing": "应为数字",
        "float_parsing": "应为数字",
        "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
        "date_parsing": "日期格式应为 YYYY-MM-DD",
        "json_invalid": "请求体不是有效的 JSON",
        "model_attributes_type": "请求体应为 JSON 对象",
        "dict_type": "应为 JSON 对象",
    }
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符"
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "enum" or kind == "literal_error":
        return f"应为以下之一：{ctx.get('expected', '')}"
    return messages.get(kind, err.get("msg", "取值无效"))


def install_error_handlers(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request, exc):
        fields = _ninja_fields(exc.errors)
        return api.create_response(request, error_body("invalid", "请求数据有误，请检查标出的字段", fields), status=422)

    @api.exception_handler(ValidationError)
    def on_validation_error(request, exc):
        return api.create_response(request, error_body("invalid", error_message(exc), error_fields(exc)), status=422)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return api.create_response(request, error_body("not_found", "未找到，或您无权查看"), status=404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        message = str(exc) or "没有执行此操作的权限"
        return api.create_response(request, error_body("forbidden", message), status=403)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return api.create_response(
            request, error_body("unauthenticated", "请先登录：在 Authorization 头中提供 Bearer 令牌"), status=401
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            429: "rate_limited",
        }.get(exc.status_code, "error")
        message = str(exc.message)
        if message.startswith("Cannot parse request body"):
            message = "请求体不是有效的 JSON"
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        from gonghui.core.edge import TOO_BIG_MESSAGE, body_limit

        message = TOO_BIG_MESSAGE % {"mb": body_limit() // (1024 * 1024)}
        return api.create_response(request, error_body("too_large", message), status=413)

    @api.exception_handler(decimal.InvalidOperation)
    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def on_out_of_range(request, exc):
        # A number the database cannot hold ("1e400", 10**30): the caller's input, not our fault.
        logger.info("value out of range: %s", type(exc).__name__)
        return api.create_response(
            request, error_body("invalid", "数值超出允许的范围或格式不对，请检查后重试"), status=422
        )

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def on_database_down(request, exc):
        from gonghui.core.edge import DATABASE_DOWN_MESSAGE

        logger.warning("database unavailable: %s", type(exc).__name__)
        response = api.create_response(request, error_body("unavailable", DATABASE_DOWN_MESSAGE), status=503)
        response["Retry-After"] = "30"
        return response

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("unhandled API error")
        return api.create_response(
            request,
            error_body("server_error", f"服务器内部错误，请稍后再试（请求编号 {getattr(request, 'request_id', '-')}）"),
            status=500,
        )


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class PagePagination(PaginationBase):
    """?page=&page_size= (max 200). Output: {items, count, count_capped, page, page_size, pages}.

    Counts stop at core.paging.COUNT_CAP (count_capped is then true): a province-wide list must not
    cost a COUNT(*) over millions of rows per call.
    """

    class Input(Schema):
        # The upper bound keeps the offset far inside int64 (a huge page answered 500 before).
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool = False
        page: int
        page_size: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        if isinstance(queryset, QuerySet):
            count, capped = capped_count(queryset)
        else:
            count, capped = len(queryset), False
        start = (pagination.page - 1) * pagination.page_size
        items = list(queryset[start : start + pagination.page_size])
        pages = (count + pagination.page_size - 1) // pagination.page_size
        return {
            "items": items,
            "count": count,
            "count_capped": capped,
            "page": pagination.page,
            "page_size": pagination.page_size,
            "pages": pages,
        }


class CachedSchemaNinjaAPI(NinjaAPI):
    """NinjaAPI that builds its OpenAPI schema once per process and language (issue 18).

    django-ninja rebuilds the whole schema (every router, every pydantic model) on each request to
    `/api/v1/openapi.json`: 1.5–2 s warm and 4–7 s cold on the demo machine, which the docs page showed
    as a spinner. The routes do not change while the process runs, so the schema is cached, and
    `warm_schema()` (called from gonghui/wsgi.py) builds it in the background at start.
    """

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        from django.utils import translation

        key = (path_prefix, tuple(sorted((path_params or {}).items())), translation.get_language())
        cache = self.__dict__.setdefault("_schema_cache", {})
        if key not in cache:
            with _schema_lock:
                if key not in cache:
                    cache[key] = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return cache[key]

    def warm_schema(self) -> threading.Thread:
        def build():
            try:
                self.get_openapi_schema()
            except Exception:  # a broken schema must show on the docs page, not kill the web process
                logger.exception("could not build the OpenAPI schema at start")

        thread = threading.Thread(target=build, name="openapi-warm", daemon=True)
        thread.start()
        return thread


_schema_lock = threading.Lock()
