"""Returns for a test to start from, made by the workflow's own calls.

``make_return`` opens a return of any order as its customer would, then takes it
through an admin's steps as far as the status the test needs; ``shop_return`` does
the same for an order of the example shop, naming its lines by SKU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask

from flask_returns.models import ReturnRequest
from flask_returns.orders import Order
from flask_returns.photos import StoredPhoto
from flask_returns.state import get_state
from flask_returns.testing import sample_photo
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    mark_received,
    request_return,
)

from .demo import BUYERS

ADMIN = Actor.admin("admin-1")
STATUSES = ("requested", "authorized", "received")


def make_return(
    order: Order,
    lines: Mapping[str, tuple[int, str]] | Iterable[LineRequest] | None = None,
    *,
    status: str = "requested",
    locale: str = "en",
    authorized: Mapping[str, int] | None = None,
    received: Mapping[str, int] | None = None,
    admin: Actor = ADMIN,
    commit: bool = False,
) -> ReturnRequest:
    """A return of ``order`` requested by its customer, then brought to ``status``.

    ``lines`` is ``{order line id: (quantity, reason)}`` (one unit of ``L1``, wrong
    size, by default), a line whose reason needs a photo getting one as the form
    would have it, or :class:`LineRequest` values as they are. ``"authorized"``
    authorizes every unit requested, ``"received"`` then receives every unit
    authorized, both by ``admin``; ``authorized`` and ``received`` give other units
    per order line id. Not committed unless ``commit=True``. Needs an app context.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    if lines is None or isinstance(lines, Mapping):
        chosen = [
            LineRequest(reference, quantity, reason, photos=_photos(reason))
            for reference, (quantity, reason) in (lines or {"L1": (1, "size_fit")}).items()
        ]
    else:
        chosen = list(lines)
    session = get_state().session
    ret = request_return(order, chosen, Actor.customer(order.email), locale=locale)
    if status != "requested":
        session.flush()  # the lines get their ids
        line_id = {line.order_line_reference: line.id for line in ret.lines}
        quantities = {line_id[ref]: units for ref, units in (authorized or {}).items()}
        authorize_return(ret, admin, quantities=quantities)
    if status == "received":
        units = received or {}
        receipts = [
            LineReceipt(line.id, units.get(line.order_line_reference, line.quantity_authorized))
            for line in ret.lines
        ]
        mark_received(ret, admin, receipts)
    if commit:
        session.commit()
    return ret


def _photos(reason: str) -> tuple[StoredPhoto, ...]:
    return (sample_photo(),) if reason in get_state().policy.photo_reasons else ()


def shop_return(
    app: Flask,
    number: str,
    lines: Mapping[str, tuple[int, str]],
    *,
    status: str = "received",
    authorized: Mapping[str, int] | None = None,
    received: Mapping[str, int] | None = None,
    locale: str = "pl",
) -> int:
    """A return of the example shop's order ``number``, committed; its id.

    ``lines``, ``authorized`` and ``received`` name the order's lines by SKU; the rest
    is :func:`make_return`'s, except that the return is received unless told otherwise.
    """
    from example_shop.orders import ShopOrders

    with app.app_context():
        order = ShopOrders().find_order(number, BUYERS[number])
        line_of = {line.sku: line.id for line in order.lines}

        def by_line(per_sku: Mapping[str, object] | None) -> dict:
            return {line_of[sku]: value for sku, value in (per_sku or {}).items()}

        ret = make_return(
            order,
            by_line(lines),
            status=status,
            locale=locale,
            authorized=by_line(authorized),
            received=by_line(received),
            commit=True,
        )
        return ret.id
