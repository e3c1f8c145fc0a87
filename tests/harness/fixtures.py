"""Session-scoped real services for the test-suite, all bound to 127.0.0.1.

Loaded by ``tests/conftest.py`` through ``pytest_plugins = ["tests.harness.fixtures"]``.
Heavy imports (playwright, aiosmtpd, stripe, psycopg) happen inside the fixtures so
that collecting tests stays fast and unrelated tests don't pay for them.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from example_shop.local_stripe import LocalStripeServer, free_port

if TYPE_CHECKING:
    import stripe
    from flask import Flask
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --------------------------------------------------------------------------- artifacts


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/`` (gitignored): screenshots and other evidence from a run."""
    path = REPO_ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item so fixtures can tell a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------- PostgreSQL


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


# --------------------------------------------------------------------------- Stripe


@dataclass
class StripeHarness:
    """A running localstripe plus what a test needs to talk to it."""

    server: LocalStripeServer
    api_key: str = "sk_test_returns_harness"

    @property
    def api_base(self) -> str:
        return self.server.api_base

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def state_dir(self) -> Path:
        return self.server.state_dir

    @property
    def state_file(self) -> Path:
        return self.server.state_file

    def client(self) -> stripe.StripeClient:
        """Real Stripe SDK client aimed at localstripe; no retries so failures are quick."""
        import requests
        import stripe

        # trust_env=False: an http(s)_proxy from the environment must not capture
        # loopback traffic to localstripe.
        session = requests.Session()
        session.trust_env = False
        return stripe.StripeClient(
            self.api_key,
            base_addresses={"api": self.api_base},
            max_network_retries=0,
            http_client=stripe.RequestsClient(session=session),
        )


@pytest.fixture(scope="session")
def stripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeHarness]:
    """localstripe on 127.0.0.1 with its state in a session temp dir, never /tmp/*.pickle."""
    server = LocalStripeServer()
    server.start(state_dir=str(tmp_path_factory.mktemp("localstripe")))
    try:
        yield StripeHarness(server)
    finally:
        server.stop()


@pytest.fixture
def stripe_client(stripe_server: StripeHarness) -> stripe.StripeClient:
    return stripe_server.client()


# --------------------------------------------------------------------------- SMTP


class _StoringHandler:
    """aiosmtpd handler that parses and keeps every message it accepts."""

    def __init__(self, messages: list[EmailMessage]) -> None:
        self.messages = messages

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    """In-process SMTP sink; ``stop()``/``start()`` simulate an outage on the same port."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    _controller: Any = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return
        # A Controller closes its event loop on stop(), so each start needs a new one.
        controller = Controller(_StoringHandler(self.messages), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def clear(self) -> None:
        self.messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived (delivery may be asynchronous)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s), got {len(self.messages)} after {timeout}s"
                )
            time.sleep(0.02)
        return list(self.messages)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(smtp_server: SMTPServer) -> Iterator[SMTPServer]:
    """The session SMTP sink, emptied and running at the start of each test."""
    smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    smtp_server.start()  # a test that simulated an outage must not leak it


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless system Chromium driven by Playwright (no downloaded browser builds)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/install.sh", pytrace=False)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:200]


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[Page]:
    """Fresh phone-sized context and page; screenshot into artifacts_dir if the test fails."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    try:
        yield pg
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            target = artifacts_dir / f"{_artifact_name(request.node.nodeid)}.png"
            try:
                pg.screenshot(path=str(target), full_page=True)
            except Exception as exc:  # the page may be what broke
                print(f"could not save failure screenshot {target}: {exc}")
        context.close()


# --------------------------------------------------------------------------- live server


@pytest.fixture
def live_server() -> Iterator[Callable[[Flask], str]]:
    """Factory: ``live_server(app)`` serves ``app`` on 127.0.0.1 and returns its base URL."""
    from werkzeug.serving import make_server

    servers: list[tuple[Any, threading.Thread]] = []

    def serve(app: Flask) -> str:
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live_server", daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
