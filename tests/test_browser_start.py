"""A person in Chromium: signs in to the example shop and reaches the returns page in Polish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .demo import BUYERS, PASSWORD

pytestmark = pytest.mark.browser


def test_demo_customer_reaches_the_returns_start_page_in_polish(
    unpaid_shop_app, live_server, page, artifacts_dir, database_url
):
    base = live_server(unpaid_shop_app)
    backend = database_url.split(":", 1)[0].split("+")[0]
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(BUYERS["1001"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    page.get_by_role("row", name=re.compile("1001")).get_by_role("link").click()

    # The shop's selector says Polish for this customer; our page follows it.
    expect(page.get_by_role("heading", name="Zwróć produkty")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_label("Numer zamówienia")).to_be_visible()
    expect(page.get_by_label("Adres e-mail")).to_be_visible()
    expect(page.get_by_role("button", name="Znajdź moje zamówienie")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"start-page-pl-{backend}.png"), full_page=True)

    # The language menu offers English, named in English.
    # (Choosing submits the menu's form; without JavaScript its button does.)
    page.get_by_label("Język").select_option(label="English")
    expect(page.get_by_role("heading", name="Return items")).to_be_visible()
