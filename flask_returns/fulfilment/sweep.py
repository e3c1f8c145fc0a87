"""What the host tells us later, and the run that finishes what was left undone.

``flask returns fulfilments settle`` (cron, or after a host outage) carries out
every return that is owed something: attempts whose answer was lost are looked up
by key, attempts that failed are asked again with the same key, and what fell due
without being asked (a crash between commit and call) is asked now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..models import Fulfilment, FulfilmentStatus, ReturnRequest, ReturnStatus
from ..state import get_state
from ..workflow import Actor, record_outbound_shipped
from .making import Outcome, carry_out, lock_return


def record_shipment(
    key: str,
    *,
    tracking_number: str,
    carrier: str = "",
    tracking_url: str = "",
    shipped_at: datetime | None = None,
    actor: Actor | None = None,
) -> bool:
    """The host shipped the outbound order made with ``key``: tell the customer, once.

    Commits. False when that tracking was already recorded; LookupError for a key we
    never made.
    """
    session = get_state().session
    found = session.scalar(sa.select(Fulfilment).where(Fulfilment.idempotency_key == key))
    if found is None or found.status != FulfilmentStatus.SUCCEEDED:
        raise LookupError(f"no outbound order was made with key {key!r}")
    try:
        lock_return(found.return_request)
        changed = record_outbound_shipped(
            found,
            actor or Actor.system("host"),
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            shipped_at=shipped_at,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return changed


def returns_owed_something() -> list[ReturnRequest]:
    """Returns with an open attempt, or open and settled by more than a refund."""
    open_statuses = (ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED)
    with_pending = sa.select(Fulfilment.return_id).where(
        Fulfilment.status == FulfilmentStatus.PENDING
    )
    return list(
        get_state().session.scalars(
            sa.select(ReturnRequest)
            .where(
                sa.or_(
                    ReturnRequest.id.in_(with_pending),
                    sa.and_(
                        ReturnRequest.status.in_(open_statuses),
                        ReturnRequest.resolution != "refund",
                    ),
                )
            )
            .order_by(ReturnRequest.id)
        )
    )


@dataclass(frozen=True)
class SweepSummary:
    checked: int
    made: int
    delayed: int
    in_progress: int


def settle_fulfilments(
    each: Callable[[list[ReturnRequest]], Iterable[ReturnRequest]] = iter,
) -> SweepSummary:
    """Carry out every return owed something; ``each`` wraps the list (a progress bar)."""
    found = returns_owed_something()
    outcomes: list[Outcome] = []
    for ret in each(found):
        outcomes.extend(carry_out(ret, Actor.system("settle")))
    count = {"made": 0, "delayed": 0, "in_progress": 0}
    for outcome in outcomes:
        count[outcome.result] += 1
    return SweepSummary(len(found), count["made"], count["delayed"], count["in_progress"])
