"""Which units of an order are already on their way back: the claims of live returns.

A unit asked back by a return that is requested, authorized, received or refunded
cannot be asked back again; rejected and cancelled returns free their units.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ReturnLine, ReturnRequest, ReturnStatus
from ..state import get_state

S = ReturnStatus
CLAIMING = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED, S.REFUNDED)

# Built once (the return form asks on every request), so its cache key is too. The
# statuses are ORed: SQLAlchemy expands an IN list into the SQL on every execution.
_CLAIMED = (
    sa.select(ReturnLine.order_line_reference, sa.func.sum(ReturnLine.quantity_requested))
    .join(ReturnRequest)
    .where(
        ReturnRequest.order_reference == sa.bindparam("order_reference"),
        sa.or_(*(ReturnRequest.status == s.value for s in CLAIMING)),
    )
    .group_by(ReturnLine.order_line_reference)
)


def claimed_quantities(order_reference: str, session: Session | None = None) -> dict[str, int]:
    """Units per order line already claimed by this order's live returns."""
    session = session or get_state().session
    rows = session.execute(_CLAIMED, {"order_reference": order_reference})
    return {ref: int(total) for ref, total in rows}
