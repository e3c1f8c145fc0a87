"""Photos and documents in an S3 bucket: AWS S3, or MinIO, Ceph, Cloudflare R2...

Every app server reads and writes the same bucket, so a photo uploaded through
one server is served by any other. boto3 (``pip install 'flask-returns[s3]'``) is
imported only when an :class:`S3Storage` is made.

Objects are private: written without an ACL (never a public one), so only the
bucket's owner and whom its policy names may read them. Customers get them
through the app's signed links, or through a presigned link that expires
(``RETURNS_S3_PRESIGNED_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ..errors import StorageError
from .base import check_key, is_key, media_type_of

# Missing objects answer 404 with one of these codes (HEAD has no body: "404").
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# Server-side encryption S3 offers with keys it manages; None leaves the bucket's default.
ENCRYPTIONS = ("AES256", "aws:kms")
# A web request waits on these calls: fail in seconds, not in minutes.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30
MAX_ATTEMPTS = 3


def normalize_prefix(prefix: str) -> str:
    """``"shop/returns"`` -> ``"shop/returns/"``; ``""`` stays ``""``."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


class S3Storage:
    """Files as private objects under ``prefix`` in ``bucket``.

    Credentials come from ``access_key_id`` and ``secret_access_key`` when given,
    else from boto3's usual chain: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
    (and ``AWS_SESSION_TOKEN``), ``AWS_PROFILE`` and the config files, an instance
    or task role. ``endpoint_url`` points at another S3-compatible server (addressed
    path-style, which they all understand). ``client`` replaces the client made
    here, for anything else boto3 can configure.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        server_side_encryption: str | None = None,
    ) -> None:
        if not bucket or not isinstance(bucket, str):
            raise ValueError("S3Storage needs a bucket name")
        if server_side_encryption not in (None, *ENCRYPTIONS):
            raise ValueError(f"server_side_encryption must be one of {ENCRYPTIONS} or None")
        self.bucket = bucket
        self.prefix = normalize_prefix(prefix)
        self.server_side_encryption = server_side_encryption
        self.client = client or make_client(
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )

    def __repr__(self) -> str:
        return f"S3Storage('s3://{self.bucket}/{self.prefix}')"

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, data: bytes) -> None:
        extra = {}
        if self.server_side_encryption:
            extra["ServerSideEncryption"] = self.server_side_encryption
        with self._calling("writing", key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                ContentType=media_type_of(key),
                **extra,
            )

    def load(self, key: str) -> bytes:
        with self._calling("reading", key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
            with answer["Body"] as body:
                return body.read()

    def delete(self, key: str) -> None:
        """Gone afterwards; deleting what is not there is no error (as S3 says)."""
        with self._calling("deleting", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def exists(self, key: str) -> bool:
        try:
            with self._calling("looking up", key):
                self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except FileNotFoundError:
            return False
        return True

    def keys(self, folder: str, older_than: datetime) -> Iterator[str]:
        """Keys under ``folder`` last written before ``older_than`` (for clean-ups)."""
        if older_than.tzinfo is None:
            older_than = older_than.replace(tzinfo=UTC)
        start = f"{self.prefix}{folder.strip('/')}/"
        with self._calling("listing", start):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start
            )
            for page in pages:
                for found in page.get("Contents", ()):
                    key = found["Key"][len(self.prefix) :]
                    if is_key(key) and found["LastModified"] < older_than:
                        yield key

    def presigned_url(
        self,
        key: str,
        seconds: int,
        *,
        disposition: str | None = None,
        cache_control: str | None = None,
    ) -> str:
        """A link that reads this one object for ``seconds``, then nothing.

        Made locally (signed with the credentials; no request to S3). The object is
        served with our Content-Type and, when given, this Content-Disposition and
        Cache-Control.
        """
        params = {
            "Bucket": self.bucket,
            "Key": self._object(key),
            "ResponseContentType": media_type_of(key),
        }
        if disposition:
            params["ResponseContentDisposition"] = disposition
        if cache_control:
            params["ResponseCacheControl"] = cache_control
        with self._calling("signing a link to", key):
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=seconds
            )

    @contextmanager
    def _calling(self, doing: str, key: str) -> Iterator[None]:
        """boto3's errors as ours: a missing object as FileNotFoundError, else StorageError."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"s3://{self.bucket}/{self.prefix}{key}"
        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise FileNotFoundError(f"{where} does not exist") from error
            raise StorageError(_client_problem(doing, where, code, error)) from error
        except NoCredentialsError as error:
            raise StorageError(
                f"S3 {doing} {where} failed: no credentials. Set RETURNS_S3_ACCESS_KEY_ID and "
                "RETURNS_S3_SECRET_ACCESS_KEY, or give boto3 its usual ones (AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY, a profile in ~/.aws, an instance role)"
            ) from error
        except BotoCoreError as error:
            raise StorageError(f"S3 {doing} {where} failed: {error}") from error


def _client_problem(doing: str, where: str, code: str, error: Exception) -> str:
    said = f"S3 {doing} {where} failed: {error}"
    if code == "NoSuchBucket":
        return f"{said}. The bucket does not exist there: check RETURNS_S3_BUCKET"
    if code in ("AccessDenied", "403", "Forbidden"):
        return (
            f"{said}. The credentials need s3:GetObject, s3:PutObject, s3:DeleteObject "
            "and s3:ListBucket on the bucket (a missing object answers 403 without "
            "s3:ListBucket)"
        )
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return f"{said}. Check the access key and secret"
    return said


def make_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Any:
    """A boto3 S3 client of its own session (a client may be shared by threads)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as missing:
        raise ImportError(
            "S3 storage needs boto3: pip install 'flask-returns[s3]'", name="boto3"
        ) from missing
    session = boto3.session.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name=region,
    )
    config = Config(
        signature_version="s3v4",
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)
