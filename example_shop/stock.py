"""Returned goods back on the shelf: the shop's receiver of ``return_received``.

The returns module sends the signal inside its own transaction when a parcel is
booked in; the receiver writes through the same ``db.session`` and does not commit,
so the stock moves if and only if the receipt is recorded. Only units the warehouse
marked resellable go back; damaged ones stay off the shelf.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app

from flask_returns import signals
from flask_returns.models import ReturnRequest
from flask_returns.workflow import LineReceipt

from .models import Product, ShopOrderLine, db


def restock_returned(ret: ReturnRequest, *, lines: Sequence[LineReceipt], **_kw: Any) -> None:
    """Put the resellable units of each received line back into stock."""
    if current_app.extensions.get("sqlalchemy") is not db:
        return  # another app in the same process (the signal is process-wide)
    by_id = {line.id: line for line in ret.lines}
    for receipt in lines:
        line = by_id.get(receipt.line_id)
        if line is None or not receipt.resellable or receipt.quantity <= 0:
            continue
        product_id = _product_of(ret, line.order_line_reference, line.sku)
        if product_id is None:
            continue  # a product the shop no longer sells: nothing to put back
        db.session.execute(
            sa.update(Product)
            .where(Product.id == product_id)
            .values(stock=Product.stock + receipt.quantity)
        )


def _product_of(ret: ReturnRequest, order_line_reference: str, sku: str) -> int | None:
    """The product of the sold line (by the shop's line id), else the one with ``sku``."""
    if order_line_reference.isdigit() and ret.order_reference.isdigit():
        found = db.session.scalar(
            sa.select(ShopOrderLine.product_id).where(
                ShopOrderLine.id == int(order_line_reference),
                ShopOrderLine.order_id == int(ret.order_reference),
            )
        )
        if found is not None:
            return found
    return db.session.scalar(sa.select(Product.id).where(Product.sku == sku))


def connect_stock_receivers() -> None:
    """Hang the restock on the returns module's signal (connecting twice changes nothing)."""
    signals.return_received.connect(restock_returned)
