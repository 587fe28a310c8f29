"""Voucher QR payloads, signed with the platform's Ed25519 key (the card key) so that a partner's
counter page can verify a voucher offline with the public key from `GET /cards/public-key`.

Payload text: ``GV1.<body>.<signature>``; body is base64url of
``code|campaign id|expires (Unix seconds)``, signature the base64url Ed25519 signature of the body.
Nothing personal is in the payload: the holder is looked up at redemption.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from gonghui.core import crypto
from gonghui.members.cards import PayloadError, _b64, _unb64

PREFIX = "GV1"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
MAX_PAYLOAD = 400


def new_code() -> str:
    return "V" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(13))


@dataclass
class VoucherClaims:
    code: str
    campaign_id: int
    expires_at: dt.datetime


def encode(code: str, campaign_id: int, expires_at: dt.datetime) -> str:
    body = f"{code}|{campaign_id}|{int(expires_at.timestamp())}".encode()
    return f"{PREFIX}.{_b64(body)}.{_b64(crypto.sign(body))}"


def payload_for(voucher) -> str:
    return encode(voucher.code, voucher.campaign_id, voucher.expires_at)


def decode(payload: str, public_key=None) -> VoucherClaims:
    """Check the signature and parse; raise PayloadError("not_a_voucher" | "malformed" | "bad_signature")."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:
        raise PayloadError("not_a_voucher")
    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PayloadError("not_a_voucher")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
    except (ValueError, TypeError):
        raise PayloadError("malformed") from None
    if len(signature) != 64 or not crypto.verify_signature(body, signature, public_key):
        raise PayloadError("bad_signature")
    try:
        code, campaign_id, expires = body.decode().split("|")
        return VoucherClaims(code, int(campaign_id), dt.datetime.fromtimestamp(int(expires), tz=dt.UTC))
    except (ValueError, OverflowError):
        raise PayloadError("malformed") from None


PAYLOAD_REASONS = {
    "not_a_voucher": "这不是工会消费券的二维码",
    "malformed": "二维码内容不完整或已损坏",
    "bad_signature": "签名无效：二维码被篡改或不是本平台签发",
}
