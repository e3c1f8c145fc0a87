"""Rendering our templates with our language, whatever the host's Jinja setup.

The host's Flask-Babel installs ``_``/``gettext`` bound to *its* catalogs as Jinja
globals; we pass ours in the template context, which wins over globals, so a
host can override any ``returns/*.html`` template and still use ``_()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template, request

from .i18n import (
    current_locale,
    format_date,
    format_money,
    line_resolution_label,
    page_messages,
    text_direction,
)
from .page_parts import language_options, native_name


def language_choices() -> list[dict[str, Any]]:
    """The customer's language switcher: each language named in itself."""
    current = str(current_locale())
    kept = {k: v for k, v in request.args.items() if k != "lang"}
    # The same as urlencode({**kept, "lang": code}) for each code, encoding kept once.
    start = f"{request.path}?{urlencode(kept)}&" if kept else f"{request.path}?"
    return [
        LanguageChoice(
            code=code,
            name=native_name(code),
            url=start + _lang_query(code),
            current=code == current,
        )
        for code in current_app.config["RETURNS_LOCALES"]
    ]


class LanguageMenu(Sequence[dict[str, Any]]):
    """:func:`language_choices`, built only when a template reads the entries.

    Our own menu prints :func:`~flask_returns.page_parts.language_options`,
    made once per language; a host's menu template that lists the entries (with
    their links) still finds them here.
    """

    def __init__(self) -> None:
        self._count = len(current_app.config["RETURNS_LOCALES"])
        self._choices: list[dict[str, Any]] | None = None

    def _built(self) -> list[dict[str, Any]]:
        if self._choices is None:
            self._choices = language_choices()
        return self._choices

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._built()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._built())


class LanguageChoice(dict[str, Any]):
    """One language of the switcher: a dict whose keys are attributes too.

    Jinja reads ``choice.code`` as an attribute first; on a plain dict that fails
    (an exception per look-up, four per language on every page) before the key.
    """

    def __init__(self, **values: Any) -> None:
        super().__init__(values)
        self.__dict__.update(values)


@cache
def _lang_query(code: str) -> str:
    return urlencode({"lang": code})


def template_context() -> dict[str, Any]:
    locale = current_locale()
    config = current_app.config
    messages = page_messages()
    return {
        "_": messages.gettext,
        "gettext": messages.gettext,
        "ngettext": messages.ngettext,
        "returns_locale": locale,
        "returns_lang": str(locale).replace("_", "-"),
        "returns_dir": text_direction(locale),
        "returns_layout": config["RETURNS_LAYOUT_TEMPLATE"],
        "shop_name": config["RETURNS_SHOP_NAME"],
        "format_money": format_money,
        "format_date": format_date,
        "line_resolution_label": line_resolution_label,
    }


def render_page(template: str, **context: Any) -> str:
    """Render a customer or admin page (adds the language switcher)."""
    return render_template(
        template,
        **template_context(),
        language_choices=LanguageMenu(),
        language_options=language_options,
        **context,
    )
