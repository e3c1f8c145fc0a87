"""An S3 server on 127.0.0.1 (moto's server mode, a process of its own), and a bucket per test.

The storage code talks to it over HTTP with the real boto3, as it would to AWS or
MinIO. The tests look at the bucket through a client of their own, made here, so
what they see does not depend on the code under test.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Any

import pytest

from example_shop.local_stripe import free_port

from .processes import stop_child

REGION = "eu-central-1"
ACCESS_KEY_ID = "harness-access-key"
SECRET_ACCESS_KEY = "harness-secret-key"


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET ``url`` with no credentials and no proxy: (status, headers in any case, body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


@dataclass
class S3Server:
    """``moto.server`` on 127.0.0.1:``port``, started and stopped (by its pid) here."""

    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 30.0) -> None:
        # A file, not a pipe: the request log would fill a pipe nobody reads.
        self._log = tempfile.TemporaryFile(prefix="moto-s3-log-")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto's S3 server exited:\n{self.output()}")
            try:
                fetch(f"{self.endpoint_url}/")  # any HTTP answer: the server is up
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"moto's S3 server did not answer within {timeout}s")
            time.sleep(0.05)

    def output(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to our own child by its pid; SIGKILL if it does not go."""
        process, self._process = self._process, None
        stop_child(process, timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def client(self) -> Any:
        """A boto3 client of the tests' own, to look into the buckets."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )


@dataclass
class S3Bucket:
    """A fresh, empty bucket on the server, and ways to look into it."""

    server: S3Server
    name: str
    client: Any

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    def settings(self, prefix: str = "", **extra: Any) -> dict[str, Any]:
        """App settings that keep the files in this bucket (and in no local folder)."""
        return {
            "RETURNS_STORAGE": "s3",
            "RETURNS_STORAGE_PATH": None,
            "RETURNS_S3_BUCKET": self.name,
            "RETURNS_S3_PREFIX": prefix,
            "RETURNS_S3_ENDPOINT_URL": self.endpoint_url,
            "RETURNS_S3_REGION": REGION,
            "RETURNS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "RETURNS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            **extra,
        }

    def storage(self, prefix: str = "", **options: Any) -> Any:
        """An ``S3Storage`` on this bucket, made the way the app makes it."""
        from flask_returns.storage import S3Storage

        options = {
            "endpoint_url": self.endpoint_url,
            "region": REGION,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            **options,
        }
        return S3Storage(self.name, prefix, **options)

    def keys(self) -> list[str]:
        """Every object's name in the bucket, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(found["Key"] for page in pages for found in page.get("Contents", ()))

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=name)["Body"].read()

    def head(self, name: str) -> dict[str, Any]:
        return self.client.head_object(Bucket=self.name, Key=name)

    def url(self, name: str) -> str:
        """The object's plain address, path-style, with no signature."""
        return f"{self.endpoint_url}/{self.name}/{name}"

    def empty(self) -> None:
        for name in self.keys():
            self.client.delete_object(Bucket=self.name, Key=name)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A bucket of its own for each test, emptied and removed afterwards."""
    client = s3_server.client()
    name = f"returns-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    bucket = S3Bucket(s3_server, name, client)
    yield bucket
    bucket.empty()
    client.delete_bucket(Bucket=name)
