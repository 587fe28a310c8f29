"""Org endpoints under /api/v1/orgs (DESIGN.md §6). Reads are scoped; writes call actions."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object
from gonghui.orgs import actions
from gonghui.orgs.kinds import OrgKind
from gonghui.orgs.models import Org
from gonghui.orgs.queries import children_of, search_orgs, subtree_stats
from gonghui.orgs.schemas import (
    OrgCloseIn,
    OrgCreateIn,
    OrgDetailOut,
    OrgMergeIn,
    OrgMoveIn,
    OrgOut,
    OrgStatsOut,
    OrgUpdateIn,
)

router = Router(tags=["orgs"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def access_org(user, code: str, action: str = "view") -> Org:
    return access_object(Org.objects.select_related("parent", "merged_into"), user, action, code=code.upper())


class OrgFilter(Schema):
    under: str | None = None
    kind: str | None = None
    q: str | None = None
    include_closed: bool = False


def _detail(org: Org) -> Org:
    """The org with the two computed fields of OrgDetailOut attached.

    The schema's resolvers (kind_label, parent_code) read model attributes, so the
    response must be the model instance, not a dict.
    """
    ids = org.ancestor_ids()
    codes = dict(Org.objects.filter(pk__in=ids).values_list("pk", "code"))
    org.merged_into_code = org.merged_into.code if org.merged_into_id else None
    org.path_codes = [codes[i] for i in ids if i in codes] + [org.code]
    return org


@router.get("", response={200: list[OrgOut], **ERRORS}, summary="组织列表（限本人权限范围）")
@paginate(PagePagination)
def list_orgs(request, filters: OrgFilter = Query(...)):
    under = access_org(request.auth, filters.under) if filters.under else None
    if filters.kind and filters.kind not in OrgKind.values:
        raise ValidationError({"kind": f"未知的组织类型，应为：{', '.join(OrgKind.values)}"})
    return (
        search_orgs(
            request.auth,
            q=filters.q or "",
            kind=filters.kind or "",
            under=under,
            include_closed=filters.include_closed,
        )
        .select_related("parent")
        .order_by("path")
    )


@router.get("/{code}", response={200: OrgDetailOut, **ERRORS}, summary="组织详情")
def get_org(request, code: str):
    return _detail(access_org(request.auth, code))


@router.get("/{code}/children", response={200: list[OrgOut], **ERRORS}, summary="直属下级组织")
@paginate(PagePagination)
def list_children(request, code: str, include_closed: bool = False):
    org = access_org(request.auth, code)
    return children_of(request.auth, org, include_closed=include_closed).select_related("parent")


@router.get("/{code}/stats", response={200: OrgStatsOut, **ERRORS}, summary="组织及全部下级的统计")
def get_stats(request, code: str):
    org = access_org(request.auth, code)
    return {"code": org.code, **subtree_stats(org)}


def _fields(payload) -> dict:
    return {k: v for k, v in payload.dict(exclude={"parent", "kind", "reason"}).items() if v is not None}


@router.post("", response={201: OrgDetailOut, **ERRORS}, summary="新建下级组织")
def create_org(request, payload: OrgCreateIn):
    parent = access_org(request.auth, payload.parent)
    org = actions.do_create_org(
        acting_user=request.auth, parent=parent, kind=payload.kind, data=_fields(payload), reason=payload.reason
    )
    return Status(201, _detail(Org.objects.select_related("parent", "merged_into").get(pk=org.pk)))


@router.patch("/{code}", response={200: OrgDetailOut, **ERRORS}, summary="修改组织信息")
def update_org(request, code: str, payload: OrgUpdateIn):
    org = access_org(request.auth, code)
    # The update may change the code itself: look the org up again under its new one.
    org = actions.do_update_org(acting_user=request.auth, org=org, data=_fields(payload), reason=payload.reason)
    return _detail(access_org(request.auth, org.code))


@router.post("/{code}/move", response={200: OrgDetailOut, **ERRORS}, summary="移动组织（连同全部下级）")
def move_org(request, code: str, payload: OrgMoveIn):
    org = access_org(request.auth, code)
    new_parent = access_org(request.auth, payload.new_parent)
    actions.do_move_org(acting_user=request.auth, org=org, new_parent=new_parent, reason=payload.reason)
    return _detail(access_org(request.auth, org.code))


@router.post("/{code}/close", response={200: OrgDetailOut, **ERRORS}, summary="撤销组织")
def close_org(request, code: str, payload: OrgCloseIn):
    org = access_org(request.auth, code)
    actions.do_close_org(acting_user=request.auth, org=org, reason=payload.reason)
    return _detail(get_object_or_404(Org.objects.select_related("parent", "merged_into"), pk=org.pk))


@router.post("/{code}/merge", response={200: OrgDetailOut, **ERRORS}, summary="合并到另一组织")
def merge_org(request, code: str, payload: OrgMergeIn):
    source = access_org(request.auth, code)
    target = access_org(request.auth, payload.target)
    actions.do_merge_org(acting_user=request.auth, source=source, target=target, reason=payload.reason)
    return _detail(access_org(request.auth, target.code))
