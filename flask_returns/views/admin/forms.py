"""The admin's forms, and reading an amount of money typed by a person.

Per-line inputs (quantities, conditions) depend on the return and are read by
:mod:`flask_returns.views.admin_actions`; these classes carry the fixed fields
and the CSRF token.
"""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...i18n import ngettext
from ...money import major_units, minor_digits
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


class BulkForm(ReturnsForm):
    """The queue's bulk buttons (``action``); the chosen returns come as repeated ``rma``."""


# At most 15 whole digits: far beyond any payment, well inside Decimal's precision.
_AMOUNT = re.compile(r"\d{1,15}(?:[.,]\d+)?")


def format_major(amount: int, currency: str) -> str:
    """Minor units as plain major-unit text for an input: ``5447`` EUR -> ``54.47``."""
    return f"{major_units(amount, currency):.{minor_digits(currency)}f}"


def parse_major(text: str, currency: str) -> tuple[int | None, str]:
    """Read a typed amount exactly: ``(minor units, "")`` or ``(None, message)``.

    Only digits with one decimal point (or comma) are taken; no floats, no
    exponents, no signs, and never more decimals than the currency has, so that
    ``12.345`` EUR is refused rather than rounded.
    """
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None, _("Enter the amount to refund.")
    if text.startswith("-"):
        return None, _("The amount cannot be negative.")
    digits = minor_digits(currency)
    if not _AMOUNT.fullmatch(text):
        return None, _(
            "Enter the amount as a number, for example %(example)s.",
            example=format_major(1050 * 10**digits // 100, currency),
        )
    whole, _sep, fraction = text.replace(",", ".").partition(".")
    if len(fraction) > digits:
        if digits == 0:
            return None, _("%(currency)s amounts have no decimal places.", currency=currency)
        return None, ngettext(
            "%(currency)s amounts have at most %(num)d decimal place.",
            "%(currency)s amounts have at most %(num)d decimal places.",
            digits,
            currency=currency,
        )
    minor = int(Decimal(f"{whole}.{fraction or '0'}").scaleb(digits))
    if minor <= 0:
        return None, _("Enter an amount greater than zero.")
    return minor, ""
