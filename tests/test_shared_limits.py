"""The look-up limit shared by every process through a real redis-server on 127.0.0.1.

Two apps stand for two app servers: each has its own limiter object, as separate
processes would, and they share nothing but the Redis URL.
"""

from __future__ import annotations

import logging
import sys
import types

import pytest
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy

from flask_returns import ConfigurationError, Returns

from .hosts import MemoryOrders, make_order

LIMIT = {"RETURNS_LOOKUP_RATE_LIMIT": "5 per minute"}


def _csrf(client) -> str:
    import re

    page = client.get("/returns/").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _wrong_look_up(client, n: int) -> int:
    data = {"csrf_token": _csrf(client), "order_number": "9001", "email": f"guess{n}@x.example"}
    return client.post("/returns/", data=data).status_code


def _alternate(apps: list[Flask], times: int) -> list[int]:
    clients = [app.test_client() for app in apps]
    return [_wrong_look_up(clients[n % len(clients)], n) for n in range(times)]


def test_failed_look_ups_on_two_servers_count_once_in_redis(make_host_app, redis_url):
    apps = [make_host_app(RETURNS_RATELIMIT_STORAGE_URI=redis_url, **LIMIT) for _ in range(2)]
    assert apps[0].extensions["returns"].limiter is not apps[1].extensions["returns"].limiter
    codes = _alternate(apps, 8)
    assert codes[:5] == [404] * 5
    assert codes[5:] == [429] * 3  # on either server: the count is one


def test_in_memory_each_process_counts_on_its_own(make_host_app):
    apps = [make_host_app(**LIMIT) for _ in range(2)]
    codes = _alternate(apps, 10)
    assert codes == [404] * 10  # twice the allowance: why several servers need Redis


def test_a_redis_outage_lets_look_ups_through(make_host_app, caplog):
    from example_shop.local_stripe import free_port

    app = make_host_app(RETURNS_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0", **LIMIT)
    with caplog.at_level(logging.ERROR):
        assert _alternate([app], 7) == [404] * 7  # nobody is turned away by our outage
    assert "Failed to rate limit" in caplog.text  # and the outage is in the log


def test_start_up_checks_the_storage_and_warns_about_per_process_counts(
    make_host_app, redis_url, monkeypatch, caplog
):
    with pytest.raises(ConfigurationError, match="RETURNS_RATELIMIT_STORAGE_URI"):
        make_host_app(RETURNS_RATELIMIT_STORAGE_URI="redis-ish://nowhere")
    # Under a server that forks workers (gunicorn is imported in its workers; here the
    # module is stood in for, since this test runs in pytest's own process).
    monkeypatch.setitem(sys.modules, "gunicorn", types.ModuleType("gunicorn"))
    with caplog.at_level(logging.WARNING):
        make_host_app()
    assert "each counts on its own" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_host_app(RETURNS_RATELIMIT_STORAGE_URI=redis_url)
    assert "each counts on its own" not in caplog.text


def test_a_host_limiter_is_shared_and_the_setting_then_refused(tmp_path, redis_url):
    def host(**config: object) -> Flask:
        app = Flask("limited_host")
        app.config.update(
            SECRET_KEY="s",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.db'}",
            RETURNS_STORAGE_PATH=str(tmp_path / "files"),
            **config,
        )
        SQLAlchemy(app)
        limiter = Limiter(get_remote_address, app=app, storage_uri=redis_url)
        Returns(app, orders=MemoryOrders(make_order()))
        return app, limiter

    app, limiter = host()
    assert app.extensions["returns"].limiter is limiter
    with pytest.raises(ConfigurationError, match="leave RETURNS_RATELIMIT_STORAGE_URI unset"):
        host(RETURNS_RATELIMIT_STORAGE_URI=redis_url)
