"""The owners' dashboard: its numbers from a known history, its period, its charts."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, request

from flask_returns import schema
from flask_returns.i18n import format_money
from flask_returns.models import Refund, ReturnLine, ReturnRequest
from flask_returns.reports import Period, figures
from flask_returns.reports.charts import LABEL_WIDTH, Bar, Segment, bar_chart, share_bar
from flask_returns.testing import clock_at

from .admin_helpers import admin_client, open_return, sign_in
from .demo import BUYERS, NAMES, SHIRT
from .hosts import MemoryOrders

XSS = "<script>alert(1)</script>"
TODAY = datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def _today_stays_today():
    """The module's clock reads noon of TODAY in every test: TODAY is fixed when the
    module loads, and a run that crosses midnight UTC must still see that day."""
    with clock_at(datetime.combine(TODAY, time(12), tzinfo=UTC)):
        yield


SOLD = {"MUG-STONE": 40, "TSHIRT-BLU-M": 12}
HOUR = 3600.0


class SalesOrders(MemoryOrders):
    """The in-memory adapter with the optional ``units_sold``; remembers each call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[datetime, datetime]] = []

    def units_sold(self, since: datetime, until: datetime) -> dict[str, int]:
        self.calls.append((since, until))
        return dict(SOLD)


def _is_admin() -> bool:
    return request.headers.get("X-Test-Admin") == "yes"


@pytest.fixture(params=["with_sales", "without_sales"])
def dash_app(request, make_host_app) -> Iterator[Flask]:
    orders = SalesOrders() if request.param == "with_sales" else MemoryOrders()
    app = make_host_app(
        orders, RETURNS_ADMIN_PERMISSION=_is_admin, RETURNS_ADMIN_IDENTITY=lambda: "owner-1"
    )
    with app.app_context():
        yield app


def noon(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(12), tzinfo=UTC)


_counter = iter(range(1, 10**6))


def add_return(
    session,
    *,
    days_ago: int,
    status: str,
    currency: str = "EUR",
    lines: tuple[tuple[str, str, int, str], ...],
    resolution: str = "refund",
    authorized: float | None = None,
    received: float | None = None,
    refunded: float | None = None,
    refunds: tuple[tuple[int, str, float], ...] = (),
) -> ReturnRequest:
    """A return as the workflow would leave it; step times in hours after the request."""
    n = next(_counter)
    created = noon(days_ago)

    def after(hours: float | None) -> datetime | None:
        return created + timedelta(hours=hours) if hours is not None else None

    ret = ReturnRequest(
        rma=f"R-TEST-{n:04X}",
        order_reference=f"ref-{n}",
        order_number=f"N{n}",
        customer_email="buyer@example.com",
        customer_name="Test Buyer",
        customer_locale="en",
        currency=currency,
        status=status,
        resolution=resolution,
        access_key="k" * 32,
        created_at=created,
        authorized_at=after(authorized),
        received_at=after(received),
        refunded_at=after(refunded),
        rejected_at=created + timedelta(hours=1) if status == "rejected" else None,
        cancelled_at=created + timedelta(hours=1) if status == "cancelled" else None,
    )
    for i, (sku, name, quantity, reason) in enumerate(lines):
        ret.lines.append(
            ReturnLine(
                order_line_reference=f"L{i}",
                sku=sku,
                name=name,
                unit_amount=1000,
                quantity_requested=quantity,
                reason=reason,
            )
        )
    for attempt, (amount, state, hours) in enumerate(refunds, start=1):
        ret.refunds.append(
            Refund(
                attempt=attempt,
                amount=amount,
                currency=currency,
                status=state,
                idempotency_key=f"key-{n}-{attempt}",
                created_at=created + timedelta(hours=hours),
            )
        )
    session.add(ret)
    return ret


MUG = ("MUG-STONE", NAMES["MUG-STONE"])
SHIRT_ = ("TSHIRT-BLU-M", NAMES["TSHIRT-BLU-M"])
KETTLE = ("KETTLE-JP", NAMES["KETTLE-JP"])
SCRIPT = ("XSS-1", XSS)


def build_history(app: Flask) -> dict[str, str]:
    """Eight returns in the last 30 days in every state, two older ones; RMAs by name."""
    session = app.extensions["returns"].session
    made = {
        "A": add_return(
            session, days_ago=10, status="refunded", lines=((*SHIRT_, 2, "size_fit"),),
            authorized=2, received=50, refunded=60, refunds=((2000, "succeeded", 60),),
        ),
        "B": add_return(
            session, days_ago=9, status="refunded", lines=((*MUG, 1, "damaged"),),
            authorized=4, received=70, refunded=80,
            refunds=((1450, "failed", 75), (1450, "succeeded", 80)),
        ),
        "C": add_return(
            session, days_ago=8, status="refunded", currency="PLN",
            lines=((*SHIRT_, 1, "damaged"),),
            authorized=6, received=30, refunded=100, refunds=((5000, "succeeded", 100),),
        ),
        # Asked for an exchange, not made yet: still open, not exchanged.
        "D": add_return(
            session, days_ago=7, status="received", currency="JPY", resolution="exchange",
            lines=((*KETTLE, 1, "defective"),), authorized=8, received=40,
        ),
        "E": add_return(
            session, days_ago=6, status="rejected", lines=((*MUG, 3, "changed_mind"),),
        ),
        "F": add_return(
            session, days_ago=5, status="cancelled", lines=((*SHIRT_, 5, "size_fit"),),
        ),
        "G": add_return(
            session, days_ago=4, status="requested", lines=((*SCRIPT, 1, "other"),),
        ),
        "H": add_return(
            session, days_ago=3, status="authorized", lines=((*MUG, 1, "size_fit"),),
            authorized=10,
        ),
        # Outside the last 30 days: counted nowhere but in the oldest open returns.
        "OLD_OPEN": add_return(
            session, days_ago=40, status="requested", lines=((*SHIRT_, 7, "damaged"),),
        ),
        "OLD_REFUNDED": add_return(
            session, days_ago=45, status="refunded", lines=((*MUG, 2, "damaged"),),
            authorized=1, received=2, refunded=24, refunds=((9999, "succeeded", 24),),
        ),
    }  # fmt: skip
    session.commit()
    return {name: ret.rma for name, ret in made.items()}


def page(app: Flask, query: str = "", *, admin: bool = True, status: int = 200) -> str:
    headers = {"X-Test-Admin": "yes"} if admin else {}
    response = app.test_client().get(f"/returns/admin/dashboard{query}", headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def table_rows(text: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as plain cell texts."""
    start = text.index(html.escape(caption, quote=False))
    body = text[start : text.index("</table>", start)]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in cells])
    return [[" ".join(words) for words in row] for row in rows]


def svgs(text: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", text, re.S)


# --------------------------------------------------------------------------- the numbers


def test_the_queries_give_the_known_history(dash_app):
    rmas = build_history(dash_app)
    session = dash_app.extensions["returns"].session
    data = figures.dashboard(session, Period.last_days(30), sold=SOLD)

    assert data.outcomes.total == 8
    assert data.outcomes.counts == {
        "refunded": 3,
        "replaced": 0,
        "exchanged": 0,
        "store_credit": 0,
        "mixed": 0,
        "rejected": 1,
        "cancelled": 1,
        "open": 3,
    }
    assert data.outcomes.share("refunded") == 3 / 8
    # authorized: 2,4,6,8,10 h; received: 30,40,50,70 h (even: the middle two's mean);
    # refunded: 60,80,100 h.
    assert [(m.step, m.seconds, m.returns) for m in data.medians] == [
        ("authorized", 6 * HOUR, 5),
        ("received", 45 * HOUR, 4),
        ("refunded", 80 * HOUR, 3),
    ]
    assert [(r.reason, r.units) for r in data.units.by_reason] == [
        ("changed_mind", 3),
        ("size_fit", 3),  # the cancelled return's 5 shirts are not counted
        ("damaged", 2),
        ("defective", 1),
        ("other", 1),
    ]
    assert [(p.sku, p.name, p.units, p.sold, p.rate) for p in data.units.by_product] == [
        ("MUG-STONE", "Stoneware mug", 5, 40, 5 / 40),
        ("TSHIRT-BLU-M", "Organic T-shirt, blue, M", 3, 12, 3 / 12),
        ("KETTLE-JP", "Cast-iron kettle", 1, 0, None),
        ("XSS-1", XSS, 1, 0, None),
    ]
    assert (data.units.total, data.units.products) == (10, 4)
    # Per currency, succeeded only; the failed attempt and the older refund are out.
    assert [(t.currency, t.amount, t.refunds) for t in data.refunds] == [
        ("EUR", 3450, 2),
        ("PLN", 5000, 1),
    ]
    # Refunds alone: the same money, none of it kept in the shop.
    assert [(k.currency, k.refunded, k.kept, k.share) for k in data.kept] == [
        ("EUR", 3450, 0, 0.0),
        ("PLN", 5000, 0, 0.0),
    ]
    # Open now, oldest first, whatever the period: 40, 7, 4 and 3 days ago.
    assert [(r.rma, r.status) for r in data.oldest_open] == [
        (rmas["OLD_OPEN"], "requested"),
        (rmas["D"], "received"),
        (rmas["G"], "requested"),
        (rmas["H"], "authorized"),
    ]
    assert data.oldest_open[0].created_at == noon(40)
    assert data.rates_available


def test_lines_carry_their_returns_request_time(dash_app):
    build_history(dash_app)
    session = dash_app.extensions["returns"].session
    pairs = session.execute(
        sa.select(ReturnLine.requested_at, ReturnRequest.created_at).join(
            ReturnRequest, ReturnRequest.id == ReturnLine.return_id
        )
    ).all()
    assert len(pairs) == 10 and all(line == ret for line, ret in pairs)


def test_medians_agree_with_the_database_on_odd_and_even_counts(dash_app):
    session = dash_app.extensions["returns"].session
    for hours in (5, 1, 3, 2):  # received only on the first three
        add_return(
            session, days_ago=2, status="received" if hours != 2 else "authorized",
            lines=((*MUG, 1, "damaged"),), authorized=hours / 4,
            received=hours * 10 if hours != 2 else None,
        )  # fmt: skip
    session.commit()
    _outcomes, medians = figures.outcomes_and_medians(session, Period.last_days(7))
    by_step = {m.step: (m.seconds, m.returns) for m in medians}
    # authorized after 1.25, 0.25, 0.75, 0.5 h: the mean of 0.5 and 0.75 h.
    assert by_step["authorized"] == (0.625 * HOUR, 4)
    assert by_step["received"] == (30 * HOUR, 3)  # 10, 30, 50 h
    assert by_step["refunded"] == (None, 0)


def test_the_page_shows_the_numbers_beside_the_charts(dash_app):
    rmas = build_history(dash_app)
    text = page(dash_app)

    assert "8 returns requested" in text
    outcomes = table_rows(text, "Returns requested in the period, by how they stand now")
    assert outcomes == [
        ["Refunded", "3", "37.5%"],
        ["Replaced", "0", "0.0%"],
        ["Exchanged", "0", "0.0%"],
        ["Store credit", "0", "0.0%"],
        ["Mixed resolutions", "0", "0.0%"],
        ["Rejected", "1", "12.5%"],
        ["Cancelled", "1", "12.5%"],
        ["Still open", "3", "37.5%"],
    ]
    times = table_rows(text, "Median time from the request to each step")
    assert times == [
        ["Authorized", "6 hours", "5"],
        ["Received", "1 day and 21 hours", "4"],
        ["Refunded", "3 days and 8 hours", "3"],
    ]
    assert 'datetime="PT21600S"' in text and 'datetime="PT162000S"' in text
    assert table_rows(text, "Units asked back, cancelled returns left out") == [
        ["Changed my mind", "3", "30.0%"],
        ["Wrong size or fit", "3", "30.0%"],
        ["Arrived damaged", "2", "20.0%"],
        ["Defective or does not work", "1", "10.0%"],
        ["Other reason", "1", "10.0%"],
    ]
    with dash_app.test_request_context():
        eur, pln = format_money(3450, "EUR"), format_money(5000, "PLN")
    assert table_rows(text, "Successful refunds made in the period, per currency") == [
        ["EUR", eur, "2"],
        ["PLN", pln, "1"],
    ]
    assert eur == "€34.50" and "9,999" not in text and "99.99" not in text

    oldest = re.findall(r'<a href="/returns/admin/returns/(R-[^"]+)">\1</a>', text)
    assert oldest == [rmas["OLD_OPEN"], rmas["D"], rmas["G"], rmas["H"]]

    products = table_rows(text, "products with most units asked back")
    if isinstance(dash_app.extensions["returns"].orders, SalesOrders):
        assert products == [
            ["Stoneware mug MUG-STONE", "5", "40", "12.5%"],
            ["Organic T-shirt, blue, M TSHIRT-BLU-M", "3", "12", "25.0%"],
            ["Cast-iron kettle KETTLE-JP", "1", "0", "no sales in the period"],
            [f"{XSS} XSS-1", "1", "0", "no sales in the period"],
        ]
        assert "Return rates are unavailable" not in text
        (since, until), *_ = dash_app.extensions["returns"].orders.calls
        assert since == datetime.combine(TODAY - timedelta(days=29), time(), tzinfo=UTC)
        assert until == datetime.combine(TODAY + timedelta(days=1), time(), tzinfo=UTC)
    else:
        assert products == [
            ["Stoneware mug MUG-STONE", "5"],
            ["Organic T-shirt, blue, M TSHIRT-BLU-M", "3"],
            ["Cast-iron kettle KETTLE-JP", "1"],
            [f"{XSS} XSS-1", "1"],
        ]
        assert "Return rates are unavailable" in text and "Return rate<" not in text


def test_a_period_leaves_out_returns_outside_it(dash_app):
    build_history(dash_app)
    since, until = TODAY - timedelta(days=8), TODAY - timedelta(days=5)
    text = page(dash_app, f"?since={since}&until={until}")
    # C (8 days ago), D, E, F (5 days ago); not B (9) nor G (4).
    assert "4 returns requested" in text
    outcomes = table_rows(text, "Returns requested in the period, by how they stand now")
    assert [row for row in outcomes if row[1] != "0"] == [
        ["Refunded", "1", "25.0%"],
        ["Rejected", "1", "25.0%"],
        ["Cancelled", "1", "25.0%"],
        ["Still open", "1", "25.0%"],
    ]
    # Refunds count by the day they were made: A's (7.5 days ago) and B's (5.7 days
    # ago) are in, C's (3.8 days ago) is not, though C was requested in the period.
    with dash_app.test_request_context():
        eur = format_money(3450, "EUR")
    assert table_rows(text, "Successful refunds made in the period, per currency") == [
        ["EUR", eur, "2"],
    ]
    # The dates stay in the form; the preset is not chosen.
    assert f'name="since" value="{since}"' in text and "checked" not in text

    week = page(dash_app, "?days=7")
    assert "4 returns requested" in week  # E (6 days ago) to H (3 days ago); D is 7 days ago
    everything = page(dash_app, "?days=365")
    assert "10 returns requested" in everything


def test_a_currency_shows_only_its_returns(dash_app):
    rmas = build_history(dash_app)
    text = page(dash_app, "?currency=eur")
    assert "only returns in EUR" in text and "6 returns requested" in text
    assert [r[0] for r in table_rows(text, "Successful refunds made in the period")] == ["EUR"]
    oldest = re.findall(r'<a href="/returns/admin/returns/(R-[^"]+)">', text)
    assert oldest == [rmas["OLD_OPEN"], rmas["G"], rmas["H"]]
    products = table_rows(text, "products with most units asked back")
    assert products[0] == ["Stoneware mug MUG-STONE", "5"]
    if isinstance(dash_app.extensions["returns"].orders, SalesOrders):
        assert "Return rates are not shown for one currency" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?days=5", "Choose a period of 7, 30, 90, or 365 days."),
        ("?days=abc", "Choose a period of 7, 30, 90, or 365 days."),
        ("?since=2024-01-01", "Give both the first and the last day of the period."),
        ("?since=2024-02-30&until=2024-03-01", "Write each day as year-month-day"),
        ("?since=01.02.2024&until=2024-03-01", "Write each day as year-month-day"),
        ("?since=2024-03-02&until=2024-03-01", "The first day of the period comes after its last"),
        ("?since=2022-01-01&until=2024-01-01", "A period can be at most 366 days long."),
        ("?currency=E1", "Write the currency as its three-letter code"),
    ],
)
def test_a_period_that_cannot_be_read_is_explained(dash_app, query, message):
    build_history(dash_app)
    text = page(dash_app, query, status=400)
    alert = re.search(r'<div class="returns-alert" role="alert">(.*?)</div>', text, re.S).group(1)
    assert message in html.unescape(alert)
    assert "Showing the last 30 days instead." in alert
    assert "8 returns requested" in text  # the default period's figures


def test_only_admins_see_the_dashboard(dash_app):
    build_history(dash_app)
    text = page(dash_app, admin=False, status=403)
    assert "8 returns requested" not in text
    assert "This page is for the shop's staff" in html.unescape(text)


# --------------------------------------------------------------------------- the charts


def test_charts_are_accessible_pictures_without_anything_fetched(dash_app):
    build_history(dash_app)
    text = page(dash_app)
    charts = svgs(text)
    assert len(charts) == 3
    for svg in charts:
        head = svg[: svg.index(">") + 1]
        assert 'role="img"' in head and "aria-labelledby=" in head
        chart_id = re.search(r'id="([^"]+)"', head).group(1)
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        for outside in ("href", "url(", "http", "<image", "<script", "@import", "foreignObject"):
            assert outside not in svg.lower(), (outside, svg)
    products = next(s for s in charts if "returns-chart-products" in s)
    assert html.escape(XSS, quote=False) in products
    assert XSS not in text  # escaped everywhere, the tables too
    assert "<script" not in text.lower()
    # The reason chart names the reasons and gives their numbers.
    reasons = next(s for s in charts if "returns-chart-reasons" in s)
    assert "Changed my mind" in reasons and ">3</text>" in reasons


def test_charts_turn_round_for_right_to_left():
    bars = [Bar("a", 10, "10"), Bar("b", 5, "5")]
    ltr = bar_chart(bars, chart_id="c", title="t", description="d", width=640)
    rtl = bar_chart(bars, chart_id="c", title="t", description="d", width=640, rtl=True)
    assert 'direction="ltr"' in ltr and 'direction="rtl"' in rtl
    rect = re.compile(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"')
    (x1, w1), (x2, w2) = ((float(x), float(w)) for x, w in rect.findall(str(ltr)))
    (r1, v1), (r2, v2) = ((float(x), float(w)) for x, w in rect.findall(str(rtl)))
    assert (w1, w2) == (v1, v2) and w1 == 2 * w2
    assert x1 == x2 == LABEL_WIDTH  # bars start after the labels, on the left...
    assert r1 + v1 == r2 + v2 == 640 - LABEL_WIDTH  # ...and on the right, growing leftwards
    labels = re.findall(r'<text x="([\d.]+)"[^>]*>a</text>', str(rtl))
    assert labels == ["640"]  # the label's start is the right edge

    share = share_bar(
        [Segment("x", 3, "75%"), Segment("y", 1, "25%")],
        chart_id="s", title="t", description="d", rtl=True, width=640,
    )  # fmt: skip
    widths = [float(w) for _x, w in rect.findall(str(share))[:2]]
    assert widths == [480, 160]


def test_chart_text_is_escaped_and_ids_are_plain():
    svg = str(bar_chart([Bar('"><b>', 1, "<1>")], chart_id="ok", title="<t>", description="&"))
    assert "<b>" not in svg and "&lt;1&gt;" in svg and "&lt;t&gt;" in svg and "&amp;" in svg
    with pytest.raises(ValueError):
        bar_chart([], chart_id='x" onload="evil', title="t", description="d")


def test_arabic_pages_draw_charts_right_to_left(dash_app):
    build_history(dash_app)
    text = page(dash_app, "?lang=ar")
    assert 'dir="rtl"' in text
    assert all('direction="rtl"' in svg for svg in svgs(text))


# --------------------------------------------------------------------------- the shop


def test_the_example_shop_reports_units_sold_and_links_the_dashboard(unpaid_shop_app):
    open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    admin = admin_client(unpaid_shop_app)
    queue = admin.get("/returns/admin/").get_data(as_text=True)
    assert 'href="/returns/admin/dashboard"' in queue
    text = admin.get("/returns/admin/dashboard").get_data(as_text=True)
    # Order 1001 sold 2 shirts 6 days ago: one came back.
    assert table_rows(text, "product with most units asked back") == [
        ["Organic T-shirt, blue, M TSHIRT-BLU-M", "1", "2", "50.0%"],
    ]
    with unpaid_shop_app.app_context():
        sold = unpaid_shop_app.extensions["returns"].orders.units_sold(
            *(Period.last_days(30).since, Period.last_days(30).until)
        )
    # 1002 was placed 70 days ago.
    assert sold == {
        "TSHIRT-BLU-M": 2,
        "MUG-STONE": 9,
        "EARRINGS-925": 1,
        "SNEAKER-42": 1,
        "GIFT-CARD": 1,
        "KETTLE-JP": 1,
        "ESPRESSO-1": 1,
        "TRAIL-42": 1,  # 1007, placed 5 days ago
    }

    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS["1001"])
    assert customer.get("/returns/admin/dashboard").status_code == 403


# --------------------------------------------------------------------------- the migration


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    postgres = request.getfixturevalue("postgres_server")
    yield postgres.create_database("dashboard_migration")
    postgres.drop_database("dashboard_migration")


def test_the_migration_gives_existing_lines_their_request_time(fresh_database_url):
    engine = sa.create_engine(fresh_database_url)
    schema.upgrade(engine, "0003_labels_outbox")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO returns_request (id, rma, order_reference, order_number, "
                "customer_email, customer_name, customer_locale, currency, status, resolution, "
                "access_key, customer_comment, authorization_note, rejection_reason, "
                "created_at, updated_at) VALUES (1, 'R-MIGR-0001', 'r', '1', 'a@b.c', '', 'en', "
                "'EUR', 'requested', 'refund', 'k', '', '', '', :t, :t)"
            ),
            {"t": datetime(2024, 5, 6, 7, 8, 9)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO returns_line (return_id, order_line_reference, sku, name, "
                "unit_amount, quantity_requested, reason, comment) "
                "VALUES (1, 'L1', 'S', 'N', 100, 2, 'other', '')"
            )
        )
    schema.upgrade(engine)
    with engine.connect() as conn:
        stamp = conn.scalar(sa.text("SELECT requested_at FROM returns_line"))
    engine.dispose()
    assert str(stamp).startswith("2024-05-06 07:08:09")


def test_a_period_is_whole_utc_days():
    period = Period(date(2024, 5, 6), date(2024, 5, 7))
    assert period.since == datetime(2024, 5, 6, tzinfo=UTC)
    assert period.until == datetime(2024, 5, 8, tzinfo=UTC)
    assert period.days == 2
    assert Period.last_days(7, date(2024, 5, 7)) == Period(date(2024, 5, 1), date(2024, 5, 7))
