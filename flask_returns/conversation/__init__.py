"""A conversation on every return: the rules a message is held to, and reply templates
chosen in the admin's language and sent in the customer's. Writing a message (and
what it changes: who the return waits for) is :mod:`flask_returns.workflow`."""

from __future__ import annotations

from .refusals import MessageRefused, Refusal
from .replies import PLACEHOLDERS, SHIPPED, ReplyTemplate, facts, render_reply, reply_templates
from .rules import check_customer_pace, checked_body

__all__ = [
    "PLACEHOLDERS",
    "SHIPPED",
    "MessageRefused",
    "Refusal",
    "ReplyTemplate",
    "check_customer_pace",
    "checked_body",
    "facts",
    "render_reply",
    "reply_templates",
]
