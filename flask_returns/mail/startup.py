"""What start-up says about mail, so nobody waits for e-mail that cannot come."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..settings import mail_enabled


def warn_about_mail(app: Flask, settings: Mapping[str, Any]) -> None:
    """Say at start-up what will not happen, so nobody waits for mail that cannot come."""
    if not settings["RETURNS_MAIL_KINDS"]:
        return
    if not mail_enabled(settings):
        app.logger.warning(
            "flask-returns sends no customer e-mail until RETURNS_SMTP_HOST or "
            "RETURNS_MAIL_SENDER is set; messages wait in the outbox (returns_outbox) "
            "and `flask returns outbox send` delivers them once it is"
        )
    elif settings["RETURNS_PUBLIC_URL"] is None:
        app.logger.warning(
            "flask-returns e-mails written outside a request (cron commands, scripts) "
            "carry no links until RETURNS_PUBLIC_URL is set"
        )
