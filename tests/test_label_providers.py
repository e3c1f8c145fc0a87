"""A carrier's own label, as PNG or PDF, goes on the label page and still scans there."""

from __future__ import annotations

import io
import re

import pytest
import segno
from pypdf import PdfReader

from flask_returns.documents import CarrierLabel, LabelProvider, LabelRequest, label_pdf
from flask_returns.documents import current_document as newest
from flask_returns.documents.barcodes import code128_svg, svg_data_uri
from flask_returns.documents.pdf import html_to_pdf

from .hosts import MemoryOrders
from .label_helpers import (
    POLISH,
    RETURN_ADDRESS,
    authorized_return,
    order_with,
    page_images,
    page_sizes,
    pdf_text,
    scan,
)


class PngCarrier:
    """Books nothing: answers with a QR code image, as a carrier API returns a PNG label."""

    name = "test_png"

    def __init__(self) -> None:
        self.asked: list[LabelRequest] = []

    def label_for(self, request: LabelRequest) -> CarrierLabel:
        self.asked.append(request)
        out = io.BytesIO()
        segno.make_qr(f"CARRIER-PNG-{request.rma}").save(out, kind="png", scale=12, border=4)
        return CarrierLabel(out.getvalue(), "image/png")


class PdfCarrier:
    """Answers with a vector PDF label of another size, with a link annotation on it."""

    name = "test_pdf"

    def label_for(self, request: LabelRequest) -> CarrierLabel:
        barcode = svg_data_uri(code128_svg(f"1Z{request.rma[2:6]}"))
        pdf = html_to_pdf(
            "<style>@page { size: 100mm 150mm; margin: 5mm }</style>"
            "<h1>CARRIER PDF LABEL</h1>"
            f'<img src="{barcode}" style="width: 80mm; height: 25mm">'
            '<p><a href="https://carrier.example/track">Track</a></p>'
        )
        assert "/Annots" in PdfReader(io.BytesIO(pdf)).pages[0]  # the link must not come along
        return CarrierLabel(pdf, "application/pdf")


def test_the_protocol_and_the_built_in_provider():
    assert isinstance(PngCarrier(), LabelProvider)
    with pytest.raises(ValueError, match="not image/png"):
        CarrierLabel(b"%PDF-1.7 ...", "image/png")
    with pytest.raises(ValueError, match="PDF, PNG or JPEG"):
        CarrierLabel(b"GIF89a", "image/gif")


def test_a_png_label_from_the_carrier_fills_the_label_area(
    make_label_host, artifacts_dir, tmp_path
):
    carrier = PngCarrier()
    orders = MemoryOrders(order_with(POLISH))
    app = make_label_host(orders, RETURNS_LABEL_PROVIDER=carrier, RETURNS_LABEL_PAGE_SIZE="A4")
    with app.app_context():
        ret = authorized_return(orders.orders["9001"])
        pdf = label_pdf(ret)
        rma = ret.rma
        assert newest(ret).provider == "test_png"
    asked = carrier.asked[-1]
    assert (asked.rma, asked.sender, asked.recipient.city) == (rma, POLISH, RETURN_ADDRESS["city"])
    assert [line.quantity for line in asked.lines] == [2, 1]
    assert len(page_sizes(pdf, tmp_path)) == 2
    label_page, packing_page = page_images(pdf, artifacts_dir, "label-provider-png")
    assert scan(label_page) == [f"QR-Code:CARRIER-PNG-{rma}"]
    assert "Postage" not in pdf_text(pdf, 1)  # the built-in label is not drawn as well
    assert scan(packing_page) == [f"CODE-128:{rma}"]


def test_a_pdf_label_from_the_carrier_stays_vector_and_scans(
    make_label_host, artifacts_dir, tmp_path
):
    orders = MemoryOrders(order_with(POLISH))
    app = make_label_host(orders, RETURNS_LABEL_PROVIDER=PdfCarrier())
    with app.app_context():
        ret = authorized_return(orders.orders["9001"])
        pdf = label_pdf(ret)
        rma = ret.rma
        assert newest(ret).provider == "test_pdf"
    assert [size for size in page_sizes(pdf, tmp_path)] == [(288.0, 432.0)] * 2
    assert "CARRIER PDF LABEL" in " ".join(pdf_text(pdf, 1).split())
    label_page, packing_page = page_images(pdf, artifacts_dir, "label-provider-pdf")
    assert scan(label_page) == [f"CODE-128:1Z{rma[2:6]}"]
    assert scan(packing_page) == [f"CODE-128:{rma}"]
    reader = PdfReader(io.BytesIO(pdf))
    assert "/Annots" not in reader.pages[0]
    assert not re.search(rb"/Image\b", pdf)  # drawn as vectors, not a picture of the label
