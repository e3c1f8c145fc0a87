"""Labels as carriers send them: a PDF or PNG with a Code128 tracking barcode, a QR code.

The PDF is written by hand (a page, one filled rectangle per bar, a line of text),
so the fakes need no PDF library and the barcode stays vector, as carriers' are.
"""

from __future__ import annotations

import io
import re

import segno
from barcode import Code128

_QUIET = 10


def _modules(text: str) -> str:
    return Code128(text).build()[0]


def pdf_label(tracking_number: str, carrier: str) -> bytes:
    """A 4 x 6 in PDF label: carrier name, "RETURN", the tracking number as Code128."""
    modules = _modules(tracking_number)
    bar = 1.1  # points per module: ~0.39 mm, well above scanners' minimum
    left = (288 - (len(modules) + 2 * _QUIET) * bar) / 2 + _QUIET * bar
    bars = " ".join(
        f"{left + m.start() * bar:.2f} 180 {len(m[0]) * bar:.2f} 110 re"
        for m in re.finditer("1+", modules)
    )
    text = f"{carrier} RETURN {tracking_number}".replace("(", "").replace(")", "")
    content = (
        f"0 0 0 rg {bars} f BT /F1 18 Tf 24 380 Td ({carrier}) Tj ET "
        f"BT /F1 12 Tf 24 150 Td ({text}) Tj ET"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def png_label(tracking_number: str, carrier: str) -> bytes:
    """A 4 x 6 in label at 203 dpi (812 x 1218 px), PNG, with the Code128 barcode."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (812, 1218), 255)
    draw = ImageDraw.Draw(image)
    modules = _modules(tracking_number)
    scale = 3
    left = (812 - len(modules) * scale) // 2
    for m in re.finditer("1+", modules):
        x = left + m.start() * scale
        draw.rectangle([x, 600, x + len(m[0]) * scale - 1, 900], fill=0)
    draw.text((60, 80), f"{carrier} RETURN", fill=0)
    draw.text((60, 940), tracking_number, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(203, 203))
    return out.getvalue()


def qr_png(text: str) -> bytes:
    """A drop-off QR code as PNG, the way platforms hand them out."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()
