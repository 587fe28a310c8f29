"""Field encryption, blind indexes and signatures (DESIGN.md §3.8).

- `encrypt` / `decrypt`: AES-256-GCM with a random 96-bit nonce; the stored value is
  version byte + nonce + ciphertext+tag. The associated data binds a ciphertext to its
  purpose (e.g. "person.doc_number") so one field's value cannot be pasted into another.
- `blind_index`: HMAC-SHA256 under a separate key, for exact lookup and dedupe of values
  that are stored encrypted. Hex, 64 characters.
- `sign` / `verify_signature`: Ed25519 for QR payloads that merchants verify offline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"


class DecryptionError(Exception):
    """The ciphertext is corrupt, was made with another key, or belongs to another field."""


@lru_cache(maxsize=4)
def _aes(key_b64: str) -> AESGCM:
    return AESGCM(base64.b64decode(key_b64))


@lru_cache(maxsize=4)
def _index_key(key_b64: str) -> bytes:
    return base64.b64decode(key_b64)


@lru_cache(maxsize=4)
def _signing_key(key_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(key_b64))


def encrypt(plaintext: str, purpose: str) -> bytes:
    nonce = os.urandom(12)
    sealed = _aes(settings.GONGHUI_FIELD_KEY).encrypt(nonce, plaintext.encode(), purpose.encode())
    return _VERSION + nonce + sealed


def decrypt(blob: bytes, purpose: str) -> str:
    blob = bytes(blob)
    if not blob or blob[:1] != _VERSION or len(blob) < 1 + 12 + 16:
        raise DecryptionError("unknown ciphertext format")
    try:
        return _aes(settings.GONGHUI_FIELD_KEY).decrypt(blob[1:13], blob[13:], purpose.encode()).decode()
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate") from None


def blind_index(value: str, purpose: str) -> str:
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(_index_key(settings.GONGHUI_INDEX_KEY), message, hashlib.sha256).hexdigest()


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(settings.GONGHUI_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_bytes() -> bytes:
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem() -> str:
    return (
        public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )


def sign(message: bytes) -> bytes:
    return signing_key().sign(message)


def verify_signature(message: bytes, signature: bytes, key: Ed25519PublicKey | None = None) -> bool:
    try:
        (key or public_key()).verify(signature, message)
    except InvalidSignature:
        return False
    return True
