"""Blinker signals for the host.

Each is sent by :mod:`flask_returns.workflow` with the return as sender and the
acting :class:`~flask_returns.workflow.Actor` as ``actor``, inside the same
database transaction as the change: a receiver that writes through ``db.session``
(a restock, a store credit) commits or rolls back together with the return.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

return_requested = _signals.signal("return-requested")
return_authorized = _signals.signal("return-authorized")
return_rejected = _signals.signal("return-rejected")
return_cancelled = _signals.signal("return-cancelled")
#: Also carries ``lines``: the received lines with quantity, condition and resellable,
#: which is what a host needs to restock.
return_received = _signals.signal("return-received")
return_refunded = _signals.signal("return-refunded")
#: Refund signals also carry ``refund``: the :class:`~flask_returns.models.Refund` row.
refund_succeeded = _signals.signal("refund-succeeded")
refund_failed = _signals.signal("refund-failed")
#: A return settled by anything but refunds alone (replaced, exchanged, credited, mixed).
return_resolved = _signals.signal("return-resolved")
#: Also carries ``line`` (the :class:`~flask_returns.models.ReturnLine`), ``previous``
#: (the resolution before) and ``note`` (why, as the customer reads it).
resolution_changed = _signals.signal("resolution-changed")
#: Fulfilment signals carry ``fulfilment``: the :class:`~flask_returns.models.Fulfilment`
#: row, with the host's reference, number and (once shipped) tracking.
outbound_order_created = _signals.signal("outbound-order-created")
outbound_order_shipped = _signals.signal("outbound-order-shipped")
store_credit_issued = _signals.signal("store-credit-issued")
#: Message signals carry ``message``: the :class:`~flask_returns.models.Message` (its
#: body, language, photos): a customer's (``message_received``) or the shop's.
message_received = _signals.signal("message-received")
message_sent = _signals.signal("message-sent")
#: Carrier signals carry ``shipment``: the :class:`~flask_returns.models.Shipment` row
#: (carrier, tracking number, cost). ``label_booked`` when a platform sold the label,
#: ``parcel_delivered`` when its tracking says the parcel reached the shop.
label_booked = _signals.signal("label-booked")
parcel_delivered = _signals.signal("parcel-delivered")
