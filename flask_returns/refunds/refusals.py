"""Why a refund was not made: a code, its parameters, and the words, in one table.

Code that refuses raises ``RefundRefused(Refusal.X, **params)``; the words are
chosen here, in the reader's language, when the refusal is shown. A view puts the
message beside the field the code names (:attr:`RefundRefused.field`), a bulk run
lists it beside the return, a host's code can branch on :attr:`RefundRefused.code`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from ..errors import ReturnsError
from ..i18n import format_money, status_labels
from ..i18n import gettext as _


class Refusal(enum.StrEnum):
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    NO_PAYMENT = "no_payment"
    ORDER_AMOUNTS = "order_amounts"
    STRIPE_UNREACHABLE = "stripe_unreachable"
    WRONG_STATUS = "wrong_status"
    EARLIER_REFUND_OPEN = "earlier_refund_open"
    NOTHING_TO_REFUND = "nothing_to_refund"
    LESS_THAN_PROPOSED = "less_than_proposed"
    OVERRIDE_NEEDED = "override_needed"
    ABOVE_MAXIMUM = "above_maximum"
    NOTE_NEEDED = "note_needed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    DECLINED = "declined"
    ALREADY_REFUNDED = "already_refunded"
    STRIPE_REFUSED = "stripe_refused"
    STRIPE_AUTH = "stripe_auth"
    STRIPE_BUSY = "stripe_busy"
    STRIPE_FAILED = "stripe_failed"


# The admin refund form's field each refusal belongs beside (others go on top).
FIELDS = {
    Refusal.AMOUNT_NOT_POSITIVE: "refund_amount",
    Refusal.NOTHING_TO_REFUND: "refund_amount",
    Refusal.ABOVE_MAXIMUM: "refund_amount",
    Refusal.STRIPE_UNREACHABLE: "refund_amount",
    Refusal.OVERRIDE_NEEDED: "override_reason",
    Refusal.NOTE_NEEDED: "refund_note",
}

# Stripe's kinds of failure (payments.stripe.StripeFailure.kind) as refusals.
STRIPE_KINDS = {
    "declined": Refusal.DECLINED,
    "already_refunded": Refusal.ALREADY_REFUNDED,
    "invalid": Refusal.STRIPE_REFUSED,
    "auth": Refusal.STRIPE_AUTH,
    "rate_limited": Refusal.STRIPE_BUSY,
}


def _money(params: dict[str, Any]) -> str:
    return format_money(max(params["amount"], 0), params["currency"])


_WORDS: dict[Refusal, Callable[[dict[str, Any]], str]] = {
    Refusal.AMOUNT_NOT_POSITIVE: lambda p: _("Enter an amount greater than zero."),
    Refusal.NO_PAYMENT: lambda p: _("The order has no payment to refund."),
    Refusal.ORDER_AMOUNTS: lambda p: _(
        "The shop's order data has an amount Stripe could not have charged, so nothing "
        "was refunded: %(problem)s",
        problem=p["problem"],
    ),
    Refusal.STRIPE_UNREACHABLE: lambda p: _(
        "Stripe could not be reached to check the payment, so no refund "
        "was made. Try again in a few minutes."
    ),
    Refusal.WRONG_STATUS: lambda p: _(
        "This return cannot be refunded while it is “%(status)s”.",
        status=status_labels().get(p["status"], p["status"]),
    ),
    Refusal.EARLIER_REFUND_OPEN: lambda p: _(
        "An earlier refund of this return is still being processed "
        "at Stripe. Try again in a few minutes."
    ),
    Refusal.NOTHING_TO_REFUND: lambda p: _("Nothing can be refunded for this return now."),
    Refusal.LESS_THAN_PROPOSED: lambda p: _(
        "Less than proposed can be refunded now; refund it from its own page."
    ),
    Refusal.OVERRIDE_NEEDED: lambda p: _(
        "The policy allows at most %(amount)s. To refund more, give a reason for "
        "overriding the policy; it is kept in the return's history.",
        amount=_money(p),
    ),
    Refusal.ABOVE_MAXIMUM: lambda p: _("At most %(amount)s can be refunded now.", amount=_money(p)),
    Refusal.NOTE_NEEDED: lambda p: _("Say why you refund less than proposed; it stays on record."),
    Refusal.OUTCOME_UNKNOWN: lambda p: _(
        "Stripe did not answer, so we cannot tell yet whether the "
        "refund went through. It will be checked at Stripe before "
        "any new attempt; nothing will be refunded twice."
    ),
    Refusal.DECLINED: lambda p: _(
        "The card or bank refused the refund: %(detail)s", detail=p.get("detail", "")
    ),
    Refusal.ALREADY_REFUNDED: lambda p: _("Stripe says this payment is already fully refunded."),
    Refusal.STRIPE_REFUSED: lambda p: _(
        "Stripe refused the refund: %(detail)s", detail=p.get("detail", "")
    ),
    Refusal.STRIPE_AUTH: lambda p: _("Stripe refused our API key. Check RETURNS_STRIPE_API_KEY."),
    Refusal.STRIPE_BUSY: lambda p: _("Stripe is busy right now. Try again in a minute."),
    Refusal.STRIPE_FAILED: lambda p: _(
        "Stripe had a problem and made no refund. Try again in a few minutes."
    ),
}


def refusal_message(code: Refusal, params: dict[str, Any]) -> str:
    """The words for a refusal, in the language being shown now."""
    return _WORDS[code](params)


class RefundRefused(ReturnsError):
    """No refund was made: :attr:`code` says why, ``str()`` says it in the reader's words."""

    def __init__(self, code: Refusal, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params

    @property
    def field(self) -> str | None:
        """The refund form's field this refusal belongs beside, if any."""
        return FIELDS.get(self.code)

    def __str__(self) -> str:
        return refusal_message(self.code, self.params)
