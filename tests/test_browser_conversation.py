"""A Greek customer and an English-speaking admin talk about a return, in Chromium.

The admin answers with a reply template: it is previewed in English and in Greek and
reaches the customer in Greek, with the amount written the Greek way. Labels are read
from our catalogs, so the test follows the words the customer really sees.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from flask_returns.i18n import catalog
from flask_returns.links import status_url
from flask_returns.models import Message, OutboxMessage, Photo
from flask_returns.testing import open_return
from flask_returns.workflow import LineRequest

from .photo_files import jpeg

pytestmark = pytest.mark.browser

GREEK = catalog("el").gettext


def _count(admin, base: str) -> str:
    admin.goto(f"{base}/returns/admin/")
    return admin.get_by_role("link", name=re.compile("^Waiting for us")).inner_text()


def test_a_greek_customer_and_an_english_admin_talk_it_through(
    make_host_app, live_server, page, browser, artifacts_dir, tmp_path
):
    app = make_host_app(
        RETURNS_ADMIN_PERMISSION=lambda: True,
        RETURNS_ADMIN_IDENTITY=lambda: "ann",
        RETURNS_PHOTO_REQUIRED_REASONS=(),
        RETURNS_SUPPORT_EMAIL="help@shop.example",
    )
    base = live_server(app)
    with app.app_context(), app.test_request_context():
        order = app.extensions["returns"].orders.get_order("9001")
        ret = open_return(order, [LineRequest("L1", 2, "size_fit")], locale="el")
        rma, link = ret.rma, status_url(ret, external=False)

    # The customer asks, in Greek.
    page.goto(f"{base}{link}?lang=el")
    page.get_by_label(GREEK("Your message")).fill("Πότε θα πάρω τα χρήματά μου;")
    page.get_by_role("button", name=GREEK("Send message")).click()
    expect(
        page.get_by_text(GREEK("Your message is sent. We will answer here and by e-mail."))
    ).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "conversation-1-asked-el.png"), full_page=True)

    admin = browser.new_page()
    assert _count(admin, base) == "Waiting for us 1"
    admin.get_by_role("link", name=rma).click()
    expect(admin.get_by_text("Πότε θα πάρω τα χρήματά μου;")).to_be_visible()
    admin.get_by_label("Reply template").select_option(label="Say when the refund arrives")
    admin.get_by_role("button", name="Preview").click()
    preview = admin.locator("#reply-preview")
    expect(preview).to_contain_text("your refund of €49.98")
    expect(preview).to_contain_text(re.compile(r"49,98\s€"))
    admin.screenshot(path=str(artifacts_dir / "conversation-2-preview.png"), full_page=True)
    admin.get_by_role("button", name="Send to the customer").click()
    expect(admin.get_by_role("status")).to_contain_text("The message is sent")
    assert _count(admin, base) == "Waiting for us 0"

    with app.app_context():
        session = app.extensions["returns"].session
        [mail] = session.scalars(sa.select(OutboxMessage).filter_by(kind="shop_message")).all()
        assert mail.locale == "el" and re.search(r"49,98\s€", mail.text_body)
        assert "refund" not in mail.text_body

    # The customer reads it in Greek, and answers with a photo of the label.
    page.reload()
    thread = page.locator("#messages")
    expect(thread).to_contain_text(re.compile(r"49,98\s€"))
    photo = tmp_path / "label.jpg"
    photo.write_bytes(jpeg(1600, 1200, gps=True))
    page.get_by_label(GREEK("Your message")).fill("Ευχαριστώ! Η ετικέτα:")
    page.get_by_label(GREEK("Photos (optional)")).set_input_files(str(photo))
    page.get_by_role("button", name=GREEK("Send message")).click()
    expect(page.get_by_role("img", name=GREEK("Photo %(num)d") % {"num": 1})).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "conversation-3-answered-el.png"), full_page=True)
    assert _count(admin, base) == "Waiting for us 1"

    with app.app_context():
        session = app.extensions["returns"].session
        bodies = session.scalars(sa.select(Message.body).order_by(Message.id)).all()
        assert bodies[0] == "Πότε θα πάρω τα χρήματά μου;" and bodies[2] == "Ευχαριστώ! Η ετικέτα:"
        stored = session.scalars(sa.select(Photo)).one()
        data = app.extensions["returns"].storage.load(stored.storage_key)
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # GPS stripped
