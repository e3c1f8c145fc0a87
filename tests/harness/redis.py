"""A real ``redis-server`` (Debian's package, scripts/install.sh) on 127.0.0.1.

Started once per session in a temporary folder, with no persistence, and stopped by
its process id at the end.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from example_shop.local_stripe import free_port

from .processes import stop_child, wait_for_port


@dataclass(frozen=True)
class RedisServer:
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def flush(self) -> None:
        import redis

        redis.Redis(host="127.0.0.1", port=self.port).flushall()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("redis-server is missing: run scripts/install.sh")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="returns-redis-")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", folder, "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process, "redis-server", timeout=20)
        yield RedisServer(port)
    finally:
        stop_child(process)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A Redis URL with nothing stored under it yet."""
    redis_server.flush()
    return redis_server.url()
