"""The admin's forms, and reading an amount of money typed by a person.

Per-line inputs (quantities, conditions) depend on the return and are read by
:mod:`flask_returns.views.admin_actions`; these classes carry the fixed fields
and the CSRF token.
"""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ...i18n import AmountUnreadable, format_amount_input, read_amount
from ...i18n import lazy_gettext as _l
from ..form_base import ReturnsForm, at_most

# What an item can look like when it comes back, best first.
CONDITIONS = ("as_new", "opened", "used", "damaged")
CONDITION_LABELS = {
    "as_new": _l("As new"),
    "opened": _l("Opened"),
    "used": _l("Used"),
    "damaged": _l("Damaged"),
}


class AuthorizeForm(ReturnsForm):
    """Authorize a return; quantities per line come as ``qty-<line id>``."""

    authorization_note = TextAreaField(
        _l("Note to the customer (optional)"),
        validators=[Optional(), at_most(2000)],
    )


class RejectForm(ReturnsForm):
    """Refuse a return; the customer reads the reason as written."""

    rejection_reason = TextAreaField(
        _l("Why the return is refused (the customer sees this)"),
        validators=[
            DataRequired(_l("Write the reason the customer will read.")),
            at_most(2000),
        ],
    )


class ReceiveForm(ReturnsForm):
    """Record what came back; per line ``qty-``, ``condition-`` and ``resellable-<line id>``."""


class RefundForm(ReturnsForm):
    """Refund an amount in major units.

    A lower amount than proposed needs a note; a higher one (the policy overridden)
    needs a reason, and both stay on record.
    """

    refund_amount = StringField(
        _l("Amount to refund"),
        validators=[at_most(32)],
    )
    refund_note = TextAreaField(
        _l("Note (needed when refunding less than proposed)"),
        validators=[Optional(), at_most(2000)],
    )
    override_reason = TextAreaField(
        _l("Reason for going beyond the policy"),
        validators=[Optional(), at_most(2000)],
    )


class ResolutionForm(ReturnsForm):
    """Change one line's resolution; the resolution and variant are read from the form
    and checked by the workflow's one rule."""

    resolution_note = TextAreaField(
        _l("Why (the customer reads this)"),
        validators=[Optional(), at_most(1000)],
    )


class MessageReplyForm(ReturnsForm):
    """The admin's answer; template, text and "asks the customer" are read by the view."""


class BulkForm(ReturnsForm):
    """The queue's bulk buttons (``action``); the chosen returns come as repeated ``rma``."""


def format_major(amount: int, currency: str) -> str:
    """An amount as the admin types it, in the admin's language (``24 990`` in hu)."""
    return format_amount_input(amount, currency)


def parse_major(text: str, currency: str) -> tuple[int | None, str]:
    """Read a typed amount exactly: ``(Stripe's units, "")`` or ``(None, message)``."""
    try:
        return read_amount(text, currency), ""
    except AmountUnreadable as unreadable:
        return None, str(unreadable)
