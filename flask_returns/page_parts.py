"""Pieces of the customer pages that read the same for every visitor in a language.

The language menu, the reason list of each line and the policy's cost hints
depend only on the app's settings and the reader's language. Built in the
template they would cost every request some 30 menu entries and eight reasons
per line, each translated and escaped; here they are built once per app and
language, kept on the app's state as HTML that is already escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

from babel import Locale
from flask import current_app
from markupsafe import Markup, escape

from .i18n import current_locale_code, reason_label
from .i18n import gettext as _
from .policy import reason_hints
from .state import get_state

T = TypeVar("T")


def _kept(name: str, build: Callable[[], T]) -> T:
    """``build()`` for this app and language, made on first use.

    Threads may race to build the same piece; both results are equal, and a
    dict assignment is atomic, so the last one simply stays.
    """
    parts = get_state().page_parts
    key = (name, current_locale_code())
    found = parts.get(key)
    if found is None:
        found = parts[key] = build()
    return found  # type: ignore[no-any-return]


@cache
def native_name(code: str) -> str:
    """A language named in itself, capitalised for a menu ("Polski", "Deutsch")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_options() -> Markup:
    """The ``<option>`` list of the language menu, the current language selected."""
    return _kept("languages", _language_options)


def _language_options() -> Markup:
    current = current_locale_code()
    return Markup("").join(
        Markup('<option value="{0}" lang="{0}"{1}>{2}</option>\n').format(
            code, Markup(" selected") if code == current else "", native_name(code)
        )
        for code in current_app.config["RETURNS_LOCALES"]
    )


def reason_options(selected: str | None = None) -> Markup:
    """A line's ``<option>`` list of reasons; the common unchosen one is kept."""
    if not selected:
        return _kept("reasons", _reason_options)
    return _reason_options(selected)


def _reason_options(selected: str | None = None) -> Markup:
    policy = get_state().policy
    photo_reasons = policy.photo_reasons
    needs_photo = " " + _("(photo needed)")
    return Markup("").join(
        Markup('<option value="{0}"{1}>{2}</option>').format(
            code,
            Markup(" selected") if code == selected else "",
            escape(reason_label(code)) + (needs_photo if code in photo_reasons else ""),
        )
        for code in policy.reasons
    )


def cost_hints() -> tuple[str, ...]:
    """What each costly reason keeps back, in words (see :func:`reason_hints`)."""
    return _kept("hints", lambda: tuple(reason_hints(get_state().policy)))
