"""The JSON API at /api/v1 (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja.renderers import JSONRenderer

from gonghui.accounts.api import router as auth_router
from gonghui.accounts.auth import BearerTokenAuth, console_session_auth
from gonghui.appeals.api import router as appeals_router
from gonghui.benefits.api import router as benefits_router
from gonghui.charity.api import router as charity_router
from gonghui.core.api import CachedSchemaNinjaAPI, install_error_handlers
from gonghui.hardship.aid_api import router as aid_router
from gonghui.hardship.api import router as hardship_router
from gonghui.jobs.api import (
    applications_router,
    employers_router,
    jobs_router,
    member_applications_router,
    placements_router,
)
from gonghui.learning.api import certificates_router, courses_router, sessions_router, skills_router
from gonghui.members.api import cards_router, joins_router, members_router, transfers_router
from gonghui.orgs.api import router as orgs_router
from gonghui.stations.api import router as stations_router


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese text stays readable in responses instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


EDGE_ANSWERS = {
    "400": "请求体不是有效的 JSON",
    "413": "请求体超过上传上限",
    "422": "参数或请求体有误（含 NUL 字符、超出范围的数值）",
}


class GonghuiAPI(CachedSchemaNinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The document ninja builds, plus the answers the edge gives for any operation (issue 9,
        point 6): 400 for a body that is not JSON, 413 for one over the limit, 422 for NUL
        characters or numbers out of range, 401 where a token is needed. Added here once, so that
        every router (today's and those added later) documents them."""
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                wanted = ["422"] if operation.get("parameters") or operation.get("requestBody") else []
                if operation.get("requestBody"):
                    wanted += ["400", "413"]
                if operation.get("security"):
                    wanted.append("401")
                for code in wanted:
                    responses.setdefault(code, {"description": EDGE_ANSWERS.get(code, "未登录或令牌无效"), **error})
        return schema


api = GonghuiAPI(
    renderer=UnicodeJSONRenderer(),
    title="Gonghui API",
    version="1",
    description="工会服务平台 API。所有列表分页并限定在调用者的权限范围内；错误统一为 "
    '{"error": {"code", "message", "fields"}}。',
    auth=[BearerTokenAuth(), console_session_auth],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
api.add_router("/members", members_router)
api.add_router("/joins", joins_router)
api.add_router("/transfers", transfers_router)
api.add_router("/cards", cards_router)
api.add_router("/hardship", hardship_router)
api.add_router("/aid", aid_router)
api.add_router("/benefits", benefits_router)
api.add_router("/appeals", appeals_router)
api.add_router("/stations", stations_router)
api.add_router("/courses", courses_router)
api.add_router("/sessions", sessions_router)
api.add_router("/certificates", certificates_router)
api.add_router("/members", skills_router)
api.add_router("/charity", charity_router)
api.add_router("/jobs", jobs_router)
api.add_router("/applications", applications_router)
api.add_router("/employers", employers_router)
api.add_router("/placements", placements_router)
api.add_router("/members", member_applications_router)
