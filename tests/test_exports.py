"""Exports for finance: refunds, refund totals and return lines, as CSV and XLSX, page and CLI."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from flask_returns.exports import DateRange, RangeError, custom_range, preset_range, writers
from flask_returns.exports import rows as export_rows
from flask_returns.i18n import reason_label, using_locale
from flask_returns.models import Refund, ReturnLine, ReturnRequest

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    open_return,
    receive_all,
    sign_in,
    token_of,
)
from .demo import BUYERS, MUG, SHIRT

DOWNLOAD = "/returns/admin/exports/download"
NOV = {"since": "2026-11-01", "until": "2026-11-30"}
REFUND_HEADER = (
    "refund_id,rma,order_number,customer_email,customer_name,amount,amount_minor,currency,"
    "stripe_refund_id,status,failure_reason,note,created_by,created_at,updated_at"
).split(",")
RETURN_HEADER = (
    "rma,order_number,customer_email,status,line_id,sku,product_name,reason_code,reason,comment,"
    "quantity_requested,quantity_authorized,quantity_received,unit_amount,unit_amount_minor,"
    "currency,condition,resellable,created_at,authorized_at,received_at,refunded_at"
).split(",")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- data


class Data:
    """Returns and refunds written straight to the database, with the times a test needs."""

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0

    def _session(self):
        return self.app.extensions["returns"].session

    def add_return(self, currency: str = "EUR", created: str = "2026-11-02T10:00:00", **fields):
        self.count += 1
        lines = fields.pop("lines", None) or [
            dict(sku="SKU-1", name="Blue shirt", unit_amount=2499, quantity_requested=1)
        ]
        values = dict(
            rma=f"R-T{self.count:03d}-TEST",
            order_reference=f"ref-{self.count}",
            order_number=f"{5000 + self.count}",
            customer_email=f"buyer{self.count}@example.com",
            customer_name="Anne-Marie Buyer",
            customer_locale="en",
            currency=currency,
            access_key="k" * 32,
            created_at=at(created),
        )
        values.update(fields)
        with self.app.app_context():
            session = self._session()
            ret = ReturnRequest(**values)
            for n, line in enumerate(lines):
                line = {"reason": "size_fit", "order_line_reference": f"L{n}", **line}
                ret.lines.append(ReturnLine(**line))
            session.add(ret)
            session.commit()
            return ret.rma

    def add_refund(
        self,
        rma: str,
        amount: int,
        created: str,
        status: str = "succeeded",
        currency: str | None = None,
        **fields,
    ) -> int:
        with self.app.app_context():
            session = self._session()
            ret = session.scalar(sa.select(ReturnRequest).filter_by(rma=rma))
            attempt = len(ret.refunds) + 1
            refund = Refund(
                return_id=ret.id,
                attempt=attempt,
                amount=amount,
                currency=currency or ret.currency,
                status=status,
                idempotency_key=f"{rma}-{attempt}",
                stripe_refund_id=f"re_{rma}_{attempt}" if status != "failed" else None,
                created_at=at(created),
                **fields,
            )
            session.add(refund)
            session.commit()
            return refund.id


@pytest.fixture
def app(unpaid_shop_app):
    """The example shop: exports read our own rows, not payments at Stripe."""
    return unpaid_shop_app


@pytest.fixture
def data(app) -> Data:
    return Data(app)


def get_csv(client, **query) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(DOWNLOAD, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    return table[0], [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def errors_of(page: str) -> list[str]:
    return re.findall(r'<p class="returns-error" id="[^"]+">([^<]*)</p>', page)


# --------------------------------------------------------------------------- refunds


def test_refund_rows_and_totals_are_exact_in_every_currency(app, data):
    eur = data.add_return("EUR", customer_name="Zoë Łukasiewicz")
    jpy = data.add_return("JPY")
    kwd = data.add_return("KWD")
    data.add_refund(eur, 1234, "2026-11-03T09:00:00", note="damaged box")
    data.add_refund(eur, 5, "2026-11-04T09:00:00")
    data.add_refund(eur, 999, "2026-11-05T09:00:00", status="failed", failure_reason="expired")
    data.add_refund(eur, 100, "2026-11-06T09:00:00", status="pending")
    data.add_refund(jpy, 1235, "2026-11-07T09:00:00")
    data.add_refund(jpy, 12800, "2026-11-08T09:00:00")
    data.add_refund(kwd, 1500, "2026-11-09T09:00:00")
    admin = admin_client(app)

    response = admin.get(DOWNLOAD, query_string={"kind": "refunds", "range": "custom", **NOV})
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="refunds-2026-11-01-2026-11-30.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbfrefund_id,rma,") and b"\r\n" in raw

    header, rows = get_csv(admin, kind="refunds", **NOV)
    assert header == REFUND_HEADER
    got = [
        (r["rma"], r["amount"], r["amount_minor"], r["currency"], r["status"], r["created_at"])
        for r in rows
    ]
    assert got == [
        (eur, "12.34", "1234", "EUR", "succeeded", "2026-11-03T09:00:00Z"),
        (eur, "0.05", "5", "EUR", "succeeded", "2026-11-04T09:00:00Z"),
        (eur, "9.99", "999", "EUR", "failed", "2026-11-05T09:00:00Z"),
        (eur, "1.00", "100", "EUR", "pending", "2026-11-06T09:00:00Z"),
        (jpy, "1235", "1235", "JPY", "succeeded", "2026-11-07T09:00:00Z"),
        (jpy, "12800", "12800", "JPY", "succeeded", "2026-11-08T09:00:00Z"),
        (kwd, "1.500", "1500", "KWD", "succeeded", "2026-11-09T09:00:00Z"),
    ]
    first = rows[0]
    assert first["customer_name"] == "Zoë Łukasiewicz"
    assert first["order_number"] == "5001" and first["customer_email"] == "buyer1@example.com"
    assert first["stripe_refund_id"] == f"re_{eur}_1" and first["note"] == "damaged box"
    assert rows[2]["stripe_refund_id"] == "" and rows[2]["failure_reason"] == "expired"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["updated_at"])

    header, totals = get_csv(admin, kind="refund-totals", **NOV)
    assert header == ["currency", "status", "refunds", "amount", "amount_minor"]
    assert [tuple(t.values()) for t in totals] == [
        ("EUR", "succeeded", "2", "12.39", "1239"),
        ("EUR", "pending", "1", "1.00", "100"),
        ("EUR", "failed", "1", "9.99", "999"),
        ("JPY", "succeeded", "2", "14035", "14035"),
        ("KWD", "succeeded", "1", "1.500", "1500"),
    ]


def test_a_range_is_whole_utc_days_first_and_last_included(app, data):
    rma = data.add_return()
    inside = {
        data.add_refund(rma, 101, "2026-11-01T00:00:00"),
        data.add_refund(rma, 102, "2026-11-30T23:59:59"),
        data.add_refund(rma, 103, "2026-11-30T23:59:59.999999"),
    }
    data.add_refund(rma, 104, "2026-10-31T23:59:59.999999")
    data.add_refund(rma, 105, "2026-12-01T00:00:00")
    _, rows = get_csv(admin_client(app), kind="refunds", **NOV)
    assert {int(r["refund_id"]) for r in rows} == inside
    # The next day's export has the midnight refund; none is in both.
    _, december = get_csv(admin_client(app), since="2026-12-01", until="2026-12-01")
    assert [r["amount_minor"] for r in december] == ["105"]


def test_one_day_range_and_presets():
    day = DateRange(date(2026, 11, 30), date(2026, 11, 30))
    assert (day.start, day.end) == (at("2026-11-30T00:00:00"), at("2026-12-01T00:00:00"))
    today = date(2026, 1, 5)
    expected = {
        "today": (date(2026, 1, 5), date(2026, 1, 5)),
        "yesterday": (date(2026, 1, 4), date(2026, 1, 4)),
        "last_7_days": (date(2025, 12, 30), date(2026, 1, 5)),
        "this_month": (date(2026, 1, 1), date(2026, 1, 5)),
        "last_month": (date(2025, 12, 1), date(2025, 12, 31)),
    }
    for name, (since, until) in expected.items():
        assert preset_range(name, today) == DateRange(since, until), name
    assert preset_range("last_month", date(2024, 3, 31)) == DateRange(
        date(2024, 2, 1), date(2024, 2, 29)
    )
    for since, until, problem in [
        ("2026-11-31", "2026-11-30", "since"),
        ("2026-11-01", "30.11.2026", "until"),
        ("2026-11-02", "2026-11-01", "reversed"),
        ("", "", "missing"),
        ("0001-01-01", "2026-11-01", "since"),
        ("2026-11-01", "9999-12-31", "until"),
    ]:
        with pytest.raises(RangeError) as caught:
            custom_range(since, until)
        assert caught.value.problem == problem


# --------------------------------------------------------------------------- returns


def test_returns_export_has_a_row_per_line_with_reasons_in_the_admins_language(app, data):
    lines = [
        dict(
            sku="SKU-1",
            name="Blue shirt",
            unit_amount=2499,
            quantity_requested=2,
            quantity_authorized=2,
            quantity_received=1,
            reason="size_fit",
            comment="Too small",
            condition="opened",
            resellable=True,
        ),
        dict(
            sku="SKU-2",
            name="Mug",
            unit_amount=1450,
            quantity_requested=1,
            quantity_authorized=0,
            reason="damaged",
            condition="damaged",
            resellable=False,
        ),
    ]
    rma = data.add_return(
        "EUR",
        lines=lines,
        status="refunded",
        authorized_at=at("2026-11-03T08:00:00"),
        received_at=at("2026-11-10T12:30:00"),
        refunded_at=at("2026-11-11T07:15:00"),
    )
    yen = data.add_return("JPY", created="2026-11-20T10:00:00")
    data.add_return(created="2026-12-01T00:00:00")  # the day after the range
    admin = admin_client(app)
    header, rows = get_csv(admin, kind="returns", lang="pl", **NOV)
    assert header == RETURN_HEADER
    assert [(r["rma"], r["sku"]) for r in rows] == [(rma, "SKU-1"), (rma, "SKU-2"), (yen, "SKU-1")]
    with app.app_context(), using_locale("pl"):
        words = {code: reason_label(code) for code in ("size_fit", "damaged")}
    assert words["size_fit"] != reason_label("size_fit")  # really Polish, not English
    shirt, mug, yen_line = rows
    assert shirt == {
        "rma": rma,
        "order_number": "5001",
        "customer_email": "buyer1@example.com",
        "status": "refunded",
        "line_id": shirt["line_id"],
        "sku": "SKU-1",
        "product_name": "Blue shirt",
        "reason_code": "size_fit",
        "reason": words["size_fit"],
        "comment": "Too small",
        "quantity_requested": "2",
        "quantity_authorized": "2",
        "quantity_received": "1",
        "unit_amount": "24.99",
        "unit_amount_minor": "2499",
        "currency": "EUR",
        "condition": "opened",
        "resellable": "true",
        "created_at": "2026-11-02T10:00:00Z",
        "authorized_at": "2026-11-03T08:00:00Z",
        "received_at": "2026-11-10T12:30:00Z",
        "refunded_at": "2026-11-11T07:15:00Z",
    }
    assert (mug["reason"], mug["quantity_authorized"], mug["quantity_received"]) == (
        words["damaged"],
        "0",
        "",
    )
    assert (mug["resellable"], mug["condition"]) == ("false", "damaged")
    assert (yen_line["unit_amount"], yen_line["currency"], yen_line["resellable"]) == (
        "2499",
        "JPY",
        "",
    )
    assert yen_line["authorized_at"] == "" and yen_line["status"] == "requested"


# --------------------------------------------------------------------------- injection


HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def test_customer_text_cannot_become_a_formula(app, data):
    rmas = [
        data.add_return(
            customer_name=text,
            lines=[
                dict(
                    sku="SKU-1",
                    name="Blue shirt",
                    unit_amount=100,
                    quantity_requested=1,
                    comment=text,
                )
            ],
        )
        for text in HOSTILE
    ]
    for rma in rmas:
        data.add_refund(rma, 100, "2026-11-03T00:00:00", note=HOSTILE[0])
    admin = admin_client(app)
    _, refunds = get_csv(admin, kind="refunds", **NOV)
    assert [r["customer_name"] for r in refunds] == ["'" + text for text in HOSTILE]
    assert {r["note"] for r in refunds} == {"'" + HOSTILE[0]}
    _, lines = get_csv(admin, kind="returns", **NOV)
    assert [r["comment"] for r in lines] == ["'" + text for text in HOSTILE]
    # Ordinary text, hyphens inside it and amounts are left as they are.
    assert writers.neutralise("Anne-Marie") == "Anne-Marie"
    assert {r["amount"] for r in refunds} == {"1.00"}

    # In XLSX every text cell is a string cell: kept as typed, never a formula.
    response = admin.get(DOWNLOAD, query_string={"kind": "refunds", "format": "xlsx", **NOV})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Refunds"]
    names = [row[4] for row in sheet.iter_rows(min_row=2)]
    # (XLSX writes a carriage return as the escape _x000D_, which Excel reads back as one.)
    assert [c.value.replace("_x000D_", "\r") for c in names] == HOSTILE
    assert {c.data_type for c in names} == {"s"}


# --------------------------------------------------------------------------- XLSX


def test_xlsx_has_typed_cells_and_a_totals_sheet(app, data):
    eur = data.add_return("EUR")
    jpy = data.add_return("JPY")
    data.add_refund(eur, 1234, "2026-11-03T09:30:00")
    data.add_refund(jpy, 1235, "2026-11-04T10:00:00")
    response = admin_client(app).get(
        DOWNLOAD, query_string={"kind": "refunds", "format": "xlsx", "range": "custom", **NOV}
    )
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "refunds-2026-11-01-2026-11-30.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Refunds", "Totals"]
    refunds = list(book["Refunds"].iter_rows(values_only=True))
    assert list(refunds[0]) == REFUND_HEADER
    cells = list(book["Refunds"].iter_rows(min_row=2))
    amount, minor, created = 5, 6, 13
    assert [(r[amount].value, r[minor].value) for r in cells] == [(12.34, 1234), (1235, 1235)]
    assert [r[amount].number_format for r in cells] == ["#,##0.00", "#,##0"]
    assert cells[0][created].value == datetime(2026, 11, 3, 9, 30)
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert totals == [
        ("currency", "status", "refunds", "amount", "amount_minor"),
        ("EUR", "succeeded", 1, 12.34, 1234),
        ("JPY", "succeeded", 1, 1235, 1235),
    ]

    returns = admin_client(app).get(
        DOWNLOAD, query_string={"kind": "returns", "format": "xlsx", **NOV}
    )
    book = openpyxl.load_workbook(io.BytesIO(returns.data))
    assert book.sheetnames == ["Return lines"]
    assert len(list(book["Return lines"].iter_rows())) == 3


def test_xlsx_moves_on_to_another_sheet_past_excels_row_limit(app, data, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)
    rma = data.add_return()
    for n in range(5):
        data.add_refund(rma, 100 + n, f"2026-11-0{n + 1}T00:00:00")
    response = admin_client(app).get(
        DOWNLOAD, query_string={"kind": "refunds", "format": "xlsx", **NOV}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Refunds", "Refunds 2", "Refunds 3", "Totals"]
    minors = [
        row[6]
        for name in book.sheetnames[:3]
        for row in book[name].iter_rows(min_row=2, values_only=True)
    ]
    assert minors == [100, 101, 102, 103, 104]
    assert book["Refunds 3"]["A1"].value == "refund_id"


# --------------------------------------------------------------------------- streaming


def _many_refunds(app, count: int) -> None:
    """``count`` refunds in November, written in bulk (50 returns, many attempts each)."""
    per_return = 100
    with app.app_context():
        session = app.extensions["returns"].session
        returns = [
            dict(
                rma=f"R-B{n:03d}-BULK",
                order_reference=f"bulk-{n}",
                order_number=f"B{n}",
                customer_email=f"bulk{n}@example.com",
                customer_name=f"Bulk Buyer {n}",
                customer_locale="en",
                currency="EUR",
                access_key="k" * 32,
                created_at=at("2026-11-01T00:00:00"),
            )
            for n in range(count // per_return)
        ]
        session.execute(sa.insert(ReturnRequest), returns)
        ids = session.scalars(sa.select(ReturnRequest.id).order_by(ReturnRequest.id)).all()
        start = at("2026-11-01T00:00:00")
        session.execute(
            sa.insert(Refund),
            [
                dict(
                    return_id=ids[n // per_return],
                    attempt=n % per_return + 1,
                    amount=1000 + n,
                    currency="EUR",
                    status="succeeded",
                    idempotency_key=f"bulk-{n}",
                    stripe_refund_id=f"re_bulk_{n:06d}",
                    created_at=start + timedelta(seconds=n * 40),
                )
                for n in range(count)
            ],
        )
        session.commit()


def _streamed(client, **query) -> tuple[int, int, int]:
    """Read a CSV download chunk by chunk: ``(bytes, lines, peak memory while reading)``."""
    response = client.get(DOWNLOAD, query_string={"kind": "refunds", **query})
    assert response.status_code == 200 and response.is_streamed
    tracemalloc.start()
    size = lines = 0
    try:
        for chunk in response.response:  # the body is made while it is read
            size += len(chunk)
            lines += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    return size, lines, peak


def test_csv_streams_batch_by_batch_and_memory_does_not_grow_with_rows(app, monkeypatch):
    count, batch = 15_000, 100
    _many_refunds(app, count)  # one every 40 s: 2,160 on the first day, a week in all
    monkeypatch.setattr(export_rows, "BATCH_SIZE", batch)
    admin = admin_client(app)
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    selects: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "returns_refund" in statement:
            selects.append(statement)

    _, day_lines, day_peak = _streamed(admin, since="2026-11-01", until="2026-11-01")
    assert day_lines == 2160 + 1
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        size, lines, peak = _streamed(admin, **NOV)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert lines == count + 1
    # One keyset query per batch (the last one finds the end), each with its LIMIT.
    assert len(selects) == count // batch + 1
    assert all("LIMIT" in statement.upper() for statement in selects)
    # The rows are never all in memory: seven times the rows take no more memory
    # than one day's, and the peak is a fraction of the file's size.
    assert peak < day_peak * 1.5, (peak, day_peak)
    assert peak < size / 3, (peak, size)


# --------------------------------------------------------------------------- the page


def test_the_queue_links_to_the_exports_page(app):
    admin = admin_client(app)
    queue = admin.get("/returns/admin/").get_data(as_text=True)
    assert 'href="/returns/admin/exports"' in queue
    page = admin.get("/returns/admin/exports")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'action="{DOWNLOAD}"' in text and 'method="get"' in text
    for preset in ("today", "yesterday", "last_7_days", "this_month", "last_month", "custom"):
        assert f'name="range" value="{preset}"' in text
    # The download URL without any question is the form itself.
    assert admin.get(DOWNLOAD).status_code == 200
    assert admin.get(DOWNLOAD, query_string={"lang": "pl"}).status_code == 200


@pytest.mark.parametrize(
    ("since", "until", "field", "message"),
    [
        ("2026-11-31", "2026-11-30", "since", "Enter the first day as a date"),
        ("2026-11-01", "next friday", "until", "Enter the last day as a date"),
        ("2026-11-30", "2026-11-01", "until", "The last day is before the first day"),
        ("", "", "since", "Choose a range, or enter the first and the last day"),
    ],
)
def test_bad_or_reversed_days_come_back_with_a_message_and_nothing_lost(
    app, since, until, field, message
):
    admin = admin_client(app)
    query = {"kind": "returns", "format": "xlsx", "range": "custom", "since": since, "until": until}
    response = admin.get(DOWNLOAD, query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    (shown,) = errors_of(page)
    assert shown.startswith(message)
    assert f'id="export-{field}-error"' in page
    assert f'name="since" value="{since}"' in page and f'name="until" value="{until}"' in page
    assert re.search(r'name="kind" value="returns"\s+checked', page)
    assert re.search(r'name="format" value="xlsx"\s+checked', page)


def test_bad_days_are_told_in_the_admins_language(app):
    admin = admin_client(app)
    query = {"range": "custom", "since": "2026-11-30", "until": "2026-11-01", "lang": "pl"}
    page = admin.get(DOWNLOAD, query_string=query).get_data(as_text=True)
    with app.app_context(), using_locale("pl"):
        from flask_returns.views.admin.exports import _range_message

        polish = _range_message("reversed")
    assert errors_of(page) == [polish]


def test_unknown_kind_or_format_is_refused_not_guessed(app):
    admin = admin_client(app)
    response = admin.get(DOWNLOAD, query_string={"kind": "orders", "format": "pdf", **NOV})
    assert response.status_code == 400
    assert len(errors_of(response.get_data(as_text=True))) == 2


def test_customers_and_strangers_get_no_export(app, data):
    rma = data.add_return()
    data.add_refund(rma, 1234, "2026-11-03T00:00:00")
    customer = app.test_client()
    sign_in(customer, BUYERS["1001"])
    for who in (app.test_client(), customer):
        for url in ("/returns/admin/exports", DOWNLOAD):
            for query in ({}, {"kind": "refunds", **NOV}, {"format": "xlsx", **NOV}):
                response = who.get(url, query_string=query)
                assert response.status_code == 403, (url, query)
                assert rma.encode() not in response.data


def test_a_real_refund_through_stripe_is_in_todays_export(shop_app):
    admin = admin_client(shop_app)
    rma, _ = open_return(shop_app, "1001", {SHIRT: (2, "size_fit"), MUG: (1, "not_as_described")})
    authorize_all(admin, rma)
    receive_all(admin, shop_app, rma)
    page = detail(admin, rma)
    done = admin.post(
        f"/returns/admin/returns/{rma}/refund",
        data={"csrf_token": token_of(page), "refund_amount": "64.48"},
    )
    assert done.status_code == 302
    _, rows = get_csv(admin, kind="refunds", range="today")
    (row,) = rows
    assert (row["rma"], row["amount"], row["amount_minor"], row["currency"]) == (
        rma,
        "64.48",
        "6448",
        "EUR",
    )
    assert row["status"] == "succeeded" and row["stripe_refund_id"].startswith("re_")
    assert row["order_number"] == "1001" and row["customer_email"] == BUYERS["1001"]
    assert row["created_by"]  # the admin who refunded
    _, lines = get_csv(admin, kind="returns", range="last_7_days")
    assert [line["reason_code"] for line in lines] == ["size_fit", "not_as_described"]
    assert {line["status"] for line in lines} == {"refunded"}


# --------------------------------------------------------------------------- CLI


def test_cli_writes_the_file_and_prints_totals(app, data, tmp_path, monkeypatch):
    eur = data.add_return("EUR")
    jpy = data.add_return("JPY")
    data.add_refund(eur, 1234, "2026-11-30T23:59:59")
    data.add_refund(eur, 66, "2026-11-01T00:00:00")
    data.add_refund(jpy, 1235, "2026-11-15T12:00:00")
    data.add_refund(eur, 999, "2026-12-01T00:00:00")  # outside
    target = tmp_path / "november.csv"
    runner = app.test_cli_runner()
    args = ["returns", "export", "refunds", "--since", "2026-11-01", "--until", "2026-11-30"]
    result = runner.invoke(args=[*args, "--output", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["amount"], r["currency"]) for r in rows] == [
        ("0.66", "EUR"),
        ("1235", "JPY"),
        ("12.34", "EUR"),
    ]
    assert "3 row(s) of refunds from 2026-11-01 to 2026-11-30 (UTC)" in result.stdout
    assert "EUR succeeded: 2 refund(s), 13.00" in result.stdout
    assert "JPY succeeded: 1 refund(s), 1235" in result.stdout
    assert "Exporting 3 row(s)" in result.stderr  # the progress bar, on stderr
    assert not list(tmp_path.glob("*.part"))

    # To stdout: the file alone on stdout, the summary on stderr.
    result = runner.invoke(args=[*args, "--output", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfrefund_id,")
    assert result.stdout_bytes.count(b"\r\n") == 4
    assert "EUR succeeded" in result.stderr and "EUR succeeded" not in result.stdout

    # XLSX, to the default name in the working directory.
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=[*args, "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "refunds-2026-11-01-2026-11-30.xlsx")
    assert book.sheetnames == ["Refunds", "Totals"]
    assert book["Totals"].max_row == 3


def test_cli_exports_returns_with_reasons_in_the_language_asked(app, data, tmp_path):
    data.add_return(lines=[dict(sku="S", name="Shirt", unit_amount=100, quantity_requested=1)])
    target = tmp_path / "lines.csv"
    result = app.test_cli_runner().invoke(
        args=["returns", "export", "returns", "--range", "last_7_days", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "0 row(s) of returns" in result.stdout  # created in 2026-11, not this week
    result = app.test_cli_runner().invoke(
        args=[
            "returns",
            "export",
            "returns",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
            "--lang",
            "pl",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context(), using_locale("pl"):
        polish = reason_label("size_fit")
    with target.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["reason_code"], row["reason"]) == ("size_fit", polish)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--since", "2026-11-31", "--until", "2026-11-30"], "'2026-11-31' is not a day"),
        (["--since", "2026-11-30", "--until", "2026-11-01"], "--since 2026-11-30 is after"),
        (["--since", "2026-11-01"], "Give --since and --until"),
        (["--range", "today", "--since", "2026-11-01"], "not both"),
    ],
)
def test_cli_bad_days_are_a_clear_error(app, tmp_path, extra, message):
    target = tmp_path / "x.csv"
    result = app.test_cli_runner().invoke(
        args=["returns", "export", "refunds", *extra, "-o", str(target)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not target.exists()
