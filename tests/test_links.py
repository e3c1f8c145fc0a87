"""Customer links in e-mails and PDFs: absolute, also when no request is running."""

from __future__ import annotations

import pytest

from flask_returns.errors import ConfigurationError
from flask_returns.links import external_url, return_for_token

from .hosts import make_host


def test_public_url_builds_links_outside_a_request(tmp_path):
    app = make_host(f"sqlite:///{tmp_path}/db.sqlite", RETURNS_PUBLIC_URL="https://shop.example/")
    with app.app_context():
        url = external_url("returns.status", token="abc")
    assert url == "https://shop.example/returns/status/abc"


def test_request_address_is_used_when_no_public_url_is_set(tmp_path):
    app = make_host(f"sqlite:///{tmp_path}/db.sqlite")
    with app.test_request_context(base_url="http://127.0.0.1:5001/"):
        assert external_url("returns.status", token="abc") == (
            "http://127.0.0.1:5001/returns/status/abc"
        )
    with app.app_context(), pytest.raises(RuntimeError, match="RETURNS_PUBLIC_URL"):
        external_url("returns.status", token="abc")


@pytest.mark.parametrize("value", ["shop.example", "ftp://shop.example", "https://a b", 42])
def test_a_public_url_that_is_not_an_http_address_stops_start_up(tmp_path, value):
    with pytest.raises(ConfigurationError, match="RETURNS_PUBLIC_URL"):
        make_host(f"sqlite:///{tmp_path}/db.sqlite", RETURNS_PUBLIC_URL=value)


def test_a_forged_token_opens_nothing(tmp_path):
    app = make_host(f"sqlite:///{tmp_path}/db.sqlite")
    with app.app_context():
        assert return_for_token("not-a-token") is None
