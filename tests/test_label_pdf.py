"""The label and packing PDF as people and scanners read it; made once, kept, made again.

Each document is read with poppler's pdftotext/pdfinfo and rasterised at 300 dpi
for zbarimg, the way a depot scanner meets it; page images land in tests/artifacts/.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest
import sqlalchemy as sa

from flask_returns import Address
from flask_returns.documents import current_document, label, label_pdf
from flask_returns.documents.facts import gather_facts
from flask_returns.documents.label import render_label_html
from flask_returns.documents.pdf import DocumentError, html_to_pdf
from flask_returns.i18n import gettext, using_locale
from flask_returns.links import status_url
from flask_returns.models import LabelDocument

from .harness.listener import Listener
from .hosts import MemoryOrders
from .label_helpers import (
    ARABIC,
    HUNGARIAN,
    JAPANESE,
    POLISH,
    RUSSIAN,
    authorized_return,
    embedded_files,
    order_with,
    page_images,
    page_sizes,
    pdf_text,
    scan,
    squeeze,
    tool,
)


def _stem(request) -> str:
    return "label-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.mark.parametrize(
    ("address", "locale"),
    [(POLISH, "pl"), (HUNGARIAN, "en"), (RUSSIAN, "en")],
    ids=["polish", "hungarian", "russian"],
)
def test_a_person_and_a_scanner_read_the_label(
    make_label_host, address, locale, artifacts_dir, request, tmp_path
):
    orders = MemoryOrders(order_with(address))
    app = make_label_host(orders)
    with app.app_context():
        ret = authorized_return(orders.orders["9001"], locale=locale)
        pdf = label_pdf(ret)
        link = status_url(ret)
        rma = ret.rma
    assert link.startswith("https://shop.example/returns/status/")
    text = pdf_text(pdf)
    flat = squeeze(text)
    assert rma in text
    for part in (address.name, address.line1, f"{address.postal_code} {address.city}"):
        assert squeeze(part) in flat, part
    for part in ("Example Shop Returns", "Lagerstraße 7", "10317 Berlin"):
        assert squeeze(part) in flat, part
    assert "DP-5012-3456" in text and "Demo Parcel" in text
    assert "Blue shirt" in text and "Mug" in text
    assert len(page_sizes(pdf, tmp_path)) == 2

    label_page, packing_page = page_images(pdf, artifacts_dir, _stem(request))
    assert sorted(scan(label_page)) == [f"CODE-128:{rma}", f"QR-Code:{link}"]
    # The packing page is the slip inside the box: the warehouse scans the RMA there too.
    assert scan(packing_page) == [f"CODE-128:{rma}"]


@pytest.mark.parametrize(
    ("page_size", "points"),
    [("4x6", (288.0, 432.0)), ("A4", (595.28, 841.89)), ("Letter", (612.0, 792.0))],
)
def test_paper_sizes(make_label_host, page_size, points, artifacts_dir, request, tmp_path):
    orders = MemoryOrders(order_with(POLISH))
    app = make_label_host(orders, RETURNS_LABEL_PAGE_SIZE=page_size)
    with app.app_context():
        ret = authorized_return(orders.orders["9001"])
        pdf = label_pdf(ret)
        rma, link = ret.rma, status_url(ret)
        with using_locale(ret.customer_locale):
            cut = gettext(
                "Cut along the dashed line and stick the label on the outside of the parcel."
            )
        assert current_document(ret).page_size == page_size
    for width, height in page_sizes(pdf, tmp_path):
        assert (width, height) == pytest.approx(points, abs=0.5)
    label_page, _packing = page_images(pdf, artifacts_dir, _stem(request))
    assert sorted(scan(label_page)) == [f"CODE-128:{rma}", f"QR-Code:{link}"]
    cut_hint = " ".join(cut.split()[:3]) in " ".join(pdf_text(pdf, 1).split())
    assert cut_hint == (page_size != "4x6")


def test_arabic_goes_right_to_left(make_label_host, monkeypatch, artifacts_dir, request):
    monkeypatch.setattr(
        "flask_returns.extension.available_locales", lambda *a, **k: frozenset({"en", "pl", "ar"})
    )
    orders = MemoryOrders(order_with(ARABIC))
    app = make_label_host(orders, RETURNS_LOCALES=("en", "pl", "ar"))
    with app.app_context():
        ret = authorized_return(orders.orders["9001"], locale="ar")
        html = render_label_html(gather_facts(ret))
        pdf = label_pdf(ret)
        assert current_document(ret).locale == "ar"
        with using_locale("ar"):
            heading = gettext("Packing instructions")
    assert '<html lang="ar" dir="rtl">' in html
    assert ARABIC.name in html
    text = " ".join(pdf_text(pdf).split())
    for word in ARABIC.name.split() + ARABIC.city.split():
        assert word in text, word
    if heading != "Packing instructions":  # once the Arabic catalog has it
        assert heading in text
    page_images(pdf, artifacts_dir, _stem(request), dpi=100)


def _has_cjk_font() -> bool:
    found = subprocess.run([tool("fc-list"), ":lang=ja", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def test_japanese_prints_with_a_cjk_font(make_label_host, artifacts_dir, request):
    # scripts/install.sh installs fonts-noto-cjk; without it this must fail, not pass.
    assert _has_cjk_font(), "no CJK font: run scripts/install.sh (fonts-noto-cjk)"
    orders = MemoryOrders(order_with(JAPANESE))
    app = make_label_host(orders)
    with app.app_context():
        ret = authorized_return(orders.orders["9001"], locale="en")
        pdf = label_pdf(ret)
    flat = squeeze(pdf_text(pdf))
    for part in (JAPANESE.name, JAPANESE.line1, JAPANESE.city):
        assert squeeze(part) in flat, part
    page_images(pdf, artifacts_dir, _stem(request), dpi=100)


# --------------------------------------------------------------------------- security


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.close()


def test_customer_text_cannot_fetch_anything_or_attach_files(make_label_host, listener, tmp_path):
    port = listener.port
    evil = Address(
        name=f'<img src="http://127.0.0.1:{port}/">',
        line1='<link rel=attachment href="file:///etc/passwd">',
        line2=f"x{{background:url(http://127.0.0.1:{port}/x)}}",
        postal_code="00-001",
        city=f"</style><style>*{{background:url(http://127.0.0.1:{port}/y)}}</style>",
        country="PL",
    )
    orders = MemoryOrders(order_with(evil))
    app = make_label_host(orders)
    with app.app_context():
        ret = authorized_return(orders.orders["9001"])
        html = render_label_html(gather_facts(ret))
        pdf = label_pdf(ret)
    assert listener.hits == 0
    assert '<img src="http://127.0.0.1' not in html and "&lt;img src=" in html
    assert "<link rel=attachment" not in html
    assert "0 embedded files" in embedded_files(pdf, tmp_path)
    assert b"/EmbeddedFiles" not in pdf and b"/FileAttachment" not in pdf
    assert b"root:x:0:0" not in pdf
    flat = squeeze(pdf_text(pdf))
    for part in (evil.name, evil.line1, evil.line2):
        assert squeeze(part) in flat, part  # printed literally


def test_the_renderer_itself_loads_nothing_but_data_uris(listener):
    for html in (
        f'<img src="http://127.0.0.1:{listener.port}/">',
        '<link rel="attachment" href="file:///etc/passwd">',
        f"<style>p {{ background: url(http://127.0.0.1:{listener.port}/x) }}</style><p>x</p>",
        f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css">',
    ):
        with pytest.raises(DocumentError, match="data: URIs only"):
            html_to_pdf(html)
    assert listener.hits == 0
    assert html_to_pdf('<img src="data:image/svg+xml;base64,PHN2Zy8+">').startswith(b"%PDF")


# --------------------------------------------------------------------------- storage


def test_made_once_then_served_until_what_it_prints_changes(make_label_host, monkeypatch):
    renders = []
    real = label.render_document
    monkeypatch.setattr(label, "render_document", lambda facts: renders.append(1) or real(facts))
    orders = MemoryOrders(order_with(POLISH))
    app = make_label_host(orders)
    with app.app_context():
        state = app.extensions["returns"]
        session = state.session
        ret = authorized_return(orders.orders["9001"])
        first = label_pdf(ret)
        session.commit()
        assert label_pdf(ret) == first and label_pdf(ret) == first
        assert len(renders) == 1
        stored = current_document(ret)
        assert state.storage.load(stored.storage_key) == first
        assert (stored.byte_size, stored.provider, stored.locale) == (
            len(first),
            "merchant_permit",
            "pl",
        )

        # The customer moved: the label is made again, with the new address.
        orders.add(order_with(dataclasses.replace(POLISH, line1="ul. Nowa 1")))
        moved = label_pdf(ret)
        session.commit()
        assert len(renders) == 2 and "ul. Nowa 1" in pdf_text(moved)
        assert label_pdf(ret) == moved and len(renders) == 2

        # Other authorized quantities: made again, the packing list says so.
        ret.lines[0].quantity_authorized = 1
        session.commit()
        fewer = label_pdf(ret)
        session.commit()
        assert len(renders) == 3 and fewer != moved

        # A lost file is made again rather than failing the customer.
        state.storage.delete(current_document(ret).storage_key)
        assert label_pdf(ret).startswith(b"%PDF") and len(renders) == 4
        session.commit()
        rows = session.scalars(sa.select(LabelDocument).order_by(LabelDocument.id)).all()
        assert len(rows) == 4 and len({row.fingerprint for row in rows}) == 3
        assert current_document(ret).id == rows[-1].id


def test_another_paper_size_or_language_makes_it_again(make_label_host):
    orders = MemoryOrders(order_with(POLISH))
    app = make_label_host(orders)
    with app.app_context():
        ret = authorized_return(orders.orders["9001"])
        label_pdf(ret)
        app.extensions["test_db"].session.commit()
        fingerprint = current_document(ret).fingerprint
        ret.customer_locale = "en"
        assert gather_facts(ret).fingerprint != fingerprint
    letter = make_label_host(orders, RETURNS_LABEL_PAGE_SIZE="Letter")
    with letter.app_context():
        session = letter.extensions["test_db"].session
        ret = session.get(type(ret), ret.id)
        assert gather_facts(ret).fingerprint != fingerprint
