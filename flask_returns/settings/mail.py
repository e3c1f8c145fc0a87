"""The settings for customer e-mail: who sends it, through which server, which kinds.

A part of the one table (:data:`~flask_returns.settings.table.SETTINGS` takes these in
their place), kept here so each file stays one screenful of rules; the rules between
them are :func:`flask_returns.settings._check_mail`.
"""

from __future__ import annotations

from . import checks
from .checks import Setting

MAIL_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_MAIL_FROM",
        None,
        "Sender of customer e-mails, e.g. `Shop <returns@shop.example>` (a bare address "
        "gets `RETURNS_SHOP_NAME` as its name); needed once mail is on.",
        checks.check_address,
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
        checks.check_port,
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
        checks.MAIL_KINDS,
        "Messages the customer gets: request_received, authorized, rejected, "
        "goods_received, refund_issued, refund_failed, resolution_changed, "
        "replacement_ordered, replacement_shipped, store_credit_issued, shop_message; leave "
        "out the ones "
        "your own signal receivers send.",
        checks.check_kinds,
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
