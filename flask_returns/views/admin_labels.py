"""The admin pages' words for statuses, history actions and actors, and their times."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_skeleton

from ..i18n import current_locale
from ..i18n import gettext as _
from ..labels import status_labels

__all__ = ["action_label", "actor_label", "format_when", "status_labels"]


def action_label(action: str) -> str:
    """What an event did, in words; an action we do not know shows as written."""
    labels = {
        "requested": _("Return requested"),
        "authorized": _("Authorized"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
        "received": _("Goods received"),
        "refunded": _("Return refunded"),
        "reopened": _("Reopened after a failed refund"),
        "refund_requested": _("Refund requested"),
        "policy_overridden": _("Policy overridden"),
        "refund_pending": _("Refund pending"),
        "refund_requires_action": _("Refund needs action"),
        "refund_succeeded": _("Refund succeeded"),
        "refund_failed": _("Refund failed"),
        "refund_canceled": _("Refund canceled"),
        "label_reprinted": _("Label reprinted"),
    }
    return labels.get(action, action)


def actor_label(kind: str) -> str:
    """Who acted, by kind (the id is shown beside it)."""
    labels = {
        "customer": _("Customer"),
        "admin": _("Admin"),
        "system": _("System"),
        "stripe": _("Stripe"),
    }
    return labels.get(kind, kind)


def format_when(value: datetime | None) -> str:
    """Date and time in UTC, in the admin's language (the history is read across zones)."""
    if value is None:
        return ""
    locale = current_locale()
    day = format_skeleton("yMMMd", value, tzinfo=UTC, locale=locale)
    return f"{day} {format_skeleton('Hm', value, tzinfo=UTC, locale=locale)} UTC"
