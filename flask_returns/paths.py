"""Where the packaged data folders are, installed or in a source checkout.

In the wheel, the top-level ``migrations/`` and ``translations/`` folders live
inside the package; in a checkout (or an editable install) they sit beside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_folder(name: str) -> Path:
    """The ``migrations`` or ``translations`` folder, wherever this copy keeps it."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"flask-returns is missing its {name!r} folder; reinstall the package")


def translations_folder() -> Path:
    return data_folder("translations")


def migrations_folder() -> Path:
    return data_folder("migrations")
