"""Defaults worked out rather than written down: our reasons, the languages we ship."""

from __future__ import annotations

from ..paths import translations_folder

DEFAULT_REASONS = (
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "size_fit",
    "changed_mind",
    "arrived_late",
    "other",
)


def shipped_locales() -> tuple[str, ...]:
    """English, then every language this package has a compiled catalog for."""
    folder = translations_folder()
    found = sorted(p.parent.parent.name for p in folder.glob("*/LC_MESSAGES/flask_returns.mo"))
    return ("en", *(code for code in found if code != "en"))
