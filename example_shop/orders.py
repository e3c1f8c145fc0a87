"""The shop's adapter: how flask-returns sees this shop's orders, and what it asks of them.

Besides finding orders, the adapter implements the optional protocols of
``flask_returns.resolutions.host``: the other sizes of a product for an exchange
(``ExchangeSource``), replacement orders in the shop's own order list
(``OutboundOrders``) and credit on the customer's gift-card balance
(``StoreCreditIssuer``). The returns module calls the last two outside its own
transaction, through the same ``db.session``, with a key that is the same on every
retry: each row made stores the key in a unique column and is committed here, so a
repeated call (or two at once) finds the first row instead of making a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_returns import Address, Order, OrderLine
from flask_returns.resolutions import ExchangeOption, OutboundItem, OutboundOrder, StoreCredit

from .models import (
    REPLACEMENT,
    SALE,
    Customer,
    GiftCardEntry,
    Product,
    ShopOrder,
    ShopOrderLine,
    db,
    utcnow,
)


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
# Customers return what they bought: a replacement order (no charge) is not looked up.
_BY_NUMBER_AND_EMAIL = _ORDER_ROWS.where(
    ShopOrder.kind == SALE,
    ShopOrder.number == sa.bindparam("number"),
    sa.func.lower(Customer.email) == sa.bindparam("email", type_=sa.String),
)
_BY_ID = _ORDER_ROWS.where(ShopOrder.id == sa.bindparam("id"))


def _one_order(statement: sa.Select[Any], **params: object) -> Order | None:
    rows = db.session.execute(statement, params).all()
    return to_returns_order(rows) if rows else None


# How many times a replacement order is tried with the next free number, when another
# replacement of the same sale took the number first.
_NUMBER_TRIES = 5


class ShopOrders:
    """Implements ``flask_returns.OrderSource`` over the shop's own tables,
    ``flask_returns.orders.SalesSource`` so the returns dashboard shows return rates, and
    ``ExchangeSource``, ``OutboundOrders`` and ``StoreCreditIssuer`` so customers may
    take another size, a replacement or store credit instead of their money."""

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
                ShopOrder.kind == SALE,  # replacements are not sales
                ShopOrder.placed_at >= since.astimezone(UTC).replace(tzinfo=None),
                ShopOrder.placed_at < until.astimezone(UTC).replace(tzinfo=None),
            )
            .group_by(Product.sku)
        )
        return {sku: int(units) for sku, units in rows}

    # ------------------------------------------------------------------ exchanges

    def exchange_options(self, order: Order, line: OrderLine) -> list[ExchangeOption]:
        """Every variant of the line's product priced in the order's currency, with
        its stock now: the line's own size too, whose stock tells the admin whether
        a replacement can ship (the returns module never offers it as an exchange)."""
        family = sa.select(Product.family).where(Product.sku == line.sku).scalar_subquery()
        variants = db.session.scalars(
            sa.select(Product)
            .where(
                Product.family == family,
                Product.family != "",
                Product.price_currency == order.currency,
            )
            .order_by(Product.variant_label, Product.sku)
        )
        return [
            ExchangeOption(
                sku=variant.sku,
                name=variant.name,
                unit_amount=variant.price,
                in_stock=variant.stock > 0,
                label=variant.variant_label,
            )
            for variant in variants
        ]

    # ------------------------------------------------------------------ replacement orders

    def create_outbound_order(
        self, key: str, order: Order, items: Sequence[OutboundItem], **context: Any
    ) -> OutboundOrder:
        """A replacement order (no charge) for ``items``, its stock taken; once per ``key``.

        Commits. A second call with the same key, or one racing this one, gets the
        first order back: the key's unique column lets only one of them in.
        """
        found = self.find_outbound_order(key)
        if found is not None:
            return found
        if not items:
            raise ValueError("a replacement order needs at least one item")
        for _ in range(_NUMBER_TRIES):
            try:
                row = _new_replacement(key, order, items, str(context.get("rma", "")))
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                found = self.find_outbound_order(key)
                if found is not None:
                    return found  # another call with this key got there first
                continue  # another replacement of this sale took the number: the next one
            except BaseException:
                db.session.rollback()
                raise
            return _outbound(row)
        raise RuntimeError(f"no free replacement number for order {order.number}")

    def find_outbound_order(self, key: str) -> OutboundOrder | None:
        row = db.session.scalar(sa.select(ShopOrder).where(ShopOrder.returns_key == key))
        return _outbound(row) if row is not None else None

    # ------------------------------------------------------------------ store credit

    def issue_store_credit(
        self, key: str, order: Order, amount: int, currency: str, **context: Any
    ) -> StoreCredit:
        """Add ``amount`` to the customer's gift-card balance; once per ``key``. Commits."""
        found = self.find_store_credit(key)
        if found is not None:
            return found
        if amount <= 0:
            raise ValueError(f"store credit must be positive, got {amount}")
        try:
            entry = GiftCardEntry(
                customer_id=_source_order(order).customer_id,
                amount=amount,
                currency=currency,
                note=f"Store credit for return {context.get('rma', '')}".strip(),
                returns_key=key,
                created_at=utcnow().replace(tzinfo=None),
            )
            db.session.add(entry)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            found = self.find_store_credit(key)
            if found is None:
                raise
            return found
        except BaseException:
            db.session.rollback()
            raise
        return _credit(entry)

    def find_store_credit(self, key: str) -> StoreCredit | None:
        entry = db.session.scalar(sa.select(GiftCardEntry).where(GiftCardEntry.returns_key == key))
        return _credit(entry) if entry is not None else None


def _source_order(order: Order) -> ShopOrder:
    source = db.session.get(ShopOrder, int(order.reference)) if order.reference.isdigit() else None
    if source is None:
        raise LookupError(f"order {order.number} is not in the shop")
    return source


def _new_replacement(key: str, order: Order, items: Sequence[OutboundItem], rma: str) -> ShopOrder:
    """Add the replacement order and take its stock, uncommitted.

    The order is flushed first, so a second call with the same key stops at the
    key's unique index (on PostgreSQL it waits there until the first commits) before
    it has moved any stock.
    """
    source = _source_order(order)
    skus = {item.sku for item in items}
    products = {
        p.sku: p for p in db.session.scalars(sa.select(Product).where(Product.sku.in_(skus)))
    }
    unknown = skus - set(products)
    if unknown:
        raise LookupError(f"the shop sells no {', '.join(sorted(unknown))}")
    earlier = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ShopOrder)
        .where(ShopOrder.source_order_id == source.id, ShopOrder.kind == REPLACEMENT)
    )
    row = ShopOrder(
        number=f"{source.number}-R{(earlier or 0) + 1}",
        kind=REPLACEMENT,
        customer_id=source.customer_id,
        currency=source.currency,
        placed_at=utcnow().replace(tzinfo=None),
        delivered_at=None,
        shipping_amount=0,
        payment_intent_id=None,
        returns_key=key,
        returns_rma=rma,
        source_order_id=source.id,
    )
    for item in items:
        # No charge: the customer paid for these in the order they replace.
        row.lines.append(
            ShopOrderLine(product=products[item.sku], quantity=item.quantity, unit_amount=0)
        )
    db.session.add(row)
    db.session.flush()
    for item in items:
        db.session.execute(
            sa.update(Product)
            .where(Product.sku == item.sku)
            .values(stock=Product.stock - item.quantity)
        )
    return row


def _outbound(row: ShopOrder) -> OutboundOrder:
    return OutboundOrder(
        reference=str(row.id),
        number=row.number,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        tracking_url=row.tracking_url,
        shipped_at=_aware(row.shipped_at),
    )


def _credit(entry: GiftCardEntry) -> StoreCredit:
    # A balance on the customer's account: nothing to type in, so no code.
    return StoreCredit(reference=f"GC-{entry.id}", code="")
