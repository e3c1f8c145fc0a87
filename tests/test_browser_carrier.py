"""A carrier's label as people see it, in Chromium, against the example shop.

The shop books its labels at a local fake of the platform (as ``DEMO_CARRIER``
does for the demo); the admin authorizes in the browser, the customer's status
page shows the carrier's label, tracking and drop-off code, and a tracking webhook
moves it on.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from example_shop.carrier import carrier_settings
from flask_returns.documents import label_pdf

from .carrier_helpers import shipments, the_return
from .demo import ADMIN_EMAIL, BUYERS, PASSWORD, SHIRT
from .label_helpers import page_images, scan

pytestmark = pytest.mark.browser


def _ask(page, base: str, number: str, item: str) -> str:
    page.goto(f"{base}/returns/?lang=en")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("E-mail address").fill(BUYERS[number])
    page.get_by_role("button", name="Find my order").click()
    line = page.get_by_role("group", name=item, exact=True)
    line.get_by_label("How many to return").select_option("1")
    line.get_by_label("Why are you returning it?").select_option("size_fit")
    page.get_by_role("button", name="Request return").click()
    notice = page.get_by_role("status")
    expect(notice).to_be_visible()
    return re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", notice.inner_text()).group(0)


def _authorize(admin, base: str, rma: str) -> None:
    admin.goto(f"{base}/login?next=/returns/admin/returns/{rma}")
    admin.get_by_label("E-mail").fill(ADMIN_EMAIL)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.get_by_role("button", name="Authorize", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text("The return is authorized.")


def test_the_customer_sees_the_carriers_label_and_the_parcel_move(
    make_shop_app, easypost, live_server, page, browser, artifacts_dir, tmp_path
):
    app = make_shop_app(**carrier_settings("easypost", easypost))
    base = live_server(app)
    rma = _ask(page, base, "1001", SHIRT)
    status_url = page.url
    admin = browser.new_page()
    _authorize(admin, base, rma)
    assert easypost.purchases == 1
    [shipment] = shipments(app, rma)
    # The admin sees what was bought, from whom, for how much.
    expect(admin.get_by_text(shipment.tracking_number)).to_be_visible()
    expect(admin.get_by_text("Label cost")).to_be_visible()
    admin.screenshot(path=str(artifacts_dir / "carrier-1-admin.png"), full_page=True)

    page.goto(status_url)
    expect(page.get_by_role("link", name="Download your return label (PDF)")).to_be_visible()
    expect(page.get_by_role("link", name=shipment.tracking_number)).to_have_attribute(
        "href", shipment.tracking_url
    )
    expect(page.get_by_text("Label ready, parcel not yet handed in")).to_be_visible()
    # Printer-free drop-off: the code on the screen is what the counter scans.
    drop_off = page.get_by_role("img", name="QR code for the drop-off point")
    expect(drop_off).to_be_visible()
    drop_off.screenshot(path=str(tmp_path / "drop-off.png"))
    [on_screen] = scan(tmp_path / "drop-off.png")
    assert on_screen == f"QR-Code:{easypost.qr_text(shipment.tracking_number)}"
    with app.test_request_context(base_url=base):
        pdf = label_pdf(the_return(app, rma))
    codes = [c for image in page_images(pdf, tmp_path, "shop-carrier") for c in scan(image)]
    assert f"CODE-128:{shipment.tracking_number}" in codes
    assert on_screen in codes  # the same code, printed beside the label

    headers, body, _query = easypost.webhook(shipment.tracking_number, "in_transit")
    answer = requests.post(
        f"{base}/returns/carriers/easypost/webhook", data=body, headers=headers, timeout=10
    )
    assert answer.status_code == 200
    page.reload()
    expect(page.get_by_text("In transit", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "carrier-2-status-in-transit.png"), full_page=True)
