"""A throwaway PostgreSQL cluster on 127.0.0.1, made once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from example_shop.local_stripe import free_port


def _postgres_bin_dir() -> Path:
    """Highest installed PostgreSQL's bin folder (Debian layout)."""
    candidates = [
        p
        for p in Path("/usr/lib/postgresql").glob("*/bin")
        if (p / "initdb").is_file() and (p / "pg_ctl").is_file() and p.parent.name.isdigit()
    ]
    if not candidates:
        pytest.fail(
            "No PostgreSQL server found under /usr/lib/postgresql/*/bin "
            "(need initdb and pg_ctl). Run scripts/install.sh.",
            pytrace=False,
        )
    return max(candidates, key=lambda p: int(p.parent.name))


@dataclass
class PostgresServer:
    """A throwaway cluster; ``url()`` gives SQLAlchemy URLs for the psycopg 3 driver."""

    port: int
    host: str = "127.0.0.1"
    user: str = "postgres"
    version: int = 0

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str) -> str:
        """Create (or re-create empty) database ``name`` and return its URL."""
        from psycopg import sql

        self.drop_database(name)
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` even if connections are still open (PostgreSQL >= 13)."""
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Private PostgreSQL cluster on 127.0.0.1 with trust auth and durability off."""
    bin_dir = _postgres_bin_dir()
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        as_postgres = ["runuser", "-u", "postgres", "--"]

    tmp = Path(tempfile.mkdtemp(prefix="returns-pg-"))
    data, sock_dir, log = tmp / "data", tmp / "sock", tmp / "postgres.log"
    sock_dir.mkdir()
    if as_postgres:
        shutil.chown(tmp, "postgres", "postgres")
        shutil.chown(sock_dir, "postgres", "postgres")

    def run(*cmd: str) -> None:
        proc = subprocess.run(
            [*as_postgres, *cmd], capture_output=True, text=True, check=False, cwd=tmp
        )
        if proc.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n"
                f"{server_log}"
            )

    port = free_port()
    options = " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            f"-c unix_socket_directories={sock_dir}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=100",
        ]
    )
    started = False
    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        run(
            str(bin_dir / "pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
        )
        started = True
        yield PostgresServer(port=port, version=int(bin_dir.parent.name))
    finally:
        if started:
            run(str(bin_dir / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(data))
        shutil.rmtree(tmp, ignore_errors=True)
