"""E-member card QR payloads, signed with Ed25519 so a merchant can verify them offline.

Payload text: ``GH1.<body>.<signature>`` where body is base64url of
``member_no|org_code|serial|issued YYYYMMDD|expires YYYYMMDD`` and signature is the
base64url Ed25519 signature of the body bytes. About 150 characters: a version-8 QR code.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from django.utils import timezone

from gonghui.core import crypto

PREFIX = "GH1"
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


# base64's RFC 4648 base32 alphabet, mapped letter for letter onto Crockford's.
_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", SERIAL_ALPHABET)


def new_serial() -> str:
    """C + 11 random Crockford base32 characters (55 bits). One C-level encode, not 11 draws:
    imports and the demo issue cards by the hundred thousand."""
    return "C" + base64.b32encode(secrets.token_bytes(7)).decode()[:11].translate(_TO_CROCKFORD)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    # validate=True: characters outside the base64url alphabet are an error, not silently dropped.
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


@dataclass
class CardClaims:
    member_no: str
    org_code: str
    serial: str
    issued_on: dt.date
    expires_on: dt.date


def encode(claims: CardClaims) -> str:
    body = "|".join(
        [
            claims.member_no,
            claims.org_code,
            claims.serial,
            claims.issued_on.strftime("%Y%m%d"),
            claims.expires_on.strftime("%Y%m%d"),
        ]
    ).encode()
    return f"{PREFIX}.{_b64(body)}.{_b64(crypto.sign(body))}"


def _date(text: str) -> dt.date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))


class PayloadError(ValueError):
    pass


def decode(payload: str, public_key=None) -> CardClaims:
    """Check the signature and parse the claims; raise PayloadError saying what is wrong."""
    parts = (payload or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PayloadError("not_a_card")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
    except (ValueError, TypeError):
        raise PayloadError("malformed") from None
    if len(signature) != 64 or not crypto.verify_signature(body, signature, public_key):
        raise PayloadError("bad_signature")
    try:
        member_no, org_code, serial, issued, expires = body.decode().split("|")
        return CardClaims(
            member_no,
            org_code,
            serial,
            _date(issued),
            _date(expires),
        )
    except ValueError:
        raise PayloadError("malformed") from None


def is_expired(claims: CardClaims) -> bool:
    return claims.expires_on < timezone.localdate()


def payload_for(card) -> str:
    """The signed QR text for a Card row (dates in China time)."""
    return encode(
        CardClaims(
            member_no=card.membership.member_no,
            org_code=card.org_code,
            serial=card.serial,
            issued_on=timezone.localdate(card.issued_at),
            expires_on=timezone.localdate(card.expires_at),
        )
    )
