"""HTML to PDF with WeasyPrint, and nothing fetched from anywhere.

WeasyPrint's default fetcher follows ``http://`` and ``file://`` addresses, and a
``<link rel=attachment>`` embeds what it fetched into the PDF: a customer's name
that reached the HTML unescaped could pull ``/etc/passwd`` into a label or probe
the shop's network. So the documents carry everything inline, and the fetcher
given to WeasyPrint serves ``data:`` URIs only; any other address stops the render
with :class:`DocumentError` rather than print a document that asked for one.

WeasyPrint is imported here, inside the functions, and only this module and
:mod:`flask_returns.documents.label` call them: a page that does not render a
document never pays for the import (about 0.6 s and 40 MB).
"""

from __future__ import annotations

import atexit
import ctypes.util
import gc
import threading
from functools import cache, lru_cache
from typing import Any

from ..errors import ReturnsError


class DocumentError(ReturnsError):
    """A document could not be made (a blocked address, a broken carrier label)."""


class BlockedAddress(ValueError):
    """Raised by the fetcher for anything but a ``data:`` URI."""


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        """Serves ``data:`` URIs; refuses files, the network and everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), fail_on_errors=True, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url[:5].lower() == "data:":
                raise BlockedAddress(f"documents load data: URIs only, not {url[:80]!r}")
            return super().fetch(url, headers)

    return DataOnlyFetcher


def data_only_fetcher() -> Any:
    """A fresh fetcher (WeasyPrint keeps per-request state on it)."""
    return _fetcher_class()()


_local = threading.local()


def _font_config() -> Any:
    """One font configuration per thread, kept: making one costs ~15 % of a render.

    Our documents declare no ``@font-face``, so it holds only the system's fonts
    (fontconfig); Pango's font map is not shared between threads.
    """
    found = getattr(_local, "font_config", None)
    if found is None:
        from weasyprint.text.fonts import FontConfiguration

        found = _local.font_config = FontConfiguration()
    return found


@atexit.register
def _forget_font_configs() -> None:
    """Free every thread's configuration while the interpreter is still whole.

    Left to interpreter shutdown, their Pango and fontconfig objects may be freed
    after the libraries they belong to, and the process ends with a segmentation
    fault. Replacing the thread-local drops the copy of every thread at once.
    """
    global _local
    _local = threading.local()
    gc.collect()


@lru_cache(maxsize=16)
def _parsed_stylesheet(text: str) -> Any:
    """A stylesheet parsed once and kept: parsing it took ~8 % of every render.

    Keyed by its text, so a changed template is parsed afresh. Without
    ``@font-face`` rules a parsed stylesheet holds nothing per thread or document.
    """
    from weasyprint import CSS

    return CSS(string=text, base_url=None, url_fetcher=data_only_fetcher())


def html_to_pdf(html: str, *, stylesheet: str = "", title: str = "") -> bytes:
    """Render ``html`` and ``stylesheet`` (images inline, as data: URIs) to PDF bytes."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    try:
        document = HTML(string=html, base_url=None, url_fetcher=data_only_fetcher())
        # No attachments, no forms: a label is paper. Fonts are subset (HarfBuzz).
        pdf = document.write_pdf(
            stylesheets=[_parsed_stylesheet(stylesheet)] if stylesheet else None,
            attachments=[],
            pdf_forms=False,
            full_fonts=False,
            font_config=_font_config(),
        )
    except FatalURLFetchingError as error:  # a BaseException: never let it escape
        reason = error.__cause__ or error
        raise DocumentError(f"document {title!r} was refused an address: {reason}") from None
    return pdf


@cache
def harfbuzz_subset_available() -> bool:
    """Without libharfbuzz-subset WeasyPrint subsets fonts with fontTools, ~4x slower."""
    return ctypes.util.find_library("harfbuzz-subset") is not None
