"""Field encryption for personal data at rest (ID-card numbers, reporter identity).

AES-256-GCM with a key derived from settings.FIELD_ENCRYPTION_KEY; a keyed HMAC digest lets a
field be unique and looked up exactly without storing it in the clear. Ciphertexts carry a
version prefix so an SM4 (国密) variant can be added beside this one without a migration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from zhengdun.core import idcard

_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = secret.encode()
    enc = hashlib.sha256(b"zhengdun-field-enc\x00" + material).digest()
    mac = hashlib.sha256(b"zhengdun-field-mac\x00" + material).digest()
    return enc, mac


def encrypt(plaintext: str) -> str:
    enc_key, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, plaintext.encode(), _VERSION.encode())
    return f"{_VERSION}:{base64.b64encode(nonce + ct).decode()}"


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"unknown ciphertext version {version!r}")
    enc_key, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    raw = base64.b64decode(body)
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()


def digest(value: str) -> str:
    _, mac_key = _keys(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(mac_key, value.encode(), hashlib.sha256).hexdigest()


def id_number_digest_or_none(text: str) -> str | None:
    """The digest of text if it is a valid ID-card number, else None (used by search)."""
    try:
        number = idcard.normalize(text)
    except idcard.InvalidIdNumber:
        return None
    return digest(number)
