"""The dashboard with replacements, exchanges and store credit, made through the workflow.

One history of returns settled every way, at known times in November 2026, on a
host whose adapter makes outbound orders and store credit (``MemoryShop``) and whose
refunds go through the local Stripe server. The exports' tests read the same history.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask

from example_shop.local_stripe import create_paid_payment_intent
from flask_returns.fulfilment import carry_out, record_shipment
from flask_returns.i18n import format_money
from flask_returns.models import ReturnRequest
from flask_returns.orders import OrderLine
from flask_returns.refunds import issue_refund
from flask_returns.reports import Period, figures
from flask_returns.resolutions import ExchangeOption, StoreCredit
from flask_returns.testing import MemoryShop, clock_at, make_order, open_return
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    cancel_return,
    mark_received,
    reject_return,
)

ADMIN = Actor.admin("owner-1")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
# The customer typed this as their name; the gift-card system answered with a code
# that starts like a formula. Neither may run in a spreadsheet.
FORMULA_NAME = '=HYPERLINK("http://evil.example","Click")'
FORMULA_CODE = "+1-555-CREDIT"
POLICY = {
    "RETURNS_RESOLUTIONS": {
        "size_fit": ["exchange", "store_credit", "refund"],
        "changed_mind": ["store_credit", "refund"],
        "defective": ["replacement", "refund"],
    },
    "RETURNS_STORE_CREDIT_BONUS": {"changed_mind": 10},
    "RETURNS_PHOTO_REQUIRED_REASONS": (),
    "RETURNS_ADMIN_PERMISSION": lambda: True,
    "RETURNS_ADMIN_IDENTITY": lambda: "owner-1",
}


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


class Shop(MemoryShop):
    """The in-memory shop, with a gift-card system that can be down for a while."""

    def __init__(self) -> None:
        super().__init__()
        self.credit_down = False
        self.codes: dict[str, str] = {}

    def issue_store_credit(
        self, key: str, order: Any, amount: int, currency: str, **context: Any
    ) -> StoreCredit:
        if self.credit_down:
            raise ConnectionError("gift-card system unreachable")
        made = super().issue_store_credit(key, order, amount, currency, **context)
        code = self.codes.get(order.reference, "")
        return StoreCredit(made.reference, code)


@dataclass
class History:
    """The app, its shop, and each return's RMA by the name the tests use."""

    app: Flask
    shop: Shop
    stripe: Any
    rmas: dict[str, str] = field(default_factory=dict)

    def load(self, name: str) -> ReturnRequest:
        session = self.app.extensions["returns"].session
        return session.query(ReturnRequest).filter_by(rma=self.rmas[name]).one()


SHIRT = OrderLine("L1", "SKU-SHIRT", "Shirt", 2, 2499, "EUR")
MUG = OrderLine("L2", "SKU-MUG", "Mug", 1, 1450, "EUR")


def _order(history: History, reference: str, *, currency: str = "EUR", paid: bool, **extra):
    lines = [OrderLine(line.id, line.sku, line.name, line.quantity, line.unit_amount, currency)
             for line in (SHIRT, MUG)]  # fmt: skip
    payment = None
    if paid:
        payment = create_paid_payment_intent(history.stripe, 2 * 2499 + 1450, currency.lower())
    return history.shop.add(
        make_order(reference, currency=currency, lines=lines, payment_reference=payment, **extra)
    )


def _settle(
    history: History,
    name: str,
    order: Any,
    lines: list[LineRequest],
    *,
    asked: datetime,
    done: datetime,
    refund: bool = False,
) -> ReturnRequest:
    """Open, authorize, receive everything, then make what is owed and refund what is."""
    session = history.app.extensions["returns"].session
    with clock_at(asked):
        ret = open_return(order, lines)
        authorize_return(ret, ADMIN)
        session.commit()
    with clock_at(done):
        mark_received(
            ret, ADMIN, [LineReceipt(line.id, line.quantity_requested) for line in ret.lines]
        )
        session.commit()
        carry_out(ret, ADMIN)
        if refund:
            issue_refund(ret, None, ADMIN)
    history.rmas[name] = ret.rma
    return ret


def build(history: History) -> None:
    """Every way a return ends, requested between 2 and 7 November 2026.

    EUR, kept: an exchange to a cheaper shirt (2299, the 200 difference refunded), a
    store credit of two shirts (4998 plus 10 %: 5498), a mixed return (a shirt
    exchanged, a mug refunded), and a mug credited while the gift-card system was
    down (asked on 7 November at 23:58, issued on the 8th: 1450 plus 145). EUR,
    refunded: a mug (1450). A mug replaced. PLN: a shirt refunded (2499). JPY: a mug
    credited (1450 plus 145). One rejected, one cancelled, one still open.
    """
    shop, session = history.shop, history.app.extensions["returns"].session
    shop.variants["SKU-SHIRT"] = [ExchangeOption("SKU-SHIRT-L", "Shirt", 2299, True, "Shirt, L")]
    shop.stock["SKU-SHIRT-L"] = 10
    exchange = LineRequest("L1", 1, "size_fit", resolution="exchange", exchange_sku="SKU-SHIRT-L")
    with clock_at(at(1)):
        orders = {
            "exchanged": _order(history, "3001", paid=True),
            "credited": _order(history, "3002", paid=False, customer_name=FORMULA_NAME),
            "refunded": _order(history, "3003", paid=True),
            "replaced": _order(history, "3004", paid=False),
            "mixed": _order(history, "3005", paid=True),
            "pln": _order(history, "3006", currency="PLN", paid=True),
            "jpy": _order(history, "3007", currency="JPY", paid=False),
            "late_credit": _order(history, "3008", paid=False),
        }
    shop.codes["3002"] = FORMULA_CODE
    mug = LineRequest("L2", 1, "size_fit")
    credit_shirts = LineRequest("L1", 2, "changed_mind", resolution="store_credit")
    credit_mug = LineRequest("L2", 1, "changed_mind", resolution="store_credit")
    replace_mug = LineRequest("L2", 1, "defective", resolution="replacement")
    refund_mug = LineRequest("L2", 1, "changed_mind")
    for name, lines, asked, done, refund in (
        ("exchanged", [exchange], at(2), at(3), True),
        ("credited", [credit_shirts], at(2, 11), at(5), False),
        ("refunded", [mug], at(3), at(6), True),
        ("replaced", [replace_mug], at(3, 11), at(6, 11), False),
        ("mixed", [exchange, refund_mug], at(4), at(6, 12), True),
        ("pln", [LineRequest("L1", 1, "size_fit")], at(4, 11), at(6, 13), True),
        ("jpy", [credit_mug], at(5), at(6, 14), False),
    ):
        _settle(history, name, orders[name], lines, asked=asked, done=done, refund=refund)
    (shipment,) = history.load("exchanged").fulfilments
    with clock_at(at(4, 8)):
        record_shipment(
            shipment.idempotency_key,
            tracking_number="00340434",
            carrier="DHL",
            shipped_at=at(4, 7, 30),
        )
    shop.credit_down = True
    late = orders["late_credit"]
    ret = _settle(history, "late_credit", late, [credit_mug], asked=at(5, 11), done=at(7, 23, 58))
    shop.credit_down = False
    with clock_at(at(8, 0, 10)):
        carry_out(ret, Actor.system("settle"))
    credit = LineRequest("L1", 1, "changed_mind", resolution="store_credit")
    with clock_at(at(7, 9)):
        for name, order in (
            ("rejected", "exchanged"),
            ("cancelled", "refunded"),
            ("open", "replaced"),
        ):
            ret = open_return(orders[order], [credit])
            history.rmas[name] = ret.rma
            if name == "rejected":
                reject_return(ret, ADMIN, reason="Worn.")
            elif name == "cancelled":
                cancel_return(ret, Actor.customer(ret.customer_email))
        session.commit()


def settled_history(make_host_app: Any, stripe_server: Any) -> History:
    """The host app with :func:`build`'s history in its database (the exports use it too)."""
    shop = Shop()
    app = make_host_app(
        shop,
        RETURNS_STRIPE_API_KEY=stripe_server.api_key,
        RETURNS_STRIPE_API_BASE=stripe_server.api_base,
        **POLICY,
    )
    made = History(app, shop, stripe_server.client())
    with app.app_context():
        build(made)
    return made


@pytest.fixture
def history(make_host_app, stripe_server) -> Iterator[History]:
    made = settled_history(make_host_app, stripe_server)
    with made.app.app_context():
        yield made


def money(app: Flask, amount: int, currency: str) -> str:
    with app.test_request_context():
        return format_money(amount, currency)


def table_rows(text: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as plain cell texts."""
    start = text.index(html.escape(caption, quote=False))
    body = text[start : text.index("</table>", start)]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells)
    return [list(row) for row in rows]


# --------------------------------------------------------------------------- the numbers


def test_the_history_is_settled_every_way(history):
    statuses = {name: (history.load(name).status, history.load(name).resolution)
                for name in history.rmas}  # fmt: skip
    assert statuses == {
        "exchanged": ("resolved", "exchange"),
        "credited": ("resolved", "store_credit"),
        "refunded": ("refunded", "refund"),
        "replaced": ("resolved", "replacement"),
        "mixed": ("resolved", "mixed"),
        "pln": ("refunded", "refund"),
        "jpy": ("resolved", "store_credit"),
        "late_credit": ("resolved", "store_credit"),
        "rejected": ("rejected", "store_credit"),
        "cancelled": ("cancelled", "store_credit"),
        "open": ("requested", "store_credit"),
    }
    refunds = {name: [r.amount for r in history.load(name).refunds]
               for name in ("exchanged", "refunded", "mixed", "pln")}  # fmt: skip
    assert refunds == {"exchanged": [200], "refunded": [1450], "mixed": [1650], "pln": [2499]}


def test_outcomes_count_each_resolution_once_settled(history):
    session = history.app.extensions["returns"].session
    data = figures.dashboard(session, NOVEMBER)
    assert data.outcomes.total == 11
    assert data.outcomes.counts == {
        "refunded": 2,
        "replaced": 1,
        "exchanged": 1,
        "store_credit": 3,
        "mixed": 1,
        "rejected": 1,
        "cancelled": 1,
        "open": 1,
    }
    assert data.outcomes.share("store_credit") == 3 / 11


def test_the_kept_share_sets_exchanges_and_credit_against_refunds(history):
    session = history.app.extensions["returns"].session
    data = figures.dashboard(session, NOVEMBER)
    kept = {k.currency: (k.exchanged, k.store_credit, k.bonus, k.refunded) for k in data.kept}
    assert kept == {
        # Two shirts exchanged at 22.99 each (the 2.00 differences refunded); credit
        # 49.98 + 14.50 without its 5.00 + 1.45 bonus; refunds 2.00 + 14.50 + 16.50.
        "EUR": (2 * 2299, 4998 + 1450, 500 + 145, 200 + 1450 + 1650),
        "JPY": (0, 1450, 145, 0),
        "PLN": (0, 0, 0, 2499),
    }
    by_currency = {k.currency: k for k in data.kept}
    assert by_currency["EUR"].share == pytest.approx(11046 / 14346)
    assert (by_currency["JPY"].share, by_currency["PLN"].share) == (1.0, 0.0)
    # The refunded column is the "Money refunded" figure.
    assert {t.currency: t.amount for t in data.refunds} == {"EUR": 3300, "PLN": 2499}


def test_credit_counts_on_the_day_the_shops_system_issued_it(history):
    session = history.app.extensions["returns"].session
    (late,) = history.load("late_credit").fulfilments
    assert (late.created_at, late.succeeded_at) == (at(7, 23, 58), at(8, 0, 10))
    first_week = figures.dashboard(session, Period(date(2026, 11, 1), date(2026, 11, 7)))
    eighth = figures.dashboard(session, Period(date(2026, 11, 8), date(2026, 11, 8)))
    assert [(k.currency, k.store_credit) for k in first_week.kept if k.currency == "EUR"] == [
        ("EUR", 4998)
    ]
    assert [(k.currency, k.store_credit, k.bonus, k.share) for k in eighth.kept] == [
        ("EUR", 1450, 145, 1.0)
    ]


def test_a_credit_not_issued_is_not_counted(history):
    session = history.app.extensions["returns"].session
    history.shop.credit_down = True
    ret = history.load("open")
    with clock_at(at(9)):
        authorize_return(ret, ADMIN)
        session.commit()
        mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1)])
        session.commit()
        carry_out(ret, ADMIN)
    (pending,) = ret.fulfilments
    assert (pending.status, pending.succeeded_at) == ("pending", None)
    data = figures.dashboard(session, Period(date(2026, 11, 9), date(2026, 11, 9)))
    assert data.kept == []
    assert figures.dashboard(session, NOVEMBER).outcomes.counts["open"] == 1


def test_one_currency_shows_its_own_kept_share(history):
    session = history.app.extensions["returns"].session
    data = figures.dashboard(session, NOVEMBER, currency="JPY")
    assert [(k.currency, k.store_credit, k.refunded) for k in data.kept] == [("JPY", 1450, 0)]
    assert data.outcomes.total == 1 and data.outcomes.counts["store_credit"] == 1


# --------------------------------------------------------------------------- the page


def page(app: Flask, query: str) -> str:
    response = app.test_client().get(f"/returns/admin/dashboard{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_page_shows_outcomes_and_the_kept_share_in_money(history):
    app = history.app
    text = page(app, "?since=2026-11-01&until=2026-11-30")
    assert "11 returns requested" in text
    assert table_rows(text, "Returns requested in the period, by how they stand now") == [
        ["Refunded", "2", "18.2%"],
        ["Replaced", "1", "9.1%"],
        ["Exchanged", "1", "9.1%"],
        ["Store credit", "3", "27.3%"],
        ["Mixed resolutions", "1", "9.1%"],
        ["Rejected", "1", "9.1%"],
        ["Cancelled", "1", "9.1%"],
        ["Still open", "1", "9.1%"],
    ]
    caption = "Value settled in the period by exchange and store credit, against money refunded"
    eur = [money(app, n, "EUR") for n in (4598, 6448, 645, 3300)]
    assert eur == ["€45.98", "€64.48", "€6.45", "€33.00"]
    assert table_rows(text, caption) == [
        ["EUR", *eur, "77.0%"],
        ["JPY", money(app, 0, "JPY"), "¥1,450", "¥145", money(app, 0, "JPY"), "100.0%"],
        ["PLN", *(money(app, 0, "PLN"),) * 3, money(app, 2499, "PLN"), "0.0%"],
    ]
    # Each outcome keeps its own colour in the bar, eight distinct ones.
    bar = re.search(r'<svg[^>]*id="returns-chart-outcomes".*?</svg>', text, re.S).group(0)
    legend = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="16" height="16" fill="([^"]+)"', bar)
    assert len(legend) == 8 == len(set(legend))
    assert "Store credit: 27.3% (3)" in bar


def test_the_page_says_when_nothing_was_settled(history):
    text = page(history.app, "?since=2026-12-01&until=2026-12-31")
    assert "Nothing was exchanged, credited or refunded in this period." in text
    assert "Value settled in the period by exchange and store credit" not in text
