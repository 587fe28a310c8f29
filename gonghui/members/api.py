"""Member endpoints under /api/v1 (DESIGN.md §6): members, joins, transfers, e-member cards.

Reads are scoped (`restrict()` / `access_object()`: outside the caller's scope is 404); every
write calls the action in `gonghui.members.actions`, which checks the permission (403), validates
(422) and writes the audit entry.

Card verification is open to every authenticated account, including a partner merchant's token
that holds no grant at all: it answers only whether a card is valid and, for a valid card, the
masked name and the union's name. The public key is served without authentication so that a
merchant app can verify offline; the revocation list (random serials, nothing personal) needs a token.
"""

import datetime as dt
import hashlib
import json
import re
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import HttpBearer

from gonghui.accounts.auth import (
    CARD_VERIFY_REFUSED,
    MAX_TOKEN_LENGTH,
    STAMP_EVERY,
    CardSessionAuth,
    holds_card_verify,
    live_tokens,
)
from gonghui.accounts.models import ApiToken
from gonghui.core.api import ErrorOut, PagePagination
from gonghui.core.scoping import access_object, user_scope_paths
from gonghui.core.tree import in_any_subtree, in_subtree
from gonghui.members import actions, cards
from gonghui.members.models import Card, JoinApplication, Membership, TransferRequest
from gonghui.members.queries import MEMBER_NO_RE, member_list
from gonghui.members.schemas import (
    CardOut,
    JoinIn,
    JoinOut,
    MemberDetailOut,
    MemberOut,
    PublicKeyOut,
    RejectIn,
    RevealIn,
    RevealOut,
    RevokedOut,
    TransferIn,
    TransferOut,
    VerifyIn,
    VerifyOut,
    mask_name,
)
from gonghui.members.states import JoinStatus, MembershipStatus, TransferStatus
from gonghui.orgs.models import Org
from gonghui.people.actions import reveal_document
from gonghui.people.choices import WorkerType

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = "member.view"

members_router = Router(tags=["members"])
joins_router = Router(tags=["joins"])
transfers_router = Router(tags=["transfers"])
cards_router = Router(tags=["cards"])


# --- lookups ----------------------------------------------------------------------------------


def access_org(user, code: str) -> Org:
    """An org where the caller holds member.view, by code (404 outside the scope)."""
    return access_object(Org.objects.all(), user, VIEW, code=code.strip().upper())


def access_member(user, member_no: str) -> Membership:
    if not MEMBER_NO_RE.match(member_no or ""):
        raise Http404("member not found")
    return access_object(Membership.objects.select_related("person", "org"), user, "view", member_no=member_no)


def access_join(user, join_id: int) -> JoinApplication:
    return access_object(JoinApplication.objects.all(), user, "view", pk=join_id)


def join_out(application: JoinApplication) -> JoinApplication:
    return JoinApplication.objects.select_related("person", "org", "membership").get(pk=application.pk)


def scoped_transfers(user, direction: str = ""):
    """Transfers the caller may see: into (`in`), out of (`out`) or either side of their scope."""
    qs = TransferRequest.objects.all()
    paths = user_scope_paths(user, VIEW)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    incoming, outgoing = in_any_subtree("to_path", paths), in_any_subtree("from_path", paths)
    if direction == "in":
        return qs.filter(incoming)
    if direction == "out":
        return qs.filter(outgoing)
    return qs.filter(incoming | outgoing)


TRANSFER_RELATED = ("membership__person", "from_org", "to_org")


def access_transfer(user, transfer_id: int) -> TransferRequest:
    try:
        return scoped_transfers(user).select_related(*TRANSFER_RELATED).get(pk=transfer_id)
    except TransferRequest.DoesNotExist:
        raise Http404("transfer not found") from None


def _choice(value: str | None, choices, field: str, label: str) -> str:
    value = (value or "").strip()
    if value and value not in choices.values:
        raise ValidationError({field: f"未知的{label}“{value}”，应为：{', '.join(choices.values)}"})
    return value


# --- members ----------------------------------------------------------------------------------


class MemberFilter(Schema):
    q: str = ""
    org: str | None = None
    status: str | None = None
    worker_type: str | None = None


@members_router.get("", response={200: list[MemberOut], **ERRORS}, summary="会员列表与搜索（限本人权限范围）")
@paginate(PagePagination)
def list_members(request, filters: MemberFilter = Query(...)):
    status = _choice(filters.status, MembershipStatus, "status", "会籍状态")
    worker_type = _choice(filters.worker_type, WorkerType, "worker_type", "职工类型")
    org = access_org(request.auth, filters.org) if filters.org else None
    return member_list(request.auth, q=filters.q[:60], status=status, worker_type=worker_type, org=org)


@members_router.get("/{member_no}", response={200: MemberDetailOut, **ERRORS}, summary="会员详情（证件号码已遮盖）")
def get_member(request, member_no: str):
    membership = access_member(request.auth, member_no)
    membership.current_card = current_card(membership)
    return membership


@members_router.post(
    "/{member_no}/reveal-document",
    response={200: RevealOut, **ERRORS},
    summary="查看完整证件号码（需 member.view_pii，记入审计）",
)
def reveal_member_document(request, member_no: str, payload: RevealIn):
    membership = access_member(request.auth, member_no)
    number = reveal_document(
        acting_user=request.auth, person=membership.person, org=membership.org, purpose=payload.purpose.strip()
    )
    return {"member_no": membership.member_no, "doc_type": membership.person.doc_type, "doc_number": number}


def current_card(membership: Membership) -> Card | None:
    card = (
        Card.objects.filter(membership=membership, status__in=[Card.Status.ACTIVE, Card.Status.SUSPENDED])
        .order_by("-issued_at", "-id")
        .first()
    )
    if card is not None:
        card.membership = membership
    return card


@members_router.get("/{member_no}/card", response={200: CardOut, **ERRORS}, summary="会员的电子会员卡（二维码文本）")
def get_card(request, member_no: str):
    membership = access_member(request.auth, member_no)
    card = current_card(membership)
    if card is None:
        raise HttpError(404, "该会员没有有效的电子会员卡（需实名认证且会籍正常）")
    return {
        "serial": card.serial,
        "status": card.status,
        "payload": cards.payload_for(card),
        "expires_at": card.expires_at,
    }


# --- joins ------------------------------------------------------------------------------------


class JoinFilter(Schema):
    status: str | None = None
    org: str | None = None


@joins_router.get("", response={200: list[JoinOut], **ERRORS}, summary="入会申请（默认待审核，按审核期限排序）")
@paginate(PagePagination)
def list_joins(request, filters: JoinFilter = Query(...)):
    status = _choice(filters.status, JoinStatus, "status", "申请状态") or JoinStatus.PENDING
    org = access_org(request.auth, filters.org) if filters.org else None
    qs = JoinApplication.objects.restrict(request.auth, "view").filter(status=status)
    if org is not None:
        qs = qs.filter(in_subtree("org_path", org.path))
    order = ("due_on", "id") if status == JoinStatus.PENDING else ("-id",)
    return qs.select_related("person", "org", "membership").order_by(*order)


@joins_router.post("", response={201: JoinOut, **ERRORS}, summary="工作人员录入入会申请")
def create_join(request, payload: JoinIn):
    org = access_org(request.auth, payload.org) if payload.org else None
    application = actions.do_apply_join(
        acting_user=request.auth,
        person_data={
            "name": payload.name,
            "doc_type": payload.doc_type,
            "doc_number": payload.doc_number,
            "mobile": payload.mobile,
        },
        work={
            "worker_type": payload.worker_type,
            "gig_subtype": payload.gig_subtype,
            "platform": payload.platform,
            "division_code": payload.division_code,
            "employer_name": payload.employer_name,
        },
        channel=payload.channel,
        org=org,
    )
    return Status(201, join_out(application))


@joins_router.get("/{join_id}", response={200: JoinOut, **ERRORS}, summary="入会申请详情")
def get_join(request, join_id: int):
    return join_out(access_join(request.auth, join_id))


@joins_router.post("/{join_id}/approve", response={200: JoinOut, **ERRORS}, summary="审核通过：发会员证号和电子会员卡")
def approve_join(request, join_id: int):
    application = access_join(request.auth, join_id)
    actions.do_approve_join(acting_user=request.auth, application=application)
    return join_out(application)


@joins_router.post("/{join_id}/reject", response={200: JoinOut, **ERRORS}, summary="驳回入会申请（需填写原因）")
def reject_join(request, join_id: int, payload: RejectIn):
    application = access_join(request.auth, join_id)
    actions.do_reject_join(acting_user=request.auth, application=application, reason=payload.reason)
    return join_out(application)


# --- transfers --------------------------------------------------------------------------------


class TransferFilter(Schema):
    direction: str | None = None
    status: str | None = None


@transfers_router.get("", response={200: list[TransferOut], **ERRORS}, summary="转会申请：转入（in）或转出（out）")
@paginate(PagePagination)
def list_transfers(request, filters: TransferFilter = Query(...)):
    direction = (filters.direction or "").strip()
    if direction not in ("", "in", "out"):
        raise ValidationError({"direction": "应为 in（转入本范围）或 out（从本范围转出）"})
    status = _choice(filters.status, TransferStatus, "status", "转会状态")
    qs = scoped_transfers(request.auth, direction)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(*TRANSFER_RELATED).order_by("-id")


@transfers_router.post("", response={201: TransferOut, **ERRORS}, summary="发起转会")
def create_transfer(request, payload: TransferIn):
    membership = access_member(request.auth, payload.member_no.strip())
    to_org = None
    if payload.to_org:
        # The receiving union usually lies outside the sender's scope: it is looked up by code.
        to_org = Org.objects.filter(code=payload.to_org.strip().upper()).first()
        if to_org is None:
            raise ValidationError({"to_org": f"未找到代码为“{payload.to_org.strip()}”的工会"})
    division = payload.residence_division.strip()
    if division and (not division.isdigit() or len(division) not in (6, 9)):
        raise ValidationError({"residence_division": "居住地行政区划代码应为6位或9位数字"})
    transfer = actions.do_request_transfer(
        acting_user=request.auth,
        membership=membership,
        to_org=to_org,
        new_employer=" ".join(payload.new_employer.split()),
        reason=" ".join(payload.reason.split()),
        residence_division=division,
    )
    return Status(201, TransferRequest.objects.select_related(*TRANSFER_RELATED).get(pk=transfer.pk))


@transfers_router.get("/{transfer_id}", response={200: TransferOut, **ERRORS}, summary="转会申请详情")
def get_transfer(request, transfer_id: int):
    return access_transfer(request.auth, transfer_id)


@transfers_router.post("/{transfer_id}/accept", response={200: TransferOut, **ERRORS}, summary="接收转入的会员")
def accept_transfer(request, transfer_id: int):
    transfer = access_transfer(request.auth, transfer_id)
    actions.do_accept_transfer(acting_user=request.auth, transfer=transfer)
    return access_transfer(request.auth, transfer_id)


@transfers_router.post("/{transfer_id}/reject", response={200: TransferOut, **ERRORS}, summary="拒绝转入（需填写原因）")
def reject_transfer(request, transfer_id: int, payload: RejectIn):
    transfer = access_transfer(request.auth, transfer_id)
    actions.do_reject_transfer(acting_user=request.auth, transfer=transfer, reason=payload.reason)
    return access_transfer(request.auth, transfer_id)


# --- cards ------------------------------------------------------------------------------------

ALGORITHM = "Ed25519"
# A transfer keeps the membership continuous: the card works until the new union accepts and reissues it.
USABLE_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.TRANSFERRING)
MAX_PAYLOAD = 1000
REASONS = {
    "ok": "有效的会员卡",
    "not_a_card": "这不是工会电子会员卡的二维码",
    "malformed": "二维码内容不完整或已损坏",
    "bad_signature": "签名无效：二维码被篡改或不是本平台签发",
    "expired": "会员卡已过有效期",
    "unknown_card": "未找到这张会员卡",
    "revoked": "会员卡已注销（退会、转会或换卡）",
    "suspended": "会员卡已暂停（保留会籍期间）",
    "member_not_active": "会籍不是正常状态",
    "unknown_reference": "未找到这个卡号或会员证号",
}


@lru_cache(maxsize=4)
def _verify_key(signing_key_b64: str):
    import base64

    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing_key_b64)).public_key()


def verify_key():
    """The public key object, built once per signing key (verification must not rebuild it per call)."""
    return _verify_key(settings.GONGHUI_SIGNING_KEY)


def _answer(reason: str, member_no=None, name_masked=None, org_name=None, status=None) -> dict:
    return {
        "valid": reason == "ok",
        "reason": reason,
        "message": REASONS[reason],
        "member_no": member_no,
        "name_masked": name_masked,
        "org_name": org_name,
        "status": status,
    }


class PreparedQuery:
    """A queryset's SQL compiled once per database, then run with fresh values: for the verification hot path.

    `build(*markers)` returns the queryset with a marker in place of each value; the compiled SQL and
    parameters are kept and each call swaps its values in. The ORM's per-call compilation costs more
    than the indexed lookup itself.
    """

    def __init__(self, build):
        self.build = build
        self._compiled: dict = {}

    def first(self, *values):
        conn = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(conn.vendor)
        if compiled is None:
            markers = [f"\x00value{i}\x00" for i in range(len(values))]
            sql, params = self.build(*markers).query.sql_with_params()
            compiled = self._compiled[conn.vendor] = (sql, tuple(params), [list(params).index(m) for m in markers])
        sql, params, positions = compiled
        params = list(params)
        for position, value in zip(positions, values, strict=True):
            params[position] = value
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()


CARD_STATE = PreparedQuery(
    lambda serial: Card.objects.filter(serial=serial).values_list(
        "status", "membership__member_no", "membership__status", "membership__person__name", "membership__org__name"
    )[:1]
)
TOKEN_STATE = PreparedQuery(
    lambda token_hash: (
        live_tokens(token_hash)
        .annotate(
            stale=ExpressionWrapper(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=Now() - STAMP_EVERY),
                output_field=BooleanField(),
            ),
            may_verify=ExpressionWrapper(holds_card_verify("user_id"), output_field=BooleanField()),
        )
        .values_list("pk", "user_id", "stale", "may_verify")[:1]
    )
)


class CardReaderAuth(HttpBearer):
    """Bearer tokens for the card endpoints, in one prepared query.

    The rule is `accounts.auth.live_tokens` (shared with BearerTokenAuth), its `last_used_at`
    stamped at most once per `STAMP_EVERY`, and the account must hold `card.verify`
    (`accounts.auth.holds_card_verify`, folded into the same query): a live token alone is not
    enough (a token refused it gets 403). The account itself is not loaded: verification answers
    every permitted account alike, so `request.auth` is the user's id.
    """

    def authenticate(self, request, token):
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        row = TOKEN_STATE.first(ApiToken.hash(token))
        if row is None:
            return None
        token_id, user_id, stale, may_verify = row
        if not may_verify:
            raise PermissionDenied(CARD_VERIFY_REFUSED)
        if stale:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
        return user_id


CARD_AUTH = [CardReaderAuth(), CardSessionAuth()]


def verify_payload(text: str) -> dict:
    """Signature (offline), expiry (from the signed claims), then the card's current state: one indexed query."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD:
        return _answer("not_a_card")
    try:
        claims = cards.decode(text, verify_key())
    except cards.PayloadError as exc:
        return _answer(str(exc) if str(exc) in REASONS else "malformed")
    except ValueError:
        return _answer("malformed")
    if cards.is_expired(claims):
        return _answer("expired", member_no=claims.member_no)
    row = CARD_STATE.first(claims.serial)
    if row is None or row[1] != claims.member_no:
        return _answer("unknown_card", member_no=claims.member_no)
    card_status, member_no, member_status, name, org_name = row
    if card_status != Card.Status.ACTIVE:
        return _answer(card_status, member_no=member_no, status=card_status)
    if member_status not in USABLE_STATUSES:
        return _answer("member_not_active", member_no=member_no, status=card_status)
    return _answer("ok", member_no=member_no, name_masked=mask_name(name), org_name=org_name, status=card_status)


SERIAL_RE = re.compile(r"^C[0-9A-HJKMNP-TV-Z]{11}$")


def normalise_reference(text: str) -> str:
    """A card serial or member number as a cashier types it: full-width, spaces, dashes and lower case
    folded; Crockford's look-alikes (O → 0, I/L → 1) after the leading C."""
    import unicodedata

    value = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()
    if value[:1] == "C":
        value = "C" + value[1:].translate(str.maketrans("OIL", "011"))
    return value


def is_reference(text: str) -> bool:
    """Is `text` a typed card serial (C + 11 characters) or a 16-digit member number, not a QR payload?"""
    value = normalise_reference(text) if isinstance(text, str) and len(text) <= 40 else ""
    return bool(SERIAL_RE.match(value) or MEMBER_NO_RE.match(value))


def verify_reference(text: str) -> dict:
    """联网查询: the card serial printed on the card, or the member number, when the camera fails.

    The same answer as `verify_payload` (masked name and union, nothing more) with `online=True`:
    it cannot be checked offline since a typed number carries no signature. A serial is checked
    like a scanned card (card state, expiry, membership); a member number needs a current membership.
    """
    value = normalise_reference(text)
    if SERIAL_RE.match(value):
        card = (
            Card.objects.filter(serial=value)
            .values_list(
                "status",
                "expires_at",
                "membership__member_no",
                "membership__status",
                "membership__person__name",
                "membership__org__name",
            )
            .first()
        )
        if card is None:
            return {**_answer("unknown_reference"), "online": True}
        card_status, expires_at, member_no, member_status, name, org_name = card
        if card_status != Card.Status.ACTIVE:
            return {**_answer(card_status, member_no=member_no, status=card_status), "online": True}
        if expires_at < timezone.now():
            return {**_answer("expired", member_no=member_no), "online": True}
    elif MEMBER_NO_RE.match(value):
        row = (
            Membership.objects.filter(member_no=value)
            .values_list("member_no", "status", "person__name", "org__name")
            .first()
        )
        if row is None:
            return {**_answer("unknown_reference"), "online": True}
        member_no, member_status, name, org_name = row
        card_status = None
    else:
        return {**_answer("unknown_reference"), "online": True}
    if member_status not in USABLE_STATUSES:
        return {**_answer("member_not_active", member_no=member_no, status=card_status), "online": True}
    answer = _answer("ok", member_no=member_no, name_masked=mask_name(name), org_name=org_name, status=card_status)
    return {**answer, "online": True}


class VerifyResultOut(VerifyOut):
    message: str


@cards_router.post(
    "/verify",
    auth=CARD_AUTH,
    response={200: VerifyResultOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="核验会员卡二维码",
)
def verify_card(request, payload: VerifyIn):
    # The answer is built by verify_payload with exactly VerifyResultOut's fields (tests hold it to that);
    # it is rendered directly, skipping a second validation pass on the hot path.
    body = json.dumps(verify_payload(payload.payload), ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@lru_cache(maxsize=4)
def _public_key_info(signing_key_b64: str) -> dict:
    import base64

    key = _verify_key(signing_key_b64)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {
        "algorithm": ALGORITHM,
        "key_id": hashlib.sha256(raw).hexdigest()[:16],
        "public_key": base64.b64encode(raw).decode(),
        "pem": pem,
        "payload_format": "GH1.<base64url(member_no|org_code|serial|issued YYYYMMDD|expires YYYYMMDD)>."
        "<base64url(Ed25519 signature of the body bytes)>",
    }


@cards_router.get("/public-key", auth=None, response={200: PublicKeyOut}, summary="会员卡签名公钥（离线核验用）")
def public_key(request):
    return _public_key_info(settings.GONGHUI_SIGNING_KEY)


@cards_router.get(
    "/revoked", auth=CARD_AUTH, response={200: list[RevokedOut], **ERRORS}, summary="已注销的会员卡序列号（增量同步）"
)
@paginate(PagePagination)
def revoked_cards(request, since: dt.datetime | None = None):
    qs = Card.objects.filter(status=Card.Status.REVOKED, revoked_at__isnull=False)
    if since is not None:
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        qs = qs.filter(revoked_at__gte=since)
    return qs.order_by("revoked_at", "id").values("serial", "revoked_at")
