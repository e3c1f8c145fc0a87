"""Exports of store credit issued and replacement orders created: CSV, XLSX, page and CLI.

The history is the dashboard's (``test_dashboard_resolutions.build``): returns
settled through the workflow in November 2026, credit issued and orders created by
the in-memory shop, one credit issued after midnight because the gift-card system
was down when it was asked for.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pytest

from flask_returns.exports import DateRange, fulfilments
from flask_returns.fulfilment import carry_out
from flask_returns.testing import clock_at
from flask_returns.workflow import LineReceipt, authorize_return, mark_received

from .test_dashboard_resolutions import (
    ADMIN,
    FORMULA_CODE,
    FORMULA_NAME,
    History,
    at,
    settled_history,
)

DOWNLOAD = "/returns/admin/exports/download"
NOV = {"since": "2026-11-01", "until": "2026-11-30"}
CREDIT_HEADER = (
    "issued_at,fulfilment_id,rma,order_number,customer_email,customer_name,amount,"
    "amount_minor,bonus,bonus_minor,currency,host_reference,code"
).split(",")
ORDER_HEADER = (
    "created_at,fulfilment_id,rma,order_number,host_order_number,host_reference,line_id,"
    "resolution,returned_sku,sku,product_name,quantity,carrier,tracking_number,shipped_at"
).split(",")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def history(make_host_app, stripe_server) -> Iterator[History]:
    made = settled_history(make_host_app, stripe_server)
    with made.app.app_context():
        yield made


def get_csv(history: History, **query: str) -> list[dict[str, str]]:
    response = history.app.test_client().get(DOWNLOAD, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header = CREDIT_HEADER if query["kind"] == "store-credit" else ORDER_HEADER
    assert table[0] == header
    return [dict(zip(header, row, strict=True)) for row in table[1:]]


def get_xlsx(history: History, **query: str) -> openpyxl.Workbook:
    response = history.app.test_client().get(DOWNLOAD, query_string={"format": "xlsx", **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.data))


def without_ids(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    for row in rows:
        assert row.pop("fulfilment_id").isdigit()
    return rows


# --------------------------------------------------------------------------- store credit


def test_store_credit_rows_have_amounts_in_each_currency_and_bonus(history):
    rows = without_ids(get_csv(history, kind="store-credit", range="custom", **NOV))
    credited, jpy, late = (history.rmas[n] for n in ("credited", "jpy", "late_credit"))
    common = {"customer_email": "customer@example.com"}
    assert rows == [
        {
            **common,
            "issued_at": "2026-11-05T10:00:00Z",
            "rma": credited,
            "order_number": "3002",
            # Typed by the customer and answered by the shop's system: text, never a formula.
            "customer_name": "'" + FORMULA_NAME,
            "amount": "54.98",
            "amount_minor": "5498",
            "bonus": "5.00",
            "bonus_minor": "500",
            "currency": "EUR",
            "host_reference": "GC0001",
            "code": "'" + FORMULA_CODE,
        },
        {
            **common,
            "issued_at": "2026-11-06T14:00:00Z",
            "rma": jpy,
            "order_number": "3007",
            "customer_name": "Test Customer",
            "amount": "1595",
            "amount_minor": "1595",
            "bonus": "145",
            "bonus_minor": "145",
            "currency": "JPY",
            "host_reference": "GC0002",
            "code": "",
        },
        {
            **common,
            "issued_at": "2026-11-08T00:10:00Z",
            "rma": late,
            "order_number": "3008",
            "customer_name": "Test Customer",
            "amount": "15.95",
            "amount_minor": "1595",
            "bonus": "1.45",
            "bonus_minor": "145",
            "currency": "EUR",
            "host_reference": "GC0003",
            "code": "",
        },
    ]


def test_credit_is_listed_on_the_day_it_was_issued_and_only_once_issued(history):
    # Asked for on 7 November at 23:58, issued on the 8th at 00:10.
    day = {"range": "custom", "kind": "store-credit"}
    seventh = get_csv(history, since="2026-11-07", until="2026-11-07", **day)
    eighth = get_csv(history, since="2026-11-08", until="2026-11-08", **day)
    assert seventh == []
    assert [(r["rma"], r["issued_at"]) for r in eighth] == [
        (history.rmas["late_credit"], "2026-11-08T00:10:00Z")
    ]
    # A credit the gift-card system has not issued yet is in no list.
    history.shop.credit_down = True
    session = history.app.extensions["returns"].session
    ret = history.load("open")
    with clock_at(at(9)):
        authorize_return(ret, ADMIN)
        session.commit()
        mark_received(ret, ADMIN, [LineReceipt(ret.lines[0].id, 1)])
        session.commit()
        (outcome,) = carry_out(ret, ADMIN)
    assert outcome.result == "delayed"
    ninth = get_csv(history, since="2026-11-09", until="2026-11-09", **day)
    assert ninth == []
    assert len(get_csv(history, kind="store-credit", **NOV)) == 3


def test_store_credit_xlsx_has_typed_cells(history):
    book = get_xlsx(history, kind="store-credit", **NOV)
    assert book.sheetnames == ["Store credit"]
    sheet = book["Store credit"]
    assert [c.value for c in sheet[1]] == CREDIT_HEADER
    cells = list(sheet.iter_rows(min_row=2))
    issued, name, amount, minor, bonus, code = 0, 5, 6, 7, 8, 12
    assert [(r[amount].value, r[minor].value, r[bonus].value) for r in cells] == [
        (54.98, 5498, 5.0),
        (1595, 1595, 145),
        (15.95, 1595, 1.45),
    ]
    assert [r[amount].number_format for r in cells] == ["#,##0.00", "#,##0", "#,##0.00"]
    assert cells[0][issued].value == datetime(2026, 11, 5, 10, 0)
    # Text cells hold the text as typed, and are text: no formula can start there.
    assert (cells[0][name].value, cells[0][name].data_type) == (FORMULA_NAME, "s")
    assert (cells[0][code].value, cells[0][code].data_type) == (FORMULA_CODE, "s")


# --------------------------------------------------------------------------- replacement orders


def test_replacement_orders_have_a_row_per_item_sent(history):
    rows = without_ids(get_csv(history, kind="replacement-orders", range="custom", **NOV))
    for row in rows:
        assert row.pop("line_id").isdigit()
    exchanged, replaced, mixed = (history.rmas[n] for n in ("exchanged", "replaced", "mixed"))
    assert rows == [
        {
            "created_at": "2026-11-03T10:00:00Z",
            "rma": exchanged,
            "order_number": "3001",
            "host_order_number": "R0001",
            "host_reference": "R0001",
            "resolution": "exchange",
            "returned_sku": "SKU-SHIRT",
            "sku": "SKU-SHIRT-L",
            "product_name": "Shirt, L",
            "quantity": "1",
            "carrier": "DHL",
            "tracking_number": "00340434",
            "shipped_at": "2026-11-04T07:30:00Z",
        },
        {
            "created_at": "2026-11-06T11:00:00Z",
            "rma": replaced,
            "order_number": "3004",
            "host_order_number": "R0002",
            "host_reference": "R0002",
            "resolution": "replacement",
            "returned_sku": "SKU-MUG",
            "sku": "SKU-MUG",
            "product_name": "Mug",
            "quantity": "1",
            "carrier": "",
            "tracking_number": "",
            "shipped_at": "",
        },
        {
            # The mixed return's order sends the exchanged shirt; its mug was refunded.
            "created_at": "2026-11-06T12:00:00Z",
            "rma": mixed,
            "order_number": "3005",
            "host_order_number": "R0003",
            "host_reference": "R0003",
            "resolution": "exchange",
            "returned_sku": "SKU-SHIRT",
            "sku": "SKU-SHIRT-L",
            "product_name": "Shirt, L",
            "quantity": "1",
            "carrier": "",
            "tracking_number": "",
            "shipped_at": "",
        },
    ]
    one_day = get_csv(history, kind="replacement-orders", since="2026-11-06", until="2026-11-06")
    assert [r["rma"] for r in one_day] == [replaced, mixed]


def test_replacement_orders_xlsx_has_typed_cells(history):
    book = get_xlsx(history, kind="replacement-orders", **NOV)
    assert book.sheetnames == ["Replacement orders"]
    rows = list(book["Replacement orders"].iter_rows(values_only=True))
    assert list(rows[0]) == ORDER_HEADER
    created, quantity, shipped = 0, 11, 14
    assert [(r[created], r[9], r[quantity], r[shipped]) for r in rows[1:]] == [
        (datetime(2026, 11, 3, 10), "SKU-SHIRT-L", 1, datetime(2026, 11, 4, 7, 30)),
        (datetime(2026, 11, 6, 11), "SKU-MUG", 1, None),
        (datetime(2026, 11, 6, 12), "SKU-SHIRT-L", 1, None),
    ]


# --------------------------------------------------------------------------- page and CLI


def test_the_exports_page_offers_both_lists(history):
    text = history.app.test_client().get("/returns/admin/exports").get_data(as_text=True)
    assert 'name="kind" value="store-credit"' in text
    assert "Store credit issued: one row per credit, with its bonus" in text
    assert 'name="kind" value="replacement-orders"' in text
    assert "Replacement and exchange orders created: one row per item sent" in text
    response = history.app.test_client().get(
        DOWNLOAD, query_string={"kind": "store-credit", "format": "csv", **NOV}
    )
    assert (
        'filename="store-credit-2026-11-01-2026-11-30.csv"'
        in (response.headers["Content-Disposition"])
    )


def test_cli_exports_store_credit_for_a_day(history, tmp_path):
    target = tmp_path / "credit.csv"
    runner = history.app.test_cli_runner()
    args = ["returns", "export", "store-credit", "--since", "2026-11-08", "--until", "2026-11-08"]
    result = runner.invoke(args=[*args, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 row(s) of store-credit from 2026-11-08 to 2026-11-08 (UTC)" in result.stdout
    assert "Exporting 1 row(s)" in result.stderr
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rma"], r["amount"], r["bonus"], r["currency"]) for r in rows] == [
        (history.rmas["late_credit"], "15.95", "1.45", "EUR")
    ]

    result = runner.invoke(args=[*args, "--output", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfissued_at,fulfilment_id,")
    assert result.stdout_bytes.count(b"\r\n") == 2


def test_cli_exports_replacement_orders_as_xlsx(history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = ["returns", "export", "replacement-orders"]
    seventh = ["--since", "2026-11-07", "--until", "2026-11-07"]
    result = history.app.test_cli_runner().invoke(args=[*command, *seventh, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "0 row(s) of replacement-orders" in result.stderr  # none was created that day
    assert result.stdout_bytes == b"\xef\xbb\xbf" + ",".join(ORDER_HEADER).encode() + b"\r\n"
    november = ["--since", "2026-11-01", "--until", "2026-11-30"]
    result = history.app.test_cli_runner().invoke(args=[*command, *november, "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert "Exporting 3 row(s)" in result.stderr
    book = openpyxl.load_workbook(tmp_path / "replacement-orders-2026-11-01-2026-11-30.xlsx")
    rows = list(book["Replacement orders"].iter_rows(values_only=True))
    assert [(r[2], r[4], r[7], r[11]) for r in rows[1:]] == [
        (history.rmas["exchanged"], "R0001", "exchange", 1),
        (history.rmas["replaced"], "R0002", "replacement", 1),
        (history.rmas["mixed"], "R0003", "exchange", 1),
    ]


def test_small_batches_give_the_same_rows(history):
    # Keyset pages on (succeeded_at, id): every row once, in order, whatever the page size.
    session = history.app.extensions["returns"].session
    span = DateRange(date(2026, 11, 1), date(2026, 11, 30))
    for rows in (fulfilments.store_credit_rows, fulfilments.replacement_rows):
        whole = list(rows(session, span))
        assert len(whole) == 3
        for size in (1, 2, 3):
            assert list(rows(session, span, batch_size=size)) == whole
