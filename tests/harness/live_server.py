"""Serving a Flask app on 127.0.0.1 in a thread, for the browser to visit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from example_shop.local_stripe import free_port

if TYPE_CHECKING:
    from flask import Flask


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
