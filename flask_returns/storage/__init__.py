"""Where photos and documents live: a local folder by default, or an S3 bucket,
behind one small interface (:class:`Storage`).

Keys are ours (random, checked against a strict pattern), never a customer's file
name, so nothing a customer sends can choose where a file lands.
"""

from __future__ import annotations

from ..errors import StorageError
from .base import KEY_PATTERN, Storage, check_key, is_key, media_type_of, new_key
from .local import LocalStorage
from .s3 import S3Storage
from .startup import storage_for

__all__ = [
    "KEY_PATTERN",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "StorageError",
    "check_key",
    "is_key",
    "media_type_of",
    "new_key",
    "storage_for",
]
