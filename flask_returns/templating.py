"""Rendering our templates with our language, whatever the host's Jinja setup.

The host's Flask-Babel installs ``_``/``gettext`` bound to *its* catalogs as Jinja
globals; we pass ours in the template context, which wins over globals, so a
host can override any ``returns/*.html`` template and still use ``_()``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date as babel_format_date
from flask import current_app, render_template, request

from .i18n import current_locale, gettext, ngettext, text_direction
from .money import Money


def format_money(amount: int | Money, currency: str | None = None) -> str:
    money = amount if isinstance(amount, Money) else Money(amount, currency or "")
    return money.format(current_locale())


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    return babel_format_date(value, format=format, locale=current_locale())


def language_choices() -> list[dict[str, Any]]:
    """The customer's language switcher: each language named in itself."""
    current = str(current_locale())
    kept = {k: v for k, v in request.args.items() if k != "lang"}
    return [
        {
            "code": code,
            "name": _native_name(code),
            "url": f"{request.path}?{urlencode({**kept, 'lang': code})}",
            "current": code == current,
        }
        for code in current_app.config["RETURNS_LOCALES"]
    ]


@cache
def _native_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def template_context() -> dict[str, Any]:
    locale = current_locale()
    config = current_app.config
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "returns_locale": locale,
        "returns_lang": str(locale).replace("_", "-"),
        "returns_dir": text_direction(locale),
        "returns_layout": config["RETURNS_LAYOUT_TEMPLATE"],
        "shop_name": config["RETURNS_SHOP_NAME"],
        "format_money": format_money,
        "format_date": format_date,
    }


def render_page(template: str, **context: Any) -> str:
    """Render a customer or admin page (adds the language switcher)."""
    return render_template(
        template, **template_context(), language_choices=language_choices(), **context
    )
