"""E-member card payloads offline: encode, decode, signature, expiry (gonghui.members.cards)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.core import crypto
from gonghui.members import cards
from gonghui.members.cards import CardClaims, PayloadError, decode, encode, is_expired, new_serial, payload_for
from gonghui.members.tests.helpers import active_cards, make_member

CLAIMS = CardClaims("4400000000000001", "91440305MA5EXAMPLX", "C0123456789A", dt.date(2025, 1, 2), dt.date(2028, 1, 2))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_it_round_trips_claims_in_a_short_signed_payload():
    payload = encode(CLAIMS)
    assert payload.startswith("GH1.") and payload.count(".") == 2
    assert len(payload) < 200
    assert decode(payload) == CLAIMS
    assert decode("  " + payload + "\n") == CLAIMS


@settings(deadline=None, max_examples=40)
@given(
    st.from_regex(r"\d{16}", fullmatch=True),
    st.from_regex(r"[0-9A-Z]{6,18}", fullmatch=True),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(min_value=0, max_value=3650),
)
def test_it_round_trips_any_claims(member_no, org_code, issued, days):
    claims = CardClaims(member_no, org_code, new_serial(), issued, issued + dt.timedelta(days=days))
    assert decode(encode(claims)) == claims


def test_it_makes_serials_from_crockford_base32():
    serials = {new_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(len(s) == 12 and s[0] == "C" and not set(s[1:]) & set("ILOU") for s in serials)


def test_it_verifies_with_the_published_public_key_only():
    payload = encode(CLAIMS)
    assert decode(payload, crypto.public_key()) == CLAIMS
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(PayloadError) as info:
        decode(payload, other)
    assert str(info.value) == "bad_signature"


def test_it_rejects_a_payload_signed_by_someone_else():
    body = "|".join([CLAIMS.member_no, CLAIMS.org_code, CLAIMS.serial, "20250102", "20990102"]).encode()
    forged = f"GH1.{b64(body)}.{b64(Ed25519PrivateKey.generate().sign(body))}"
    with pytest.raises(PayloadError) as info:
        decode(forged)
    assert str(info.value) == "bad_signature"


def test_it_rejects_a_body_edited_after_signing():
    prefix, body, signature = encode(CLAIMS).split(".")
    text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().replace("20280102", "20990102")
    with pytest.raises(PayloadError) as info:
        decode(f"{prefix}.{b64(text.encode())}.{signature}")
    assert str(info.value) == "bad_signature"


@pytest.mark.parametrize(
    "payload, reason",
    [
        ("", "not_a_card"),
        (None, "not_a_card"),
        ("hello", "not_a_card"),
        ("GH2.abc.def", "not_a_card"),
        ("GH1.abc", "not_a_card"),
        ("GH1.a.b.c", "not_a_card"),
        ("GH1.!!!.###", "malformed"),
        ("GH1.abcd.abcd", "bad_signature"),  # signature of the wrong length
    ],
)
def test_it_says_what_is_wrong_with_a_bad_payload(payload, reason):
    with pytest.raises(PayloadError) as info:
        decode(payload)
    assert str(info.value) == reason


@pytest.mark.parametrize(
    "body",
    [
        b"4400000000000001|ORG|C1|20250102",  # a field missing
        b"4400000000000001|ORG|C1|20250102|20280102|extra",
        b"4400000000000001|ORG|C1|20250102|2028-1-2",
        b"4400000000000001|ORG|C1|20250230|20280102",  # 30 February
        b"\xff\xfe|ORG|C1|20250102|20280102",  # not UTF-8
    ],
)
def test_it_rejects_a_validly_signed_but_malformed_body(body):
    with pytest.raises(PayloadError) as info:
        decode(f"GH1.{b64(body)}.{b64(crypto.sign(body))}")
    assert str(info.value) == "malformed"


def test_it_knows_when_a_card_has_expired():
    today = timezone.localdate()
    assert not is_expired(CardClaims("1", "O", "S", today - dt.timedelta(days=10), today))
    assert is_expired(CardClaims("1", "O", "S", today - dt.timedelta(days=10), today - dt.timedelta(days=1)))


def test_it_defines_each_helper_once():
    import inspect

    source = inspect.getsource(cards)
    assert source.count("def _date(") == 1


def test_it_builds_the_payload_of_a_card_row(tree):
    member = make_member(tree.grassroots)
    [card] = active_cards(member)
    claims = decode(payload_for(card))
    assert claims.member_no == member.member_no and claims.serial == card.serial
    assert claims.org_code == tree.grassroots.code
    assert claims.issued_on == timezone.localdate(card.issued_at)
    assert claims.expires_on == timezone.localdate(card.expires_at)
    assert (claims.expires_on - claims.issued_on).days >= 365 * 3
