"""The RMA as Code128 and the status link as a QR code, both as SVG data: URIs.

Vector codes stay sharp at any printer resolution, and a ``data:`` URI is the only
kind of address the PDF renderer may load (see :mod:`flask_returns.documents.pdf`).
python-barcode gives the Code128 module pattern (start code, character-set choice
and checksum); the SVG is drawn here, one rectangle per bar, with the quiet zones
scanners need and no text of its own (the template prints the RMA in large type).
"""

from __future__ import annotations

import base64
import re

import segno
from barcode import Code128

# Code128 wants at least 10 modules of white each side.
QUIET_MODULES = 10
# Bar height in modules; the template stretches the code to its box anyway.
BAR_HEIGHT_MODULES = 40


def code128_svg(text: str) -> str:
    """``text`` as a Code128 symbol (SVG, sized by its container)."""
    modules = Code128(text).build()[0]
    width = len(modules) + 2 * QUIET_MODULES
    bars = [
        f"M{bar.start() + QUIET_MODULES} 0h{len(bar[0])}v{BAR_HEIGHT_MODULES}h-{len(bar[0])}z"
        for bar in re.finditer("1+", modules)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {BAR_HEIGHT_MODULES}" '
        f'preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<rect width="{width}" height="{BAR_HEIGHT_MODULES}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )


def qr_svg(text: str) -> str:
    """``text`` (the status link) as a QR code with error correction M and its quiet zone.

    Each run of dark modules in a row is one stroke: the fewest path commands,
    which is what WeasyPrint's SVG parser spends its time on.
    """
    code = segno.make_qr(text, error="m", boost_error=False)
    size = code.symbol_size(border=4)[0]
    runs = []
    for y, row in enumerate(code.matrix_iter(border=4)):
        line = "".join("1" if dark else "0" for dark in row)
        runs.extend(f"M{run.start()} {y}.5h{len(run[0])}" for run in re.finditer("1+", line))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" stroke-width="1" fill="none" d="{"".join(runs)}"/></svg>'
    )


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
