"""The mail settings, their checks, and whether mail can go out at all.

Kept apart from :mod:`flask_returns.config` so that the mail rules (an address,
a port, the kinds of message) sit with the mail code, and so that "mail is off"
is decided in one place: without an SMTP host and without a host sender the
outbox still fills, and the shop is told once at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

from flask import Flask

from . import setting_checks as checks
from .errors import ConfigurationError
from .setting_checks import Setting

#: Every message the customer can get, in the order a return lives through them.
MAIL_KINDS = (
    "request_received",
    "authorized",
    "rejected",
    "goods_received",
    "refund_issued",
    "refund_failed",
)

SECURITY_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def check_address(key: str, value: Any) -> str | None:
    """``returns@shop.example`` or ``Shop <returns@shop.example>``; one line, one address."""
    if value is None:
        return None
    if isinstance(value, str) and not any(c in value for c in "\r\n\0"):
        _name, address = parseaddr(value)
        local, _at, domain = address.rpartition("@")
        if local and "." in domain and " " not in address:
            return value
    raise ConfigurationError(
        f"{key} must be an e-mail address such as 'Shop <returns@shop.example>', got {value!r}"
    )


def check_port(key: str, value: Any) -> int | None:
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536
    ):
        return value
    raise ConfigurationError(f"{key} must be a port number 1-65535 or None, got {value!r}")


def check_kinds(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ConfigurationError(f"{key} must be a list of message kinds, got {value!r}")
    unknown = sorted(set(value) - set(MAIL_KINDS))
    if unknown:
        raise ConfigurationError(
            f"{key} names unknown message kinds: {', '.join(map(str, unknown))} "
            f"(known: {', '.join(MAIL_KINDS)})"
        )
    return tuple(kind for kind in MAIL_KINDS if kind in value)


def mail_enabled(settings: Mapping[str, Any]) -> bool:
    """True when there is a way to send: an SMTP host or the host's own sender."""
    return bool(settings["RETURNS_SMTP_HOST"] or settings["RETURNS_MAIL_SENDER"])


def check_mail_settings(settings: Mapping[str, Any]) -> None:
    """The rules between mail settings (each one alone is checked in config.py)."""
    if mail_enabled(settings) and not settings["RETURNS_MAIL_FROM"]:
        raise ConfigurationError(
            "RETURNS_MAIL_FROM is needed to send customer e-mails "
            "(RETURNS_SMTP_HOST or RETURNS_MAIL_SENDER is set)"
        )
    if settings["RETURNS_SMTP_HOST"] and settings["RETURNS_MAIL_SENDER"]:
        raise ConfigurationError(
            "set RETURNS_SMTP_HOST or RETURNS_MAIL_SENDER, not both: which one sends?"
        )
    if bool(settings["RETURNS_SMTP_USERNAME"]) != bool(settings["RETURNS_SMTP_PASSWORD"]):
        raise ConfigurationError("RETURNS_SMTP_USERNAME and RETURNS_SMTP_PASSWORD go together")


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


# The mail part of flask_returns.config.SETTINGS.
MAIL_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_MAIL_FROM",
        None,
        "Sender of customer e-mails, e.g. `Shop <returns@shop.example>` (a bare address "
        "gets `RETURNS_SHOP_NAME` as its name); needed once mail is on.",
        check_address,
    ),
    Setting(
        "RETURNS_SMTP_HOST",
        None,
        "SMTP server that sends customer e-mails. With neither this nor "
        "`RETURNS_MAIL_SENDER`, mail is off: messages wait in the outbox (with a warning "
        "at start-up).",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_SMTP_PORT",
        None,
        "SMTP port; None means 25, 587 with `starttls`, 465 with `ssl`.",
        check_port,
    ),
    Setting(
        "RETURNS_SMTP_USERNAME",
        None,
        "SMTP login, with `RETURNS_SMTP_PASSWORD`; None sends without logging in.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_SMTP_PASSWORD",
        None,
        "SMTP password.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_SMTP_SECURITY",
        "starttls",
        "`starttls` (upgrade a plain connection, certificate checked), `ssl` (TLS from the "
        "first byte) or `none` (a local relay or a debugging server only).",
        checks.choice("starttls", "ssl", "none"),
    ),
    Setting(
        "RETURNS_SMTP_TIMEOUT",
        10,
        "Seconds to wait for the SMTP server at each step before the attempt counts as "
        "failed (the message stays queued).",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_MAIL_SENDER",
        None,
        "Instead of SMTP, a callable `send(message)` taking an `email.message.EmailMessage` "
        "(your mail API); it raises to say the message was not sent.",
        checks.optional_callable,
    ),
    Setting(
        "RETURNS_MAIL_SEND_AFTER_COMMIT",
        True,
        "Send new messages as soon as the change they report is committed; a failure "
        "leaves them queued. False leaves all sending to `flask returns outbox send`.",
        checks.flag,
    ),
    Setting(
        "RETURNS_MAIL_KINDS",
        MAIL_KINDS,
        "Messages the customer gets: request_received, authorized, rejected, "
        "goods_received, refund_issued, refund_failed; leave out the ones your own signal "
        "receivers send.",
        check_kinds,
    ),
    Setting(
        "RETURNS_OUTBOX_MAX_ATTEMPTS",
        12,
        "Sending attempts per message before it is marked failed.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_OUTBOX_RETRY_DELAY",
        60,
        "Seconds before the first retry; each further retry waits twice as long, at most 6 hours.",
        checks.int_at_least(1),
    ),
)
