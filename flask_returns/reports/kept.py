"""How much of the returned value stayed in the shop, per currency: a dashboard figure.

The figure sets what the shop kept (goods sent in exchange, store credit issued)
against what it paid back (refunds), in each currency on its own. It counts what
*happened* in the period, not what was asked for: money that left by a refund
that succeeded, credit the shop's system confirmed, exchange orders it created.
An owner can check every part of it: the refunded column is the "Money refunded"
table beside it (the succeeded rows of the refunds export), the store credit is the
``store-credit`` export's amounts less their bonus, the exchanges are the exchange
rows of the ``replacement-orders`` export at their lines' prices. Figures from what was
requested (line value times units authorized) would count returns still open,
credit the host has not issued and differences never refunded, and would not
match the money a bank statement or the host's gift-card system shows.

- **Refunded**: succeeded refunds made in the period, by their ``created_at``, as
  in the "Money refunded" table, an exchange's price difference included.
- **Store credit**: succeeded store credit, by ``succeeded_at`` (when the shop's
  system issued it), *less its bonus*: the bonus is what the shop adds on top, a
  cost of keeping the sale, not value the customer returned.
- **Exchanged**: for each exchange line of an outbound order created in the period
  (``succeeded_at``), the units sent times the value kept per unit: the line's
  price, or the cheaper variant's when the difference was refunded (that
  difference is in "refunded").

Replacements are left out: the same item sent again for a faulty one is no
choice between money and goods, so it says nothing about sales kept.

Like the refunds, the work is in proportion to what was settled in the period:
fulfilments are a range of ``ix_returns_fulfilment_succeeded`` (kind, succeeded_at,
id; migration 0006), which the exports read the same way; the exchange lines are a
primary-key look-up per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import (
    Fulfilment,
    FulfilmentKind,
    FulfilmentStatus,
    Resolution,
    ReturnLine,
)

F = Fulfilment
L = ReturnLine
# Lines read per look-up: well inside every database's limit on bound parameters.
LINE_BATCH = 1000


@dataclass(frozen=True)
class KeptValue:
    """One currency's settled value in the period, in Stripe's units (never converted)."""

    currency: str
    refunded: int = 0
    exchanged: int = 0
    # Store credit issued less its bonus; ``bonus`` is the part the shop added.
    store_credit: int = 0
    bonus: int = 0

    @property
    def kept(self) -> int:
        return self.exchanged + self.store_credit

    @property
    def settled(self) -> int:
        return self.kept + self.refunded

    @property
    def share(self) -> float | None:
        """The part of the settled value the shop kept; None when nothing was settled."""
        return self.kept / self.settled if self.settled else None


def _succeeded(
    kind: FulfilmentKind, since: datetime, until: datetime, currency: str
) -> list[sa.ColumnElement[bool]]:
    found = [
        F.kind == kind,
        F.status == FulfilmentStatus.SUCCEEDED,
        F.succeeded_at >= since,
        F.succeeded_at < until,
    ]
    if currency:
        found.append(F.currency == currency)
    return found


def store_credit_totals(
    session: Session, since: datetime, until: datetime, currency: str = ""
) -> dict[str, tuple[int, int]]:
    """``{currency: (credit less bonus, bonus)}`` of store credit issued in [since, until)."""
    rows = session.execute(
        sa.select(F.currency, sa.func.sum(F.amount), sa.func.sum(F.bonus))
        .where(*_succeeded(FulfilmentKind.STORE_CREDIT, since, until, currency))
        .group_by(F.currency)
    )
    return {
        cur: (int(amount or 0) - int(bonus or 0), int(bonus or 0)) for cur, amount, bonus in rows
    }


def _batches(ids: Sequence[int], size: int = LINE_BATCH) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def exchanged_totals(
    session: Session, since: datetime, until: datetime, currency: str = ""
) -> dict[str, int]:
    """``{currency: value}`` of the exchange items sent by orders created in [since, until)."""
    sent: list[tuple[str, int, int]] = []  # (currency, line id, units)
    orders = session.execute(
        sa.select(F.currency, F.items).where(
            *_succeeded(FulfilmentKind.OUTBOUND_ORDER, since, until, currency)
        )
    )
    for cur, items in orders:
        for item in items or ():
            if isinstance(item.get("line"), int):
                sent.append((cur, item["line"], int(item.get("quantity") or 0)))
    ids = sorted({line_id for _cur, line_id, _units in sent})
    per_unit: dict[int, int] = {}
    for batch in _batches(ids):
        rows = session.execute(
            sa.select(L.id, L.unit_amount, L.exchange_unit_amount).where(
                L.id.in_(batch), L.resolution == Resolution.EXCHANGE
            )
        )
        for line_id, unit_amount, exchange_amount in rows:
            price = unit_amount if exchange_amount is None else min(unit_amount, exchange_amount)
            per_unit[line_id] = int(price)
    totals: dict[str, int] = {}
    for cur, line_id, units in sent:
        if line_id in per_unit:
            totals[cur] = totals.get(cur, 0) + per_unit[line_id] * units
    return totals


def kept_values(
    session: Session,
    since: datetime,
    until: datetime,
    refunded: dict[str, int],
    currency: str = "",
) -> list[KeptValue]:
    """Per currency with anything settled in [since, until): refunded against kept.

    ``refunded`` is the succeeded refunds per currency made in the same days (the
    dashboard has them already, for its "Money refunded" table).
    """
    credit = store_credit_totals(session, since, until, currency)
    exchanged = exchanged_totals(session, since, until, currency)
    found = []
    for cur in sorted(set(refunded) | set(credit) | set(exchanged)):
        value = KeptValue(
            cur,
            refunded=refunded.get(cur, 0),
            exchanged=exchanged.get(cur, 0),
            store_credit=credit.get(cur, (0, 0))[0],
            bonus=credit.get(cur, (0, 0))[1],
        )
        if value.settled:
            found.append(value)
    return found
