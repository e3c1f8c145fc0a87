"""The shop's adapter: how flask-returns sees this shop's orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from flask_returns import Address, Order, OrderLine

from .models import Customer, Product, ShopOrder, ShopOrderLine, db


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def to_returns_order(rows: Sequence[sa.Row[Any]]) -> Order:
    """The order from its rows of ``_ORDER_ROWS``: one per line, in line order."""
    first = rows[0]
    return Order(
        reference=str(first.id),
        number=first.number,
        email=first.email,
        currency=first.currency,
        placed_at=_aware(first.placed_at),  # type: ignore[arg-type]
        delivered_at=_aware(first.delivered_at),
        customer_name=first.customer_name,
        locale=first.locale,
        payment_reference=first.payment_intent_id,
        shipping_amount=first.shipping_amount,
        shipping_address=Address(
            name=first.customer_name,
            line1=first.street,
            postal_code=first.postal_code,
            city=first.city,
            country=first.country,
        ),
        lines=tuple(
            OrderLine(
                id=str(row.line_id),
                sku=row.sku,
                name=row.product_name,
                quantity=row.quantity,
                unit_amount=row.unit_amount,
                currency=first.currency,
                returnable=row.returnable,
                non_returnable_reason=row.non_returnable_reason,
                category=row.category,
            )
            for row in rows
            if row.line_id is not None  # an order without lines still has its one row
        ),
    )


# One round trip for the order, its customer, its lines and their products: the
# returns pages ask for the order on every request. Only the columns the returns
# module reads, as plain rows (no ORM objects to build and track), and built once
# with bound parameters, so SQLAlchemy does not rebuild its cache key per call.
_ORDER_ROWS = (
    sa.select(
        ShopOrder.id,
        ShopOrder.number,
        ShopOrder.currency,
        ShopOrder.placed_at,
        ShopOrder.delivered_at,
        ShopOrder.shipping_amount,
        ShopOrder.payment_intent_id,
        Customer.email,
        Customer.name.label("customer_name"),
        Customer.locale,
        Customer.street,
        Customer.postal_code,
        Customer.city,
        Customer.country,
        ShopOrderLine.id.label("line_id"),
        ShopOrderLine.quantity,
        ShopOrderLine.unit_amount,
        Product.sku,
        Product.name.label("product_name"),
        Product.category,
        Product.returnable,
        Product.non_returnable_reason,
    )
    .join(ShopOrder.customer)
    .outerjoin(ShopOrder.lines)
    .outerjoin(ShopOrderLine.product)
    .order_by(ShopOrderLine.id)
)
_BY_NUMBER_AND_EMAIL = _ORDER_ROWS.where(
    ShopOrder.number == sa.bindparam("number"),
    sa.func.lower(Customer.email) == sa.bindparam("email", type_=sa.String),
)
_BY_ID = _ORDER_ROWS.where(ShopOrder.id == sa.bindparam("id"))


def _one_order(statement: sa.Select[Any], **params: object) -> Order | None:
    rows = db.session.execute(statement, params).all()
    return to_returns_order(rows) if rows else None


class ShopOrders:
    """Implements ``flask_returns.OrderSource`` over the shop's own tables, and
    ``flask_returns.orders.SalesSource`` so the returns dashboard shows return rates."""

    def find_order(self, number: str, email: str) -> Order | None:
        return _one_order(_BY_NUMBER_AND_EMAIL, number=number.strip(), email=email.strip().lower())

    def get_order(self, reference: str) -> Order | None:
        if not reference.isdigit():
            return None
        return _one_order(_BY_ID, id=int(reference))

    def units_sold(self, since: datetime, until: datetime) -> dict[str, int]:
        """Units per SKU in orders placed in [since, until); the shop stores naive UTC."""
        rows = db.session.execute(
            sa.select(Product.sku, sa.func.sum(ShopOrderLine.quantity))
            .join(ShopOrderLine.product)
            .join(ShopOrderLine.order)
            .where(
                ShopOrder.placed_at >= since.astimezone(UTC).replace(tzinfo=None),
                ShopOrder.placed_at < until.astimezone(UTC).replace(tzinfo=None),
            )
            .group_by(Product.sku)
        )
        return {sku: int(units) for sku, units in rows}
