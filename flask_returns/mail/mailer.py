"""Turning a stored message into MIME, and handing it to SMTP or the host's sender.

Nothing here knows about returns or the outbox: :mod:`flask_returns.mail.outbox`
decides what to send and when, this module only how. Every header value is
forced onto one line, so text that came from a customer, an admin or a
translation can never start a header of its own.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from typing import Any, Protocol

from ..models import utcnow
from ..settings import SECURITY_DEFAULT_PORTS, mail_enabled


class Mailer(Protocol):
    """Something that sends one message or raises; ``close`` ends a batch."""

    def send(self, message: EmailMessage, recipients: list[str]) -> None: ...

    def close(self) -> None: ...


# Line breaks of any kind (and tabs) become one space; other control characters go.
# A no-break space stays: "24,99 €" must not break between amount and currency.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029 ]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def one_line(text: str, limit: int = 255) -> str:
    """``text`` on one line: no CR or LF can start a header of its own."""
    return _BREAKS.sub(" ", _CONTROLS.sub("", str(text))).strip()[:limit]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def build_message(
    *,
    sender: str,
    shop_name: str,
    recipient: str,
    subject: str,
    text_body: str,
    html_body: str,
    message_id: str,
    locale: str,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A multipart/alternative message (plus attachments, as multipart/mixed).

    Raises ``ValueError`` (or a subclass) for an address that cannot be written.
    """
    name, address = parseaddr(sender)
    message = EmailMessage()
    message["Subject"] = one_line(subject, 998)
    message["From"] = Address(display_name=one_line(name or shop_name), addr_spec=address)
    message["To"] = Address(addr_spec=_plain_address(recipient))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = one_line(message_id)
    # RFC 3834: no out-of-office replies to a machine's message.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps long HTML lines and non-ASCII text intact on any server.
    message.set_content(text_body, cte="quoted-printable")
    message.add_alternative(html_body, subtype="html", cte="quoted-printable")
    for item in attachments:
        message.add_attachment(
            item.content,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=one_line(item.filename, 100),
        )
    # Last: building the MIME tree moves Content-* headers into the first part.
    message["Content-Language"] = one_line(locale.replace("_", "-"), 35)
    return message


def _plain_address(value: str) -> str:
    if value != one_line(value) or "@" not in value or "," in value:
        raise ValueError(f"not a single e-mail address: {value!r}")
    return value


def is_permanent(error: BaseException) -> bool:
    """True for an answer that will not change on retry: every recipient refused for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, ValueError)


@cache
def _local_hostname() -> str:
    # smtplib looks this up for every connection; once is enough.
    return socket.getfqdn()


class SMTPMailer:
    """One SMTP connection per batch, opened on the first message, with a timeout."""

    def __init__(
        self,
        host: str,
        *,
        port: int | None = None,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ) -> None:
        self.host = host
        self.port = port or SECURITY_DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.security == "ssl":
            connection = smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.timeout,
                context=context,
                local_hostname=_local_hostname(),
            )
        else:
            connection = smtplib.SMTP(
                self.host, self.port, timeout=self.timeout, local_hostname=_local_hostname()
            )
        try:
            if self.security == "starttls":
                connection.starttls(context=context)
            if self.username:
                connection.login(self.username, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message, to_addrs=recipients)
        except BaseException as error:
            # A refusal leaves the session usable (smtplib resets it); anything else
            # (a dropped or timed-out connection) means the next message connects anew.
            if isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(
                error, smtplib.SMTPException
            ):
                self._drop()
            raise

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


class CallableMailer:
    """The host's own sender (``RETURNS_MAIL_SENDER``): ``send(message)``, raising on failure."""

    def __init__(self, send: Callable[[EmailMessage], Any]) -> None:
        self._send = send

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self._send(message)

    def close(self) -> None:
        close = getattr(self._send, "close", None)
        if callable(close):
            close()


def mailer_from_settings(settings: Mapping[str, Any]) -> Mailer | None:
    """The configured way to send, or None while mail is off."""
    if not mail_enabled(settings):
        return None
    if settings["RETURNS_MAIL_SENDER"] is not None:
        return CallableMailer(settings["RETURNS_MAIL_SENDER"])
    return SMTPMailer(
        settings["RETURNS_SMTP_HOST"],
        port=settings["RETURNS_SMTP_PORT"],
        security=settings["RETURNS_SMTP_SECURITY"],
        username=settings["RETURNS_SMTP_USERNAME"],
        password=settings["RETURNS_SMTP_PASSWORD"],
        timeout=settings["RETURNS_SMTP_TIMEOUT"],
    )
