"""Exchanges and store credit as people click them, in Chromium, against the example shop.

A customer asks in their language; an admin (in English) authorizes and records the
parcel; the shop's own tables then hold the replacement order, the stock and the
gift-card balance, and the customer reads what happened in their language.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from example_shop.models import GiftCardEntry, Product, ShopOrder, db
from flask_returns.models import OutboxMessage

from .demo import ADMIN_EMAIL, BUYERS, MUG, PASSWORD, SHOE_42, SHOE_43, SHOE_ORDER, SHOE_SIZES

pytestmark = pytest.mark.browser

# What the customer reads, per language (from our catalogs; "Size 43" is the shop's).
WORDS = {
    "pl": {
        "order_number": "Numer zamówienia",
        "email": "Adres e-mail",
        "find": "Znajdź moje zamówienie",
        "quantity": "Ile sztuk zwracasz",
        "reason": "Dlaczego zwracasz ten produkt?",
        "exchange": "Wymiana",
        "store_credit": "Bon na zakupy",
        "variant": "Wymiana: który wariant wybierasz?",
        "submit": "Zgłoś zwrot",
        "you_get": "Otrzymasz: Wymiana na: Size 43.",
        "decision": "Wymiana na: Size 43",
        "complete": "Twój zwrot jest zakończony",
        "bonus": "o 10% więcej niż zwrot pieniędzy",
    },
    "de": {
        "order_number": "Bestellnummer",
        "email": "E-Mail-Adresse",
        "find": "Bestellung suchen",
        "quantity": "Anzahl",
        "reason": "Rücksendegrund",
        "exchange": "Umtausch",
        "store_credit": "Guthaben",
        "variant": "Bei Umtausch: Welche Variante möchten Sie?",
        "submit": "Rücksendung anmelden",
        "you_get": "Sie erhalten: Umtausch gegen Size 43.",
        "decision": "Umtausch gegen Size 43",
        "complete": "Ihre Rücksendung ist abgeschlossen",
        "bonus": "10 % mehr als bei einer Erstattung",
    },
}


def _ask(page, base: str, lang: str, number: str, item: str, reason: str, **choice) -> str:
    """The customer's form, in ``lang``: one item, its reason and resolution; the RMA.

    ``shows`` is a text the form must show for the item before it is sent."""
    words = WORDS[lang]
    page.goto(f"{base}/returns/?lang={lang}")
    page.get_by_label(words["order_number"]).fill(number)
    page.get_by_label(words["email"]).fill(BUYERS[number])
    page.get_by_role("button", name=words["find"]).click()
    line = page.get_by_role("group", name=item, exact=True)
    line.get_by_label(words["quantity"]).select_option("1")
    line.get_by_label(words["reason"]).select_option(reason)
    line.get_by_label(words[choice["resolution"]], exact=True).check()
    if "variant" in choice:
        line.get_by_label(words["variant"]).select_option(label=choice["variant"])
    if "shows" in choice:
        expect(line.get_by_text(choice["shows"])).to_be_visible()
    page.get_by_role("button", name=words["submit"]).click()
    notice = page.get_by_role("status")
    expect(notice).to_be_visible()
    return re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", notice.inner_text()).group(0)


def _admin_authorizes_and_receives(admin, base: str, rma: str) -> None:
    admin.goto(f"{base}/login?next=/returns/admin/returns/{rma}")
    admin.get_by_label("E-mail").fill(ADMIN_EMAIL)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin.get_by_role("heading", name=f"Return {rma}")).to_be_visible()
    admin.get_by_role("button", name="Authorize", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text("The return is authorized.")
    admin.get_by_role("button", name="Record as received").click()
    expect(admin.get_by_role("status")).to_contain_text("The goods are recorded as received.")


def _stock(app, sku: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Product.stock).where(Product.sku == sku))


@pytest.mark.parametrize("lang", ["pl", "de"])
def test_a_customer_exchanges_size_42_for_43_and_the_shop_sends_one_pair(
    unpaid_shop_app, live_server, page, browser, artifacts_dir, lang
):
    app = unpaid_shop_app
    base = live_server(app)
    before = {sku: _stock(app, sku) for sku in (SHOE_42, SHOE_43)}
    shoe = SHOE_SIZES[SHOE_42].name
    rma = _ask(
        page, base, lang, SHOE_ORDER, shoe, "size_fit", resolution="exchange", variant="Size 43"
    )
    page.screenshot(path=str(artifacts_dir / f"exchange-1-requested-{lang}.png"), full_page=True)

    admin = browser.new_page()
    _admin_authorizes_and_receives(admin, base, rma)
    expect(admin.get_by_text("Decided: Exchange for Size 43")).to_be_visible()
    admin.screenshot(path=str(artifacts_dir / f"exchange-2-admin-{lang}.png"), full_page=True)

    with app.app_context():
        sent = db.session.scalars(sa.select(ShopOrder).filter_by(kind="replacement")).all()
        assert len(sent) == 1  # exactly one new order, for size 43
        [line] = sent[0].lines
        assert (line.product.sku, line.quantity, line.unit_amount) == (SHOE_43, 1, 0)
        mails = {
            m.kind: m
            for m in db.session.scalars(
                sa.select(OutboxMessage).filter_by(recipient=BUYERS[SHOE_ORDER])
            )
        }
        number = sent[0].number
    # The stock moved both ways: size 43 out to the customer, 42 back on the shelf.
    assert _stock(app, SHOE_43) == before[SHOE_43] - 1
    assert _stock(app, SHOE_42) == before[SHOE_42] + 1
    assert mails["authorized"].locale == lang
    assert WORDS[lang]["decision"] in mails["authorized"].text_body
    assert number in mails["replacement_ordered"].text_body
    assert mails["replacement_ordered"].locale == lang

    page.reload()
    expect(page.get_by_text(WORDS[lang]["complete"])).to_be_visible()
    expect(page.get_by_text(WORDS[lang]["you_get"])).to_be_visible()
    expect(page.get_by_text(number)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"exchange-3-status-{lang}.png"), full_page=True)


def test_store_credit_with_a_bonus_tops_up_the_shops_gift_card(
    unpaid_shop_app, live_server, page, browser, artifacts_dir
):
    app = unpaid_shop_app
    base = live_server(app)
    rma = _ask(
        page,
        base,
        "pl",
        "1001",
        MUG,
        "changed_mind",
        resolution="store_credit",
        shows=re.compile(WORDS["pl"]["bonus"]),
    )
    admin = browser.new_page()
    _admin_authorizes_and_receives(admin, base, rma)
    expect(admin.get_by_text("Decided: Store credit")).to_be_visible()

    # €14.50 back as credit, and 10 % more: €15.95, once.
    with app.app_context():
        entries = db.session.scalars(sa.select(GiftCardEntry)).all()
        assert [(e.amount, e.currency) for e in entries] == [(1595, "EUR")]
    shopper = browser.new_page()
    shopper.goto(f"{base}/login?next=/orders")
    shopper.get_by_label("E-mail").fill(BUYERS["1001"])
    shopper.get_by_label("Password").fill(PASSWORD)
    shopper.get_by_role("button", name="Sign in").click()
    expect(shopper.locator(".gift-card-balance")).to_contain_text("€15.95")
    shopper.screenshot(path=str(artifacts_dir / "store-credit-balance.png"), full_page=True)
    page.reload()
    expect(page.get_by_text("15,95")).to_be_visible()
