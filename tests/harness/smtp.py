"""An SMTP sink on 127.0.0.1 that keeps every message, and can be stopped for an outage."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

from example_shop.local_stripe import free_port


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
