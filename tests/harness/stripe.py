"""The local Stripe server (localstripe) on 127.0.0.1, and a real SDK client aimed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from example_shop.local_stripe import LocalStripeServer

if TYPE_CHECKING:
    import stripe


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
