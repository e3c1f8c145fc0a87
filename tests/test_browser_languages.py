"""The customer flow in three more languages, one of them right to left, in Chromium.

Expected words come from the catalogs themselves (``using_locale``), so the test
checks that each page shows the translation, not a copy typed into the test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from flask_returns.i18n import gettext, reason_label, using_locale

from .demo import BUYERS, MUG

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["ar", "de", "el"])
def test_customer_returns_an_item_and_cancels_in_another_language(
    unpaid_shop_app, live_server, page, artifacts_dir, lang
):
    with unpaid_shop_app.app_context(), using_locale(lang):
        t = {
            "number": gettext("Order number"),
            "email": gettext("E-mail address"),
            "find": gettext("Find my order"),
            "choose": gettext("Choose what to return"),
            "how_many": gettext("How many to return"),
            "why": gettext("Why are you returning it?"),
            "send": gettext("Request return"),
            "done": gettext("Your return is registered. Your return number is %(rma)s.", rma="@@")
            .split("@@")[0]
            .strip(),
            "cancel": gettext("Cancel this return"),
            "cancelled": gettext("Your return is cancelled."),
            "policy": gettext("Return policy"),
            "reason": reason_label("size_fit"),
        }
    assert t["find"] != "Find my order", f"{lang} catalog lacks the start page"
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(artifacts_dir / f"customer-{name}-{lang}.png"), full_page=True
    )
    base = live_server(unpaid_shop_app)

    # Arrive in English and switch with the language menu, as a customer would.
    page.goto(f"{base}/returns/?lang=en")
    page.locator("#returns-lang").select_option(lang)
    page.locator(".returns-languages button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.get_by_role("link", name=t["policy"])).to_be_visible()

    page.get_by_label(t["number"]).fill("1001")
    page.get_by_label(t["email"]).fill(BUYERS["1001"])
    page.get_by_role("button", name=t["find"]).click()
    expect(page.get_by_role("heading", name=t["choose"])).to_be_visible()
    mug = page.get_by_role("group", name=MUG)
    mug.get_by_label(t["how_many"]).select_option("1")
    mug.get_by_label(t["why"]).select_option(label=t["reason"])
    shot("1-form")
    page.get_by_role("button", name=t["send"]).click()

    notice = page.get_by_role("status")
    expect(notice).to_contain_text(t["done"])
    assert re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", notice.inner_text())
    page.goto(notice.get_by_role("link").get_attribute("href"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    shot("2-status")
    page.get_by_role("button", name=t["cancel"]).click()
    expect(page.get_by_role("status")).to_contain_text(t["cancelled"])
    shot("3-cancelled")
    if lang == "ar":
        # Right to left for real: the heading starts at the right edge of the page.
        box = page.get_by_role("heading").first.bounding_box()
        width = page.viewport_size["width"]
        assert box["x"] + box["width"] > width * 0.6
