"""flask-returns: customer returns for Flask shops.

``Returns(app, orders=...)`` mounts the blueprint; the host describes its orders
through :class:`OrderSource` and hears about every step through the signals.
"""

from __future__ import annotations

from .errors import (
    ConfigurationError,
    IllegalTransition,
    InvalidReturn,
    ReturnsError,
    StorageError,
)
from .extension import Returns
from .money import Money
from .orders import Address, Order, OrderLine, OrderSource
from .schema import ignore_returns_tables
from .signals import (
    refund_failed,
    refund_succeeded,
    return_authorized,
    return_cancelled,
    return_received,
    return_refunded,
    return_rejected,
    return_requested,
)

__all__ = [
    "Address",
    "ConfigurationError",
    "IllegalTransition",
    "InvalidReturn",
    "Money",
    "Order",
    "OrderLine",
    "OrderSource",
    "Returns",
    "ReturnsError",
    "StorageError",
    "ignore_returns_tables",
    "refund_failed",
    "refund_succeeded",
    "return_authorized",
    "return_cancelled",
    "return_received",
    "return_refunded",
    "return_rejected",
    "return_requested",
]
