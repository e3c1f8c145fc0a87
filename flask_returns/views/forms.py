"""The customer's and admin's forms; labels and messages are in our domain."""

from __future__ import annotations

from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional

from ..i18n import lazy_gettext as _l
from .form_base import ReturnsForm, at_most


def _order_email_field() -> EmailField:
    """The e-mail the order was placed with; both look-up forms ask for it."""
    return EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address you ordered with.")),
            Email(_l("Enter an e-mail address like name@example.com."), check_deliverability=False),
            at_most(254),
        ],
    )


class OrderLookupForm(ReturnsForm):
    """Find an order by its number and the e-mail address it was placed with."""

    order_number = StringField(
        _l("Order number"),
        validators=[DataRequired(_l("Enter your order number.")), at_most(64)],
    )
    email = _order_email_field()


class ReturnRequestForm(ReturnsForm):
    """The parts of the return form that are the same for every order.

    The per-line fields (quantity, reason, comment, photos) depend on the order
    and are read by :mod:`flask_returns.views.line_choices`.
    """

    comment = TextAreaField(
        _l("Anything else we should know? (optional)"),
        validators=[Optional(), at_most(2000)],
    )


class TrackForm(ReturnsForm):
    """Find a return by its RMA number and the customer's e-mail address."""

    rma = StringField(
        _l("Return number (RMA)"),
        validators=[DataRequired(_l("Enter the return number, e.g. R-7KQ2-9XDM.")), at_most(16)],
    )
    email = _order_email_field()


class ConfirmForm(ReturnsForm):
    """A bare form for one-button actions: it carries the CSRF token."""


class MessageForm(ReturnsForm):
    """The customer's message on the status page; the text and photos are read by the
    view and checked by :mod:`flask_returns.conversation` (limits worded there)."""
