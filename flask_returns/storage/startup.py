"""Choosing the app's storage at start-up: the host's object, a bucket, or a folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..errors import ConfigurationError
from .base import Storage
from .local import LocalStorage


def storage_for(app: Flask, settings: Mapping[str, Any], given: Storage | None) -> Storage:
    """``given`` (``Returns(storage=...)``), else what ``RETURNS_STORAGE`` says."""
    if given is not None and settings["RETURNS_STORAGE"] != "local":
        raise ConfigurationError(
            "pass storage= or set RETURNS_STORAGE = 's3', not both: which one keeps the files?"
        )
    storage = given if given is not None else storage_from_settings(settings, app.instance_path)
    if not isinstance(storage, Storage):
        raise ConfigurationError("storage= must have save, load, delete and exists methods")
    if settings["RETURNS_S3_PRESIGNED_SECONDS"] is not None and not callable(
        getattr(storage, "presigned_url", None)
    ):
        raise ConfigurationError(
            "RETURNS_S3_PRESIGNED_SECONDS needs a storage that signs links to its files "
            "(RETURNS_STORAGE = 's3'); this one cannot"
        )
    return storage


def storage_from_settings(settings: Mapping[str, Any], instance_path: str) -> Storage:
    if settings["RETURNS_STORAGE"] == "s3":
        from .s3 import S3Storage

        try:
            return S3Storage(
                settings["RETURNS_S3_BUCKET"],
                settings["RETURNS_S3_PREFIX"],
                endpoint_url=settings["RETURNS_S3_ENDPOINT_URL"],
                region=settings["RETURNS_S3_REGION"],
                access_key_id=settings["RETURNS_S3_ACCESS_KEY_ID"],
                secret_access_key=settings["RETURNS_S3_SECRET_ACCESS_KEY"],
                server_side_encryption=settings["RETURNS_S3_SERVER_SIDE_ENCRYPTION"],
            )
        except ImportError as missing:
            raise ConfigurationError(
                "RETURNS_STORAGE = 's3' needs boto3, which is not installed: "
                "pip install 'flask-returns[s3]'"
            ) from missing
    folder = settings["RETURNS_STORAGE_PATH"] or os.path.join(instance_path, "returns-files")
    return LocalStorage(folder)
