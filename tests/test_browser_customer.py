"""A customer on a phone returns two items from order 1001, in Polish, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .demo import BUYERS, EARRINGS, MUG, SHIRT
from .photo_files import jpeg

pytestmark = pytest.mark.browser


def test_customer_returns_two_items_in_polish_then_cancels(
    unpaid_shop_app, live_server, page, artifacts_dir, database_url, tmp_path
):
    backend = database_url.split(":", 1)[0].split("+")[0]
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(artifacts_dir / f"customer-{name}-pl-{backend}.png"), full_page=True
    )
    photo = tmp_path / "rozdarcie.jpg"
    photo.write_bytes(jpeg(1600, 1200, gps=True))
    base = live_server(unpaid_shop_app)

    page.goto(f"{base}/returns/?lang=pl")
    page.get_by_label("Numer zamówienia").fill("1001")
    page.get_by_label("Adres e-mail").fill(BUYERS["1001"])
    page.get_by_role("button", name="Znajdź moje zamówienie").click()

    expect(page.get_by_role("heading", name="Wybierz produkty do zwrotu")).to_be_visible()
    expect(page.get_by_text("To zamówienie zostało dostarczone 3 dni temu.")).to_be_visible()
    earrings = page.get_by_role("group", name=EARRINGS)
    expect(earrings.get_by_text("Tego produktu nie można zwrócić.")).to_be_visible()
    shirt = page.get_by_role("group", name=SHIRT)
    mug = page.get_by_role("group", name=MUG)
    shirt.get_by_label("Ile sztuk zwracasz").select_option("2")
    shirt.get_by_label("Dlaczego zwracasz ten produkt?").select_option("damaged")
    shirt.get_by_label("Opisz problem (opcjonalnie)").fill("Rozdarty szew")
    mug.get_by_label("Ile sztuk zwracasz").select_option("1")
    mug.get_by_label("Dlaczego zwracasz ten produkt?").select_option("changed_mind")
    shot("1-form")
    page.get_by_role("button", name="Zgłoś zwrot").click()

    # "Damaged" needs a photo: the message sits beside the line, and nothing typed is lost.
    expect(
        shirt.get_by_text("Dodaj co najmniej jedno zdjęcie, które pokazuje problem.")
    ).to_be_visible()
    expect(shirt.get_by_label("Ile sztuk zwracasz")).to_have_value("2")
    expect(shirt.get_by_label("Opisz problem (opcjonalnie)")).to_have_value("Rozdarty szew")
    expect(mug.get_by_label("Dlaczego zwracasz ten produkt?")).to_have_value("changed_mind")
    expect(shirt.get_by_label("Ile sztuk zwracasz")).to_have_attribute("aria-invalid", "true")
    shot("2-photo-missing")

    shirt.get_by_label("Zdjęcia").set_input_files(str(photo))
    page.get_by_role("button", name="Zgłoś zwrot").click()

    notice = page.get_by_role("status")
    expect(notice).to_contain_text("Twój zwrot został zarejestrowany.")
    rma = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", notice.inner_text()).group(0)
    shot("3-confirmation")

    link = notice.get_by_role("link")
    href = link.get_attribute("href")
    assert href.startswith(base + "/returns/status/")
    page.goto(href)
    expect(page.get_by_role("heading", name=f"Zwrot {rma}")).to_be_visible()
    expect(page.get_by_text("Zgłoszony", exact=False).first).to_be_visible()
    expect(page.get_by_role("img", name="Zdjęcie 1")).to_be_visible()
    shot("4-status")

    page.get_by_role("button", name="Anuluj ten zwrot").click()
    expect(page.get_by_role("status")).to_contain_text("Twój zwrot został anulowany.")
    expect(page.get_by_role("button", name="Anuluj ten zwrot")).to_have_count(0)
    shot("5-cancelled")
