"""Putting a carrier's own label on the label page.

An image goes into the HTML as a ``data:`` URI, like everything else.

A PDF label is not rasterised. Carrier labels are vector drawings whose barcodes
must scan at the depot; a raster copy either blurs them or weighs hundreds of KB,
and would need a PDF renderer at run time. Instead the rendered document's label
page gets the carrier's first page drawn onto it, scaled into the label box
(:mod:`flask_returns.documents.layout`), as a form XObject with pypdf: bars stay
vectors, fonts stay the carrier's, and only that page's drawing and resources are
taken. Its links, attachments and other annotations are left behind.
"""

from __future__ import annotations

import base64
import io

from .layout import PageLayout
from .pdf import DocumentError
from .providers import PDF, CarrierLabel


def image_data_uri(label: CarrierLabel) -> str:
    """A PNG or JPEG carrier label as an ``<img>`` source."""
    if label.media_type == PDF:
        raise ValueError("a PDF label is drawn onto the page, not used as an image")
    return f"data:{label.media_type};base64,{base64.b64encode(label.data).decode('ascii')}"


def draw_pdf_label(document: bytes, label: CarrierLabel, layout: PageLayout) -> bytes:
    """``document`` with the carrier PDF's first page fitted into the label box of page 1."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(label.data))
        if reader.is_encrypted or not reader.pages:
            raise DocumentError("the carrier's PDF label is encrypted or has no page")
        # A writer's copy: pypdf changes page contents only on pages a writer owns.
        page = PdfWriter(clone_from=reader).pages[0]
        page.transfer_rotation_to_content()
        if "/Annots" in page:
            del page["/Annots"]
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        x, y, box_width, box_height = layout.label_box_pt()
        scale = min(box_width / width, box_height / height)
        offset_x = x + (box_width - width * scale) / 2 - float(box.left) * scale
        offset_y = y + (box_height - height * scale) / 2 - float(box.bottom) * scale
        ours = PdfReader(io.BytesIO(document))
        writer = PdfWriter(clone_from=ours)
        writer.pdf_header = ours.pdf_header
        writer.pages[0].merge_transformed_page(
            page, Transformation().scale(scale).translate(offset_x, offset_y), expand=False
        )
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, ZeroDivisionError) as error:
        raise DocumentError(f"the carrier's PDF label cannot be used: {error}") from error
    return out.getvalue()
