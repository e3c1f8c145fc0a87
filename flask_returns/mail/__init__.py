"""E-mail to customers: which step sends what, the outbox, and the sending itself.

A step's message is composed in the customer's language and queued in the step's
own transaction (:func:`notify`); it is sent after the commit, or later by
:func:`send_due` (``flask returns outbox send``), and never twice.
"""

from __future__ import annotations

from .notifications import compose, connect_receivers, notify
from .outbox import MailOff, Summary, count_waiting, requeue_failed, send_due
from .startup import warn_about_mail

__all__ = [
    "MailOff",
    "Summary",
    "compose",
    "connect_receivers",
    "count_waiting",
    "notify",
    "requeue_failed",
    "send_due",
    "warn_about_mail",
]
