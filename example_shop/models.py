"""The shop's own tables: customers, products with stock, orders, gift-card balances.

Nothing here is flask-returns' own: the replacement orders and the gift-card entries
the returns module asks for are the shop's rows, each carrying the returns module's
key in a unique column so that a repeated request finds the first one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash


class ShopBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=ShopBase)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Customer(UserMixin, db.Model):
    __tablename__ = "shop_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    postal_code: Mapped[str] = mapped_column(sa.String(20), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")

    orders: Mapped[list[ShopOrder]] = relationship(back_populates="customer")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Product(db.Model):
    __tablename__ = "shop_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(64), default="")
    # Final-sale and hygiene items are flagged here; the adapter passes it on.
    returnable: Mapped[bool] = mapped_column(default=True)
    non_returnable_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    # Variants of one product (sizes, colours) share a family; "" stands alone.
    family: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    variant_label: Mapped[str] = mapped_column(sa.String(64), default="")
    # Units on the shelf; below 0 means back-ordered (a replacement sent anyway).
    stock: Mapped[int] = mapped_column(default=0)
    # The list price, in Stripe's units of price_currency.
    price: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    price_currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")


SALE = "sale"
REPLACEMENT = "replacement"


class ShopOrder(db.Model):
    """A sale, or a replacement the returns module asked for (no charge, no payment)."""

    __tablename__ = "shop_order"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('sale', 'replacement')", name="ck_shop_order_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=SALE)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_customer.id"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    # Stored as naive UTC (SQLite keeps no zone); the adapter makes them aware.
    placed_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    shipping_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Replacement orders: the returns module's key (one order per key, ever), the
    # return it is for, and the sale whose items it replaces.
    returns_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    returns_rma: Mapped[str] = mapped_column(sa.String(32), default="")
    source_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shop_order.id"))
    # Filled in when the warehouse ships it.
    carrier: Mapped[str] = mapped_column(sa.String(64), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(128), default="")
    tracking_url: Mapped[str] = mapped_column(sa.String(500), default="")
    shipped_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="orders")
    source_order: Mapped[ShopOrder | None] = relationship(remote_side=[id])
    lines: Mapped[list[ShopOrderLine]] = relationship(
        back_populates="order", order_by="ShopOrderLine.id"
    )

    @property
    def total(self) -> int:
        return sum(line.unit_amount * line.quantity for line in self.lines) + self.shipping_amount


class ShopOrderLine(db.Model):
    __tablename__ = "shop_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_order.id"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_product.id"))
    quantity: Mapped[int]
    unit_amount: Mapped[int] = mapped_column(sa.BigInteger)

    order: Mapped[ShopOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class GiftCardEntry(db.Model):
    """One movement of a customer's gift-card balance; the balance is their sum."""

    __tablename__ = "shop_gift_card_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_customer.id"), index=True)
    # In Stripe's units of the currency; negative when spent.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    # Store credit from a return: the returns module's key (one entry per key, ever).
    returns_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: utcnow().replace(tzinfo=None))

    customer: Mapped[Customer] = relationship()
