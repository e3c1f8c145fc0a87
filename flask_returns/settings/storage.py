"""The settings for where photos and documents live, and their checks.

A part of the one table (:data:`~flask_returns.settings.table.SETTINGS` takes these in
their place): a local folder, or an S3 bucket that every app server shares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from . import checks
from .checks import Setting

# Longest life of a presigned link: a download starts at once, a leaked link dies soon.
MOST_PRESIGNED_SECONDS = 3600
_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")
_PREFIX = re.compile(r"([A-Za-z0-9._-]+/)*")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
# The settings that only mean something with RETURNS_STORAGE = "s3".
S3_KEYS = (
    "RETURNS_S3_BUCKET",
    "RETURNS_S3_PREFIX",
    "RETURNS_S3_ENDPOINT_URL",
    "RETURNS_S3_REGION",
    "RETURNS_S3_ACCESS_KEY_ID",
    "RETURNS_S3_SECRET_ACCESS_KEY",
    "RETURNS_S3_SERVER_SIDE_ENCRYPTION",
)


def bucket(key: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and _BUCKET.fullmatch(value)):
        return value
    raise ConfigurationError(f"{key} must be a bucket name such as 'shop-returns', got {value!r}")


def prefix(key: str, value: Any) -> str:
    """``"shop/returns"`` -> ``"shop/returns/"``: a folder in the bucket, or the whole bucket."""
    cleaned = value.strip("/") + "/" if isinstance(value, str) and value.strip("/") else ""
    if not isinstance(value, str) or not _PREFIX.fullmatch(cleaned) or "/../" in f"/{cleaned}":
        raise ConfigurationError(
            f"{key} must be a folder in the bucket such as 'shop/returns' (letters, digits, "
            f"._- and /), or empty; got {value!r}"
        )
    return cleaned


def region(key: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and _REGION.fullmatch(value)):
        return value
    raise ConfigurationError(f"{key} must be a region such as 'eu-central-1', got {value!r}")


def presigned_seconds(key: str, value: Any) -> int | None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if value is None or (whole and 1 <= value <= MOST_PRESIGNED_SECONDS):
        return value
    raise ConfigurationError(
        f"{key} must be None or whole seconds from 1 to {MOST_PRESIGNED_SECONDS}, got {value!r}"
    )


def encryption(key: str, value: Any) -> str | None:
    if value in (None, "AES256", "aws:kms"):
        return value
    raise ConfigurationError(f"{key} must be None, 'AES256' or 'aws:kms'; got {value!r}")


STORAGE_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_STORAGE",
        "local",
        "Where photos and documents live: `local` (the folder `RETURNS_STORAGE_PATH`, "
        "for one app server) or `s3` (a bucket every app server shares; "
        "`pip install 'flask-returns[s3]'`).",
        checks.choice("local", "s3"),
    ),
    Setting(
        "RETURNS_STORAGE_PATH",
        None,
        "Folder for photos and documents; default `<instance_path>/returns-files`. "
        "Never a folder under `static/`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_S3_BUCKET",
        None,
        "The bucket, needed with `RETURNS_STORAGE = 's3'`. Objects are written private "
        "(no ACL); keep the bucket's public access blocked.",
        bucket,
    ),
    Setting(
        "RETURNS_S3_PREFIX",
        "",
        "A folder in the bucket for our objects, e.g. `shop/returns`; empty uses the bucket's top.",
        prefix,
    ),
    Setting(
        "RETURNS_S3_ENDPOINT_URL",
        None,
        "Another S3-compatible server (MinIO, Ceph, Cloudflare R2...), e.g. "
        "`https://minio.internal:9000`; None means AWS.",
        checks.optional_url,
    ),
    Setting(
        "RETURNS_S3_REGION",
        None,
        "The bucket's region, e.g. `eu-central-1` (`auto` for R2); None takes boto3's "
        "(`AWS_DEFAULT_REGION`, the config file).",
        region,
    ),
    Setting(
        "RETURNS_S3_ACCESS_KEY_ID",
        None,
        "Access key for the bucket, with `RETURNS_S3_SECRET_ACCESS_KEY`; None takes "
        "boto3's usual credentials (environment, `~/.aws`, an instance or task role).",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_S3_SECRET_ACCESS_KEY",
        None,
        "The secret of `RETURNS_S3_ACCESS_KEY_ID`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_S3_SERVER_SIDE_ENCRYPTION",
        None,
        "`AES256` or `aws:kms`: ask S3 to encrypt each object at rest with it; None "
        "leaves the bucket's default encryption.",
        encryption,
    ),
    Setting(
        "RETURNS_S3_PRESIGNED_SECONDS",
        None,
        "None: photos and label PDFs are always served through the app's own links. "
        "A number (at most 3600): after the same access checks, those links redirect "
        "to a presigned link of the bucket that expires after this many seconds.",
        presigned_seconds,
    ),
)


def check_storage(values: Mapping[str, Any]) -> None:
    """The rules between the storage settings (each alone is checked by its own check)."""
    if values["RETURNS_STORAGE"] == "s3":
        if values["RETURNS_S3_BUCKET"] is None:
            raise ConfigurationError("RETURNS_STORAGE = 's3' needs RETURNS_S3_BUCKET")
        if values["RETURNS_STORAGE_PATH"] is not None:
            raise ConfigurationError(
                "RETURNS_STORAGE_PATH is the local folder: with RETURNS_STORAGE = 's3' "
                "leave it unset"
            )
    else:
        defaults = {s.key: s.default for s in STORAGE_SETTINGS}
        stray = [k for k in S3_KEYS if values[k] != defaults[k]]
        if stray:
            raise ConfigurationError(
                f"{', '.join(stray)} set, but RETURNS_STORAGE is 'local': "
                "set RETURNS_STORAGE = 's3' to use the bucket"
            )
    if bool(values["RETURNS_S3_ACCESS_KEY_ID"]) != bool(values["RETURNS_S3_SECRET_ACCESS_KEY"]):
        raise ConfigurationError(
            "RETURNS_S3_ACCESS_KEY_ID and RETURNS_S3_SECRET_ACCESS_KEY go together"
        )
