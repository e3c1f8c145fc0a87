"""Who takes a step, and what a customer or an admin asks of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import ActorKind
from ..photos import StoredPhoto


@dataclass(frozen=True)
class Actor:
    """Who takes a step: recorded on the event and passed to signal receivers."""

    kind: ActorKind
    id: str = ""

    @classmethod
    def customer(cls, email: str) -> Actor:
        return cls(ActorKind.CUSTOMER, email)

    @classmethod
    def admin(cls, user_id: str) -> Actor:
        return cls(ActorKind.ADMIN, str(user_id))

    @classmethod
    def system(cls, what: str = "") -> Actor:
        return cls(ActorKind.SYSTEM, what)

    @classmethod
    def stripe(cls, event_id: str = "") -> Actor:
        return cls(ActorKind.STRIPE, event_id)


@dataclass(frozen=True)
class LineRequest:
    """A customer's choice for one order line."""

    order_line_id: str
    quantity: int
    reason: str
    comment: str = ""
    photos: Sequence[StoredPhoto] = ()
    # What the customer asks for instead of the item: a refund unless the policy
    # offers more for the reason; ``exchange_sku`` names the variant of an exchange.
    resolution: str = "refund"
    exchange_sku: str = ""


@dataclass(frozen=True)
class LineReceipt:
    """What arrived back for one return line."""

    line_id: int
    quantity: int
    condition: str = ""
    resellable: bool = True
