"""Encrypting Slack tokens at rest (SPEC: slack_sdk's own store keeps them in plain text).

Keys come from LIAISON_TOKEN_KEYS: a key is either a Fernet key or any string of at least
32 characters, stretched into one with HKDF. The first key encrypts; every key decrypts,
so keys rotate by listing a new one first and dropping the old one once `rotate` has
re-encrypted what it wrote.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"liaison/token-keys/v1"


class TokenDecryptError(Exception):
    """A stored token that none of the configured keys opens."""


def new_key() -> str:
    """A fresh random key for LIAISON_TOKEN_KEYS."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str) -> Fernet:
    try:
        if len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32:
            return Fernet(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"fernet").derive(
        key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class TokenCipher:
    """Encrypts and decrypts tokens with the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([_fernet(k) for k in keys])

    def encrypt(self, token: str) -> str:
        """The token, encrypted with the first key."""
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The token a stored value holds."""
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise TokenDecryptError("no configured key decrypts this token") from exc

    def rotate(self, stored: str) -> str:
        """The stored value re-encrypted with the first key."""
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as exc:
            raise TokenDecryptError("no configured key decrypts this token") from exc
