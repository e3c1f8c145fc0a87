"""Making the label and packing PDF from a return's facts.

The HTML comes from ``returns/documents/label.html`` through the app's Jinja
environment (autoescaping on, as for every ``.html`` template; a host may override
it like any returns template), in the customer's language. Barcodes, QR code and
the stylesheet (``label.css``) are given inline; the carrier's label, when a
provider gives one, is embedded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import current_app, render_template

from ..i18n import using_locale
from ..state import get_state
from ..templating import template_context
from .barcodes import code128_svg, qr_svg, svg_data_uri
from .embed import draw_pdf_label, image_data_uri
from .facts import LabelFacts, current_provider
from .layout import PREPAID_BOX_WIDTH_MM, PageLayout, layout_for, prepaid_mark_size_pt
from .pdf import DocumentError, html_to_pdf
from .providers import PDF, PNG, CarrierLabel

TEMPLATE = "returns/documents/label.html"
STYLESHEET = "returns/documents/label.css"


@dataclass(frozen=True)
class Artwork:
    """The pictures on the page, as ``data:`` URIs."""

    barcode: str
    qr: str
    # The carrier's label as an image, or "" (built-in label, or a PDF drawn on later).
    carrier_image: str
    carrier_pdf: bool
    # The carrier's code for printer-free drop-off, as a PNG data: URI, or "".
    drop_off_qr: str = ""


def _artwork(facts: LabelFacts, carrier: CarrierLabel | None) -> Artwork:
    drop_off = ""
    if facts.drop_off_qr_key:
        drop_off = image_data_uri(CarrierLabel(_stored(facts.drop_off_qr_key), PNG))
    return Artwork(
        barcode=svg_data_uri(code128_svg(facts.rma)),
        qr=svg_data_uri(qr_svg(facts.status_url)),
        carrier_image=image_data_uri(carrier) if carrier and carrier.media_type != PDF else "",
        carrier_pdf=bool(carrier and carrier.media_type == PDF),
        drop_off_qr=drop_off,
    )


def _stored(key: str) -> bytes:
    return get_state().storage.load(key)


def carrier_label(facts: LabelFacts) -> CarrierLabel | None:
    """The label bought from the carrier platform, or what the label provider gives."""
    if facts.carrier_label_key:
        return CarrierLabel(_stored(facts.carrier_label_key), facts.carrier_label_type)
    return current_provider().label_for(facts.label_request())


def text_direction_of(*texts: str) -> str:
    """``ltr`` or ``rtl`` from the first letter with a direction (what ``dir="auto"`` does).

    WeasyPrint ignores ``dir="auto"``; without this a German return address in an
    Arabic document would print as "Berlin 10317".
    """
    for text in texts:
        for char in text:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return "ltr"


def render_label_html(facts: LabelFacts, carrier: CarrierLabel | None = None) -> str:
    """The document as HTML, in the customer's language (what the PDF is made from)."""
    _check_autoescape()
    layout = layout_for(facts.page_size)
    with using_locale(facts.locale):
        return render_template(
            TEMPLATE,
            **template_context(),
            doc=facts,
            art=_artwork(facts, carrier),
            layout=layout,
            text_dir=text_direction_of,
            prepaid_mark_size_pt=prepaid_mark_size_pt,
        )


def render_label_css(page_size: str) -> str:
    """The stylesheet for one paper size: the same for every return, so parsed once."""
    layout = layout_for(page_size)
    return render_template(STYLESHEET, layout=layout, css=_css_numbers(layout))


def _check_autoescape() -> None:
    """Customer text reaches the HTML escaped, or no document is made at all."""
    setting = current_app.jinja_env.autoescape
    on = setting(TEMPLATE) if callable(setting) else setting
    if not on:
        raise DocumentError(f"Jinja autoescaping is off for {TEMPLATE}; refusing to render")


def _css_numbers(layout: PageLayout) -> dict[str, str]:
    """Lengths for the stylesheet, written out here so the template does no arithmetic."""
    return {
        "page_width": f"{layout.width:.2f}mm",
        "page_height": f"{layout.height:.2f}mm",
        "label_left": f"{layout.label_left:.2f}mm",
        "label_top": f"{layout.label_top:.2f}mm",
        "label_width": f"{layout.label_width:.2f}mm",
        "label_height": f"{layout.label_height:.2f}mm",
        "prepaid_width": f"{PREPAID_BOX_WIDTH_MM:.2f}mm",
    }


def render_document(facts: LabelFacts) -> bytes:
    """The PDF for ``facts``: label page (built-in or the carrier's) and packing page."""
    carrier = carrier_label(facts)
    pdf = html_to_pdf(
        render_label_html(facts, carrier),
        stylesheet=render_label_css(facts.page_size),
        title=facts.rma,
    )
    if carrier is not None and carrier.media_type == PDF:
        pdf = draw_pdf_label(pdf, carrier, layout_for(facts.page_size))
    return pdf
