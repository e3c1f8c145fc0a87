"""The admin queue, a return's page; the steps before a refund: authorize, reject, receive."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from flask_returns.models import ReturnRequest
from flask_returns.views.admin.forms import format_major, parse_major

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    line_ids,
    load,
    open_return,
    post_action,
    receive_all,
    sign_in,
)
from .demo import ADMIN_EMAIL, BUYERS, KETTLE, MUG, SHIRT, SNEAKERS

NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
ROW_RMA = re.compile(r'name="rma" value="(R-[0-9A-Z-]+)"')


def queue(client, query: str = "") -> str:
    response = client.get(f"/returns/admin/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def listed(page: str) -> list[str]:
    return ROW_RMA.findall(page)


def _set_created(app, rma: str, when: datetime) -> None:
    with app.app_context():
        session = app.extensions["returns"].session
        session.execute(
            sa.update(ReturnRequest).where(ReturnRequest.rma == rma).values(created_at=when)
        )
        session.commit()


# --------------------------------------------------------------------------- queue


def test_queue_counts_per_status_and_shows_open_returns_oldest_first(unpaid_shop_app):
    first, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    second, _ = open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    third, _ = open_return(unpaid_shop_app, "1004", {KETTLE: (1, "changed_mind")})
    admin = admin_client(unpaid_shop_app)
    assert post_action(admin, third, "reject", {"rejection_reason": "Used"}).status_code == 302
    page = queue(admin)
    counts = dict(re.findall(r">(\w+) <strong>(\d+)</strong>", page))
    assert counts == {
        "Requested": "2",
        "Authorized": "0",
        "Received": "0",
        "Refunded": "0",
        "Resolved": "0",
        "Rejected": "1",
        "Cancelled": "0",
    }
    assert listed(page) == [first, second]  # rejected is not open
    assert listed(queue(admin, "?status=rejected")) == [third]
    assert listed(queue(admin, "?status=rejected&status=requested")) == [first, second, third]


def test_counts_stop_at_a_cap_so_a_long_history_costs_nothing(unpaid_shop_app, monkeypatch):
    monkeypatch.setattr("flask_returns.reports.queue.COUNT_CAP", 1)
    for lines in ({SHIRT: (1, "size_fit")}, {MUG: (1, "size_fit")}):
        open_return(unpaid_shop_app, "1001", lines)
    page = queue(admin_client(unpaid_shop_app))
    assert "Requested <strong>1+</strong>" in page
    assert "Authorized <strong>0</strong>" in page
    assert len(listed(page)) == 2  # the list itself is not capped


def test_queue_filters_by_reason_age_currency_and_search(unpaid_shop_app):
    shirt, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    mug, _ = open_return(
        unpaid_shop_app, "1001", {MUG: (1, "changed_mind"), SHIRT: (1, "size_fit")}
    )
    kettle, _ = open_return(unpaid_shop_app, "1004", {KETTLE: (1, "defective")}, photo=True)
    _set_created(unpaid_shop_app, shirt, datetime.now(UTC) - timedelta(days=10))
    admin = admin_client(unpaid_shop_app)
    assert listed(queue(admin)) == [shirt, mug, kettle]
    # Reason: any line of the return has it.
    assert listed(queue(admin, "?reason=changed_mind")) == [mug]
    assert listed(queue(admin, "?reason=size_fit")) == [shirt, mug]
    assert listed(queue(admin, "?age=7")) == [shirt]
    assert listed(queue(admin, "?age=0")) == [shirt, mug, kettle]
    assert listed(queue(admin, "?currency=jpy")) == [kettle]
    assert listed(queue(admin, "?currency=EUR&reason=size_fit&age=7")) == [shirt]
    # Search: RMA (any case), order number, or the customer's e-mail in any case.
    assert listed(queue(admin, f"?q={mug.lower()}")) == [mug]
    assert listed(queue(admin, "?q=1004")) == [kettle]
    assert listed(queue(admin, "?q=+TANAKA@Example.com+")) == [kettle]
    assert listed(queue(admin, "?q=customer@example.com")) == [shirt, mug]
    assert listed(queue(admin, "?q=nobody@example.com")) == []
    assert "No returns match these filters." in queue(admin, "?q=R-0000-0000")
    # Nonsense filters are ignored rather than failing.
    assert listed(queue(admin, "?age=-3&currency=1234&reason=nope&status=gone")) == [
        shirt,
        mug,
        kettle,
    ]


def test_queue_pages_by_keyset_across_equal_timestamps(make_unpaid_shop_app):
    app = make_unpaid_shop_app(RETURNS_ADMIN_PAGE_SIZE=3)
    wanted = [
        ("1001", {SHIRT: (1, "size_fit")}),
        ("1001", {SHIRT: (1, "size_fit")}),
        ("1001", {MUG: (1, "changed_mind")}),
        ("1003", {SNEAKERS: (1, "size_fit")}),
        ("1004", {KETTLE: (1, "changed_mind")}),
        ("1004", {MUG: (1, "changed_mind")}),
        ("1004", {MUG: (1, "changed_mind")}),
    ]
    made = [open_return(app, number, lines)[0] for number, lines in wanted]
    # Four returns share one timestamp across a page boundary: the id breaks the tie.
    same = datetime.now(UTC).replace(microsecond=123456) - timedelta(hours=1)
    for rma in made[1:5]:
        _set_created(app, rma, same)
    with app.app_context():
        expected = list(
            app.extensions["returns"].session.scalars(
                sa.select(ReturnRequest.rma).order_by(ReturnRequest.created_at, ReturnRequest.id)
            )
        )
    admin = admin_client(app)
    pages, url = [], "/returns/admin/"
    while url:
        response = admin.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append(listed(page))
        found = NEXT.search(page)
        url = html.unescape(found.group(1)) if found else None
        if url:
            assert "after=" in url and "offset" not in url.lower()
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [rma for p in pages for rma in p] == expected
    assert sorted(expected) == sorted(made)
    # A mangled cursor starts again at the top instead of failing.
    assert listed(queue(admin, "?after=yesterday,x")) == expected[:3]


def _captured_queries(app, client, url: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = app.extensions["returns"].db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return seen


@pytest.mark.parametrize("query", ["", "?status=received", "?reason=size_fit&q=1001"])
def test_the_queue_reads_the_status_index_and_counts_in_one_query(unpaid_shop_app, query):
    first, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    admin = admin_client(unpaid_shop_app)
    ret = load(unpaid_shop_app, first)
    after = f"after={ret.created_at.isoformat().replace('+', '%2B')},{ret.id}"
    url = f"/returns/admin/{query}{'&' if query else '?'}{after}"
    seen = _captured_queries(unpaid_shop_app, admin, url)
    (counts,) = [(s, p) for s, p in seen if "GROUP BY" in s.upper()]
    (page,) = [(s, p) for s, p in seen if "ORDER BY" in s and "LIMIT" in s]
    with unpaid_shop_app.app_context():
        engine = unpaid_shop_app.extensions["returns"].db.engine
        postgres = engine.dialect.name == "postgresql"
        with engine.connect() as conn:
            if postgres:
                # Tiny tables: forbid the sequential scan so the plan shows what can be used.
                conn.exec_driver_sql("SET enable_seqscan = off")
            for statement, params in (page, counts):
                if postgres:
                    # (SQLite's compiler writes "OFFSET 0" after every LIMIT; PostgreSQL's not.)
                    assert "OFFSET" not in statement.upper()
                    rows = conn.exec_driver_sql(f"EXPLAIN {statement}", params)
                    plan = "\n".join(r[0] for r in rows)
                    assert "Seq Scan on returns_request" not in plan, plan
                else:
                    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                    plan = "\n".join(str(r[-1]) for r in rows)
                    assert "SCAN returns_request\n" not in plan + "\n", plan
                assert "ix_returns_request_status_created" in plan, plan


# --------------------------------------------------------------------------- one return


def test_detail_shows_order_lines_photos_policy_and_history(make_unpaid_shop_app):
    app = make_unpaid_shop_app(RETURNS_RESTOCKING_FEES={"changed_mind": 10})
    rma, _ = open_return(
        app,
        "1001",
        {SHIRT: (2, "damaged", "Seam <b>torn</b>"), MUG: (1, "changed_mind")},
        photo=True,
    )
    other, _ = open_return(app, "1003", {SNEAKERS: (1, "damaged")}, photo=True)
    admin = admin_client(app)
    page = detail(admin, rma.lower())
    for text in (
        f"Return {rma}",
        "Order number</dt><dd>1001</dd>",
        "Anna Nowak",
        "ul. Długa 5/3",
        "00-238 Warszawa",
        "customer@example.com",
        "Requested 3 days after delivery.",
        "The window is 30 days.",
        "Within the window.",
        "Arrived damaged",
        "Changed my mind",
        "Seam &lt;b&gt;torn&lt;/b&gt;",
        "€24.99",
        "Return requested",
        "Customer <small>customer@example.com</small>",
        "– → Requested",
    ):
        assert text in page, text
    assert re.search(r"<code>pi_\w+</code>", page)
    fees = re.findall(r'data-label="Restocking fee">([^<]+)<', page)
    assert fees == ["0 %", "10 %"]
    ret, elsewhere = load(app, rma), load(app, other)
    (photo,) = ret.photos
    thumb = f"/returns/admin/returns/{rma}/photos/{photo.id}/thumb"
    full = f"/returns/admin/returns/{rma}/photos/{photo.id}/full"
    assert f'src="{thumb}"' in page and f'href="{full}"' in page
    for url in (thumb, full):
        image = admin.get(url)
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert "private" in image.headers["Cache-Control"]
    # A photo is only shown under its own return.
    assert (
        admin.get(f"/returns/admin/returns/{rma}/photos/{elsewhere.photos[0].id}/full").status_code
        == 404
    )
    assert admin.get("/returns/admin/returns/R-0000-0000").status_code == 404
    # Only the actions that fit the status are offered.
    assert "/authorize" in page and "/reject" in page
    assert "/receive" not in page and "/refund" not in page


def test_authorize_part_of_a_return(shop_app):
    rma, status_path = open_return(
        shop_app, "1001", {SHIRT: (2, "size_fit"), MUG: (1, "not_as_described")}
    )
    ids = line_ids(shop_app, rma)
    shirt, mug = f"qty-{ids[SHIRT]}", f"qty-{ids[MUG]}"
    admin = admin_client(shop_app)
    too_many = post_action(admin, rma, "authorize", {shirt: "3", mug: "1"})
    assert too_many.status_code == 400
    assert "Enter 0 to 2." in too_many.get_data(as_text=True)
    nothing = post_action(admin, rma, "authorize", {shirt: "0", mug: "0"})
    assert nothing.status_code == 400
    assert "Authorize at least one unit, or reject the return." in nothing.get_data(as_text=True)
    assert load(shop_app, rma).status == "requested"

    done = post_action(
        admin, rma, "authorize", {shirt: "1", mug: "0", "authorization_note": "Only one shirt."}
    )
    assert done.status_code == 302 and done.location.endswith(
        f"/admin/returns/{rma}?done=authorize"
    )
    ret = load(shop_app, rma)
    assert ret.status == "authorized"
    assert {line.name: line.quantity_authorized for line in ret.lines} == {SHIRT: 1, MUG: 0}
    assert ret.authorization_note == "Only one shirt."
    event = ret.events[-1]
    with shop_app.app_context():
        from example_shop.models import Customer, db

        admin_id = db.session.scalar(db.select(Customer.id).filter_by(email=ADMIN_EMAIL))
    assert (event.actor_kind, event.actor_id, event.action) == (
        "admin",
        str(admin_id),
        "authorized",
    )
    page = admin.get(done.location).get_data(as_text=True)
    assert "The return is authorized." in page
    assert "Goods received" in page and "/authorize" not in page
    customer_page = shop_app.test_client().get(f"{status_path}?lang=en").get_data(as_text=True)
    assert "Only one shirt." in customer_page
    # Authorizing twice is refused: the status has moved on.
    again = admin.post(
        f"/returns/admin/returns/{rma}/authorize",
        data={
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(
                1
            )
        },
    )
    assert again.status_code == 409
    assert "so that step no longer applies" in again.get_data(as_text=True)


def test_reject_needs_a_reason_the_customer_then_reads(unpaid_shop_app):
    rma, status_path = open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    admin = admin_client(unpaid_shop_app)
    empty = post_action(admin, rma, "reject", {"rejection_reason": "   "})
    assert empty.status_code == 400
    assert "Write the reason the customer will read." in empty.get_data(as_text=True)
    assert load(unpaid_shop_app, rma).status == "requested"
    done = post_action(admin, rma, "reject", {"rejection_reason": "Worn <outside>."})
    assert done.status_code == 302
    ret = load(unpaid_shop_app, rma)
    assert (ret.status, ret.rejection_reason) == ("rejected", "Worn <outside>.")
    assert "The return is rejected." in admin.get(done.location).get_data(as_text=True)
    customer_page = (
        unpaid_shop_app.test_client().get(f"{status_path}?lang=en").get_data(as_text=True)
    )
    assert "Worn &lt;outside&gt;." in customer_page


def test_receive_records_quantity_condition_and_resale(shop_app):
    rma, _ = open_return(shop_app, "1001", {SHIRT: (2, "size_fit"), MUG: (1, "not_as_described")})
    admin = admin_client(shop_app)
    authorize_all(admin, rma)
    ids = line_ids(shop_app, rma)
    shirt, mug = ids[SHIRT], ids[MUG]
    bad = post_action(
        admin,
        rma,
        "receive",
        {f"qty-{shirt}": "5", f"condition-{shirt}": "shiny", f"qty-{mug}": "1"},
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Enter 0 to 2." in text and "Choose the condition it arrived in." in text
    assert load(shop_app, rma).status == "authorized"
    done = post_action(
        admin,
        rma,
        "receive",
        {
            f"qty-{shirt}": "1",
            f"condition-{shirt}": "opened",
            f"resellable-{shirt}": "1",
            f"qty-{mug}": "1",
            f"condition-{mug}": "damaged",
        },
    )
    assert done.status_code == 302
    ret = load(shop_app, rma)
    assert ret.status == "received"
    got = {
        line.name: (line.quantity_received, line.condition, line.resellable) for line in ret.lines
    }
    assert got == {SHIRT: (1, "opened", True), MUG: (1, "damaged", False)}
    page = admin.get(done.location).get_data(as_text=True)
    assert "The goods are recorded as received." in page
    assert "Condition: Opened" in page and "not resellable" in page
    assert "Proposed refund" in page


def test_receive_then_the_history_names_every_step(shop_app):
    rma, _ = open_return(shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    admin = admin_client(shop_app)
    authorize_all(admin, rma)
    receive_all(admin, shop_app, rma)
    page = detail(admin, rma)
    history = page.split('id="history-heading"')[1]
    assert [a.strip() for a in re.findall(r'data-label="What">([^<]+)<', history)] == [
        "Return requested",
        "Authorized",
        "Goods received",
    ]
    assert "Requested → Authorized" in history and "Authorized → Received" in history


def test_admin_link_in_the_shop_is_for_admins_only(unpaid_shop_app):
    admin = admin_client(unpaid_shop_app)
    assert 'href="/returns/admin/"' in admin.get("/").get_data(as_text=True)
    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS["1001"])
    assert 'href="/returns/admin/"' not in customer.get("/").get_data(as_text=True)


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("64.48", "EUR", 6448),
        (" 64.4 ", "EUR", 6440),
        ("64", "EUR", 6400),
        ("0.01", "EUR", 1),
        ("1,234.50", "EUR", 123450),
        ("12800", "JPY", 12800),
        ("12,800", "JPY", 12800),
        ("1.010", "KWD", 1010),
    ],
)
def test_amounts_are_read_exactly(text, currency, minor):
    # Outside a request the admin's language is the default, English.
    assert parse_major(text, currency) == (minor, "")


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("", "EUR", "Enter the amount to refund."),
        ("-5", "EUR", "The amount cannot be negative."),
        ("1e3", "EUR", "Enter the amount as a number, for example 1,234.50."),
        ("NaN", "EUR", "Enter the amount as a number"),
        ("0.1e1", "EUR", "Enter the amount as a number"),
        ("64,48", "EUR", "Enter the amount as a number"),  # a comma is not a point in English
        ("12.345", "EUR", "EUR amounts have at most 2 decimal places."),
        ("64.480", "EUR", "EUR amounts have at most 2 decimal places."),
        ("12800.5", "JPY", "JPY amounts have no decimal places."),
        ("1.005", "KWD", "Stripe takes KWD amounts only in steps of 0.010"),
        ("0.00", "EUR", "Enter an amount greater than zero."),
        ("9" * 16, "EUR", "Enter the amount as a number"),
    ],
)
def test_amounts_that_are_not_exact_are_refused(text, currency, message):
    minor, error = parse_major(text, currency)
    assert minor is None and error.startswith(message)


def test_amounts_are_written_with_the_currencys_digits():
    assert format_major(6448, "EUR") == "64.48"
    assert format_major(12800, "JPY") == "12,800"
    assert format_major(1010, "KWD") == "1.010"
    assert format_major(5, "EUR") == "0.05"
    assert format_major(2499000, "HUF") == "24,990"
