"""The shop's adapter: how flask-returns sees this shop's orders."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from flask_returns import Address, Order, OrderLine

from .models import Customer, ShopOrder, ShopOrderLine, db


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def to_returns_order(order: ShopOrder) -> Order:
    customer = order.customer
    return Order(
        reference=str(order.id),
        number=order.number,
        email=customer.email,
        currency=order.currency,
        placed_at=_aware(order.placed_at),  # type: ignore[arg-type]
        delivered_at=_aware(order.delivered_at),
        customer_name=customer.name,
        locale=customer.locale,
        payment_reference=order.payment_intent_id,
        shipping_amount=order.shipping_amount,
        shipping_address=Address(
            name=customer.name,
            line1=customer.street,
            postal_code=customer.postal_code,
            city=customer.city,
            country=customer.country,
        ),
        lines=tuple(
            OrderLine(
                id=str(line.id),
                sku=line.product.sku,
                name=line.product.name,
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                currency=order.currency,
                returnable=line.product.returnable,
                non_returnable_reason=line.product.non_returnable_reason,
                category=line.product.category,
            )
            for line in order.lines
        ),
    )


# One round trip for the order, its customer, its lines and their products: the
# returns pages ask for the order on every request.
_WITH_LINES = sa.select(ShopOrder).options(
    joinedload(ShopOrder.customer),
    selectinload(ShopOrder.lines).joinedload(ShopOrderLine.product),
)


class ShopOrders:
    """Implements ``flask_returns.OrderSource`` over the shop's own tables."""

    def find_order(self, number: str, email: str) -> Order | None:
        order = db.session.scalar(
            _WITH_LINES.join(Customer).where(
                ShopOrder.number == number.strip(),
                sa.func.lower(Customer.email) == email.strip().lower(),
            )
        )
        return to_returns_order(order) if order else None

    def get_order(self, reference: str) -> Order | None:
        if not reference.isdigit():
            return None
        order = db.session.scalar(_WITH_LINES.where(ShopOrder.id == int(reference)))
        return to_returns_order(order) if order else None
