"""Helpers for the e-mail tests: settings aimed at the test SMTP server, reading messages."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask

from flask_returns.models import OutboxMessage

PUBLIC_URL = "http://localhost"
RETURN_ADDRESS = {
    "name": "Test Shop Returns",
    "line1": "Lagerstraße 7",
    "postal_code": "10317",
    "city": "Berlin",
    "country": "DE",
}


def mail_config(smtp, **extra: object) -> dict[str, object]:
    """Settings that send through the test SMTP server, with absolute links to the test host."""
    return {
        "RETURNS_SMTP_HOST": smtp.host,
        "RETURNS_SMTP_PORT": smtp.port,
        "RETURNS_SMTP_SECURITY": "none",
        "RETURNS_SMTP_TIMEOUT": 5,
        "RETURNS_MAIL_FROM": "Example Shop <returns@shop.example>",
        "RETURNS_PUBLIC_URL": PUBLIC_URL,
        **extra,
    }


def outbox_rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        session = app.extensions["returns"].session
        rows = list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def link_path(url: str) -> str:
    """The path of an absolute link to the test host, for the test client."""
    split = urlsplit(url)
    assert f"{split.scheme}://{split.netloc}" == PUBLIC_URL, url
    return split.path
