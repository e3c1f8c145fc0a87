"""What start-up says about labels, so a slow or absent label is no mystery later."""

from __future__ import annotations

from flask import Flask

from ..state import get_state
from .pdf import harfbuzz_subset_available


def check_label_setup(app: Flask) -> None:
    """Warn when labels are off, or when they will render slowly."""
    if get_state(app).settings["RETURNS_RETURN_ADDRESS"] is None:
        app.logger.warning(
            "flask-returns makes no return labels until RETURNS_RETURN_ADDRESS is set "
            "(where customers send their parcels)"
        )
        return
    if not harfbuzz_subset_available():
        app.logger.warning(
            "flask-returns: libharfbuzz-subset is missing, so label PDFs subset their "
            "fonts with fontTools, about 4x slower (Debian: apt-get install libharfbuzz-subset0)"
        )
