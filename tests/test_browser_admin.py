"""An admin on a phone works a return from the queue to the refund, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .admin_helpers import load, open_return
from .demo import ADMIN_EMAIL, MUG, PASSWORD, SHIRT

pytestmark = pytest.mark.browser


def _fits_the_screen(page) -> None:
    """Nothing wider than the phone: no sideways scrolling to read a table."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_admin_authorizes_receives_and_refunds_on_a_phone(
    shop_app, live_server, page, artifacts_dir, database_url
):
    backend = database_url.split(":", 1)[0].split("+")[0]
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(artifacts_dir / f"admin-{name}-{backend}.png"), full_page=True
    )
    rma, status_path = open_return(
        shop_app, "1001", {SHIRT: (2, "damaged", "Seam"), MUG: (1, "size_fit")}, photo=True
    )
    base = live_server(shop_app)

    page.goto(f"{base}/login?next=/returns/admin/")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Returns queue")).to_be_visible()
    expect(page.get_by_role("link", name=rma)).to_be_visible()
    _fits_the_screen(page)
    shot("1-queue")

    page.get_by_role("link", name=rma).click()
    expect(page.get_by_role("heading", name=f"Return {rma}")).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    _fits_the_screen(page)
    shot("2-detail")

    page.get_by_label("Stoneware mug: units to authorize (1 requested)").fill("0")
    page.get_by_label("Note to the customer (optional)").fill("The mug stays with you.")
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The return is authorized.")

    shirt = page.get_by_role("group", name=SHIRT)
    shirt.get_by_label("Units received (2 authorized)").fill("2")
    shirt.get_by_label("Condition").select_option("opened")
    page.get_by_role("button", name="Record as received").click()
    expect(page.get_by_role("status")).to_contain_text("The goods are recorded as received.")
    amount = page.get_by_label("Amount to refund")
    expect(amount).to_have_value("49.98")
    _fits_the_screen(page)
    shot("3-refund-proposal")

    amount.fill("49.99")
    page.get_by_role("button", name="Refund through Stripe").click()
    expect(page.get_by_text("At most €49.98 can be refunded now.")).to_be_visible()
    expect(page.get_by_label("Amount to refund")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Amount to refund").fill("49.98")
    page.get_by_role("button", name="Refund through Stripe").click()
    expect(page.get_by_role("status")).to_contain_text("The refund is recorded")
    expect(page.get_by_text("Refunded", exact=True).first).to_be_visible()
    _fits_the_screen(page)
    shot("4-refunded")
    ret = load(shop_app, rma)
    assert ret.status == "refunded"
    assert [(r.amount, r.status) for r in ret.refunds] == [(4998, "succeeded")]

    # The customer's status page now shows the refund, in Polish, with Polish money.
    page.goto(f"{base}{status_path}?lang=pl")
    expect(page.locator(".returns-status-now")).to_contain_text("Zwrócono pieniądze")
    expect(page.get_by_text("49,98 € zwrócono na Twoją pierwotną metodę płatności")).to_be_visible()
    shot("5-customer-sees-refund-pl")
