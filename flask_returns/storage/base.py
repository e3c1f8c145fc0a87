"""What every storage shares: our keys and the interface a file store implements.

Keys are ours (random, checked against a strict pattern), never a customer's file
name, so nothing a customer sends can choose where a file lands.
"""

from __future__ import annotations

import re
import secrets
from typing import Protocol, runtime_checkable

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}(/[a-z0-9][a-z0-9_-]{0,80}){0,2}\.(jpg|pdf|png)")

# What each kind of file is, for stores that keep a Content-Type beside it.
MEDIA_TYPES = {"jpg": "image/jpeg", "pdf": "application/pdf", "png": "image/png"}


def new_key(folder: str, suffix: str) -> str:
    """A fresh random key such as ``photos/3f9c...e1.jpg``."""
    return f"{folder}/{secrets.token_hex(16)}.{suffix}"


def is_key(key: object) -> bool:
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def check_key(key: str) -> str:
    if not is_key(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def media_type_of(key: str) -> str:
    return MEDIA_TYPES[check_key(key).rsplit(".", 1)[1]]


@runtime_checkable
class Storage(Protocol):
    """What flask-returns needs from a file store (S3, GCS, ... can implement it).

    ``load`` raises :class:`FileNotFoundError` for a key it does not hold. Optional:
    ``keys(folder, older_than)`` for ``flask returns photos prune``, and
    ``presigned_url(key, seconds, ...)`` for downloads served by the store itself.
    """

    def save(self, key: str, data: bytes) -> None: ...

    def load(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...
