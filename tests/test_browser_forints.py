"""A Hungarian customer returns an espresso machine bought in forints, in Chromium.

Stripe counts forints in fillér (24 990 Ft is 2499000); the customer reads forints.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FORINTS = re.compile(r"24[\s\u00a0\u202f]990[\s\u00a0\u202f]Ft")


def test_a_return_in_hungarian_shows_forints(shop_app, live_server, page, artifacts_dir):
    base = live_server(shop_app)
    page.goto(f"{base}/returns/?lang=hu")
    page.get_by_label("Rendelésszám").fill("1006")
    page.get_by_label("E-mail-cím").fill("eszter@example.com")
    page.get_by_role("button", name="Rendelés keresése").click()

    expect(page.get_by_role("heading", name="Válaszd ki, mit küldesz vissza")).to_be_visible()
    machine = page.get_by_role("group", name="Espresso machine")
    expect(machine).to_contain_text(FORINTS)
    assert "2 499 000" not in re.sub(r"[\u00a0\u202f]", " ", machine.inner_text())
    machine.get_by_label("Hány darabot küldesz vissza").select_option("1")
    machine.get_by_label("Miért küldöd vissza?").select_option("size_fit")
    page.screenshot(path=str(artifacts_dir / "customer-forints-hu-form.png"), full_page=True)
    page.get_by_role("button", name="Visszaküldés bejelentése").click()

    notice = page.get_by_role("status")
    expect(notice).to_contain_text("A visszaküldésedet rögzítettük.")
    page.goto(notice.get_by_role("link").get_attribute("href"))
    expect(page.locator("body")).to_contain_text("Espresso machine")
    assert "2 499 000" not in re.sub(r"[\u00a0\u202f]", " ", page.locator("body").inner_text())
    page.screenshot(path=str(artifacts_dir / "customer-forints-hu-status.png"), full_page=True)
