"""A small host of our own, for tests that do not need the whole example shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_returns import Order, OrderLine, Returns


def make_order(
    reference: str = "9001",
    *,
    delivered_days_ago: int | None = 3,
    currency: str = "EUR",
    email: str = "buyer@example.com",
    lines: tuple[OrderLine, ...] | None = None,
) -> Order:
    now = datetime.now(UTC)
    lines = lines or (
        OrderLine("L1", "SKU-1", "Blue shirt", 2, 2499, currency),
        OrderLine("L2", "SKU-2", "Mug", 1, 1450, currency),
        OrderLine(
            "L3",
            "SKU-3",
            "Earrings",
            1,
            3900,
            currency,
            returnable=False,
            non_returnable_reason="Hygiene",
        ),
    )
    return Order(
        reference=reference,
        number=f"N{reference}",
        email=email,
        currency=currency,
        placed_at=now - timedelta(days=(delivered_days_ago or 0) + 3),
        delivered_at=now - timedelta(days=delivered_days_ago)
        if delivered_days_ago is not None
        else None,
        lines=lines,
        customer_name="Test Buyer",
        locale="pl",
        payment_reference="pi_test",
    )


class MemoryOrders:
    """A real ``OrderSource`` over a dict: the host adapter without a host database."""

    def __init__(self, *orders: Order) -> None:
        self.orders = {order.reference: order for order in orders}

    def add(self, order: Order) -> Order:
        self.orders[order.reference] = order
        return order

    def find_order(self, number: str, email: str) -> Order | None:
        for order in self.orders.values():
            if order.number == number.strip() and order.email.lower() == email.strip().lower():
                return order
        return None

    def get_order(self, reference: str) -> Order | None:
        return self.orders.get(reference)


def make_host(database_url: str, orders: MemoryOrders | None = None, **config: object) -> Flask:
    app = Flask("host")
    app.config.update(
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        TESTING=True,
        **config,
    )
    db = SQLAlchemy(app)
    Returns(app, orders=orders or MemoryOrders(make_order()))
    app.extensions["test_db"] = db
    return app
