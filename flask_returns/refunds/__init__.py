"""Refunds through Stripe, exactly once: what to refund, issuing it, many at once.

:func:`propose_refund` says what the policy would pay, :func:`issue_refund` pays
it (record first, then call Stripe, settle a lost answer by looking it up), and
:func:`refund_returns` does that for a batch. Stripe's later word about a refund
(webhooks, ``flask returns reconcile``) is recorded by :func:`handle_stripe_event`
and :func:`reconcile_open_refunds`.
"""

from __future__ import annotations

from .bulk import refund_returns
from .issue import RefundRefused, issue_refund
from .proposal import RefundProposal, check_amount, propose_refund, refundable_status
from .refusals import Refusal, refusal_message
from .settlement import reconcile_open_refunds
from .stripe_events import handle_stripe_event

__all__ = [
    "RefundProposal",
    "RefundRefused",
    "Refusal",
    "check_amount",
    "handle_stripe_event",
    "issue_refund",
    "propose_refund",
    "reconcile_open_refunds",
    "refund_returns",
    "refundable_status",
    "refusal_message",
]
