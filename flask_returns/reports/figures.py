"""The owners' dashboard figures: pure queries over the returns tables, no Flask.

Every figure but the money and the open returns is about the returns *requested*
in a period (a cohort): what they were for, how they ended, how long each step
took. Money is counted by the day it moved, per currency: refunds by the day they
were made, store credit and exchange orders by the day the shop's system made
them (:mod:`.kept`). Each function takes a SQLAlchemy session and returns plain
dataclasses, so the view, a CLI or a test can use the same numbers.

How a return ended is its status, and for a return settled otherwise than by
refunds alone (status ``resolved``) its resolution: replaced, exchanged, store
credit, or mixed when its lines were settled in different ways. A return still
waiting for its replacement, exchange or credit is open, whatever it asked for.

The work grows with the period, not the history: on PostgreSQL the period's
returns and lines are ranges of covering indexes (``ix_returns_request_created_insights``,
which holds ``status`` and ``resolution``, and ``ix_returns_line_requested_insights``,
migration 0004), read without touching the tables; refunds are a range of
``ix_returns_refund_created``; the open returns a few rows of
``ix_returns_request_status_created``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Refund, RefundStatus, ReturnLine, ReturnRequest, ReturnStatus, utcnow
from .kept import KeptValue, kept_values
from .outcomes import COUNTED, Outcomes, outcome_counts, outcomes_from
from .shipping import ShippingSpend, shipping_spend

S = ReturnStatus
R = ReturnRequest
L = ReturnLine
OPEN = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED)
# The steps whose median time from the request is reported.
STEPS = ("authorized", "received", "refunded")


@dataclass(frozen=True)
class Period:
    """Whole UTC days, ``first_day`` to ``last_day`` inclusive; queries use [since, until)."""

    first_day: date
    last_day: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        """The ``days`` days up to and including today (UTC)."""
        end = today or utcnow().date()
        return cls(end - timedelta(days=days - 1), end)


@dataclass(frozen=True)
class StepMedian:
    """Median seconds from the request to a step, over the returns that reached it."""

    step: str
    seconds: float | None
    returns: int


@dataclass(frozen=True)
class ReasonUnits:
    reason: str
    units: int


@dataclass(frozen=True)
class ProductUnits:
    """Units returned of one SKU; ``sold``/``rate`` only when the shop reports sales."""

    sku: str
    name: str
    units: int
    sold: int | None = None

    @property
    def rate(self) -> float | None:
        return self.units / self.sold if self.sold else None


@dataclass(frozen=True)
class RefundTotal:
    """Money refunded in one currency, in Stripe's units; currencies are never added up."""

    currency: str
    amount: int
    refunds: int


@dataclass(frozen=True)
class OpenReturn:
    rma: str
    status: str
    order_number: str
    currency: str
    created_at: datetime


@dataclass(frozen=True)
class Units:
    """Returned units of the period by reason and by product (cancelled returns left out)."""

    by_reason: list[ReasonUnits]
    by_product: list[ProductUnits]
    products: int  # how many SKUs came back, of which ``by_product`` shows the top
    total: int


@dataclass(frozen=True)
class Dashboard:
    period: Period
    currency: str
    outcomes: Outcomes
    medians: list[StepMedian]
    units: Units
    refunds: list[RefundTotal]
    # Per currency, refunded against kept (exchanges, store credit): see .kept.
    kept: list[KeptValue]
    oldest_open: list[OpenReturn]
    # Return labels bought from carrier platforms, per carrier and currency.
    shipping: list[ShippingSpend]
    # False when the order adapter cannot say how many units were sold.
    rates_available: bool


def _cohort(period: Period, currency: str) -> list[sa.ColumnElement[bool]]:
    found = [R.created_at >= period.since, R.created_at < period.until]
    if currency:
        found.append(R.currency == currency)
    return found


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _step_column(step: str) -> Any:
    return {"authorized": R.authorized_at, "received": R.received_at, "refunded": R.refunded_at}[
        step
    ]


def outcomes_and_medians(
    session: Session, period: Period, currency: str = ""
) -> tuple[Outcomes, list[StepMedian]]:
    """Outcome counts and median step times of the period's returns.

    On PostgreSQL one pass over the period's index entries computes all of it
    (``percentile_cont``); elsewhere the median is read by an ordered OFFSET query.
    """
    where = _cohort(period, currency)
    if not _is_postgresql(session):
        row = session.execute(sa.select(*outcome_counts()).where(*where)).one()
        return outcomes_from(row), [_median_by_offset(session, where, step) for step in STEPS]
    medians = []
    for step in STEPS:
        # date_part is a float8, sorted in memory; EXTRACT (numeric) and intervals
        # are slower and spill the sort to disk at the default work_mem.
        waited = sa.func.date_part("epoch", _step_column(step) - R.created_at, type_=sa.Float())
        medians += [
            sa.func.percentile_cont(0.5).within_group(waited),
            sa.func.count(_step_column(step)),
        ]
    row = session.execute(sa.select(*outcome_counts(), *medians).where(*where)).one()
    first = 1 + len(COUNTED)
    found = []
    for i, step in enumerate(STEPS):
        value, returns = row[first + 2 * i], int(row[first + 1 + 2 * i])
        found.append(StepMedian(step, round(float(value), 3) if returns else None, returns))
    return outcomes_from(row), found


def _median_by_offset(
    session: Session, where: list[sa.ColumnElement[bool]], step: str
) -> StepMedian:
    """The exact median without an aggregate for it: count, then read the middle row(s)."""
    column = _step_column(step)
    seconds = (sa.func.julianday(column) - sa.func.julianday(R.created_at)) * 86400.0
    kept = [*where, column.is_not(None)]
    n = session.scalar(sa.select(sa.func.count()).where(*kept)) or 0
    if n == 0:
        return StepMedian(step, None, 0)
    middle = session.scalars(
        sa.select(seconds)
        .where(*kept)
        .order_by(seconds)
        .offset((n - 1) // 2)
        .limit(1 if n % 2 else 2)
    ).all()
    return StepMedian(step, round(sum(middle) / len(middle), 3), n)


# The product chart shows this many SKUs, most units first.
PRODUCT_LIMIT = 15


def returned_units(
    session: Session,
    period: Period,
    currency: str = "",
    sold: Mapping[str, int] | None = None,
    limit: int = PRODUCT_LIMIT,
) -> Units:
    """Units asked back in the period's returns (not cancelled), by reason and by SKU.

    Lines carry their return's request time, so the period's lines are one range of
    ``ix_returns_line_requested_insights``, less those of the period's cancelled
    returns (a small hashed anti-join); only a currency filter needs every return of
    the period. One grouped query by (SKU, reason) serves both charts: a shop has a
    few thousand such pairs at most.
    """
    columns = (L.sku, L.reason, sa.func.max(L.name), sa.func.sum(L.quantity_requested))
    in_period = [L.requested_at >= period.since, L.requested_at < period.until]
    cohort = _cohort(period, currency)
    if currency:
        kept = sa.exists().where(R.id == L.return_id, *cohort, R.status != S.CANCELLED)
    else:
        # An anti-join with the period's few cancelled returns, hashed (in parallel on
        # PostgreSQL); the other returns are not read at all.
        kept = ~sa.exists().where(R.id == L.return_id, R.status == S.CANCELLED, *cohort)
    rows = session.execute(sa.select(*columns).where(*in_period, kept).group_by(L.sku, L.reason))
    reasons: dict[str, int] = {}
    products: dict[str, list[Any]] = {}
    for sku, reason, name, summed in rows:
        units = int(summed)
        reasons[reason] = reasons.get(reason, 0) + units
        entry = products.setdefault(sku, [name, 0])
        entry[0] = max(entry[0], name)
        entry[1] += units
    by_reason = [
        ReasonUnits(reason, units)
        for reason, units in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    top = sorted(products.items(), key=lambda kv: (-kv[1][1], kv[0]))[:limit]
    by_product = [
        ProductUnits(sku, name, units, None if sold is None else int(sold.get(sku, 0)))
        for sku, (name, units) in top
    ]
    return Units(by_reason, by_product, len(products), sum(reasons.values()))


def refund_totals(session: Session, period: Period, currency: str = "") -> list[RefundTotal]:
    """Succeeded refunds made in the period, summed per currency (never across)."""
    where = [
        Refund.status == RefundStatus.SUCCEEDED,
        Refund.created_at >= period.since,
        Refund.created_at < period.until,
    ]
    if currency:
        where.append(Refund.currency == currency)
    rows = session.execute(
        sa.select(Refund.currency, sa.func.sum(Refund.amount), sa.func.count())
        .where(*where)
        .group_by(Refund.currency)
        .order_by(Refund.currency)
    )
    return [RefundTotal(cur, int(amount), int(n)) for cur, amount, n in rows]


# The dashboard lists this many open returns, oldest first.
OLDEST_LIMIT = 10


def oldest_open(
    session: Session, currency: str = "", limit: int = OLDEST_LIMIT
) -> list[OpenReturn]:
    """The open returns waiting longest, whatever the period: the work that is late.

    Each open status is an ordered range of ``ix_returns_request_status_created``,
    of which only ``limit`` rows are read.
    """
    where = [R.currency == currency] if currency else []
    branches = [
        sa.select(R.rma, R.status, R.order_number, R.currency, R.created_at, R.id)
        .where(R.status == status, *where)
        .order_by(R.created_at, R.id)
        .limit(limit)
        .subquery()
        .select()
        for status in OPEN
    ]
    merged = sa.union_all(*branches).subquery()
    rows = session.execute(
        sa.select(
            merged.c.rma, merged.c.status, merged.c.order_number, merged.c.currency,
            merged.c.created_at,
        )
        .order_by(merged.c.created_at, merged.c.id)
        .limit(limit)
    )  # fmt: skip
    return [OpenReturn(*row) for row in rows]


def dashboard(
    session: Session,
    period: Period,
    currency: str = "",
    sold: Mapping[str, int] | None = None,
) -> Dashboard:
    """Every figure of the dashboard; ``sold`` is units sold per SKU, when known."""
    outcomes, medians = outcomes_and_medians(session, period, currency)
    refunds = refund_totals(session, period, currency)
    refunded = {total.currency: total.amount for total in refunds}
    return Dashboard(
        period=period,
        currency=currency,
        outcomes=outcomes,
        medians=medians,
        units=returned_units(session, period, currency, sold),
        refunds=refunds,
        kept=kept_values(session, period.since, period.until, refunded, currency),
        oldest_open=oldest_open(session, currency),
        shipping=shipping_spend(session, period.since, period.until),
        rates_available=sold is not None,
    )
