"""Which language our text is in: chosen per request, or forced to a customer's.

Inside our pages the language is, in order: an explicit ``?lang=`` (remembered in
the session), the host's selector, the browser's Accept-Language, then
``RETURNS_DEFAULT_LOCALE``. Mail and documents are rendered with
:func:`using_locale` in the customer's stored language, whoever triggered them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_babel
from flask_babel import get_locale as host_locale

from ..paths import translations_folder

DOMAIN = "flask_returns"
SESSION_KEY = "returns_lang"
# Languages written right to left; pages and documents flip their layout for them.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})

_forced_locale: ContextVar[str | None] = ContextVar("returns_forced_locale", default=None)


def forced_locale() -> str | None:
    """The language :func:`using_locale` set for this block, if any."""
    return _forced_locale.get()


def host_folders() -> tuple[str, ...]:
    """The host's own catalog folders (``RETURNS_TRANSLATION_DIRECTORIES``)."""
    if not has_app_context():
        return ()
    return tuple(current_app.config.get("RETURNS_TRANSLATION_DIRECTORIES", ()))


def available_locales(host_folders: tuple[str, ...] | None = None) -> frozenset[str]:
    """Locales that have a compiled catalog (ours or the host's), plus English."""
    found = {"en"}
    folders = host_folders() if host_folders is None else host_folders
    for folder in (str(translations_folder()), *folders):
        found |= {p.parent.parent.name for p in Path(folder).glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return frozenset(found)


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config["RETURNS_LOCALES"])


def match_locale(code: str | None, supported: tuple[str, ...] | None = None) -> str | None:
    """``code`` as one of the supported locales (``pl_PL`` -> ``pl``), or None."""
    if not code or not isinstance(code, str) or len(code) > 35:
        return None
    supported = supported if supported is not None else supported_locales()
    for candidate in _candidates(code):
        if candidate in supported:
            return candidate
    return None


@lru_cache(maxsize=512)
def _candidates(code: str) -> tuple[str, ...]:
    """``pl_PL`` -> ``("pl_PL", "pl")``; nothing for a code Babel does not know."""
    try:
        parsed = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return ()
    return (str(parsed), parsed.language)


def _default_locale() -> str:
    if has_app_context():
        return current_app.config["RETURNS_DEFAULT_LOCALE"]
    return "en"


def _negotiate() -> str:
    supported = supported_locales()
    asked = match_locale(request.args.get("lang"), supported)
    if asked:
        if session.get(SESSION_KEY) != asked:  # unchanged: no new session cookie
            session[SESSION_KEY] = asked
        return asked
    remembered = match_locale(session.get(SESSION_KEY), supported)
    if remembered:
        return remembered
    if "babel" in current_app.extensions and get_babel().locale_selector is not None:
        hosts = match_locale(str(host_locale()), supported)
        if hosts:
            return hosts
    browser = request.accept_languages.best_match(supported)
    return browser or _default_locale()


def current_locale_code() -> str:
    """The code of the language our text is shown in right now (``pl``, ``pt_BR``)."""
    forced = _forced_locale.get()
    if forced:
        return forced
    if not has_request_context():
        return _default_locale()
    # A page asks this once per message: negotiate once per request.
    cached = g.get("_returns_locale")
    if cached is None:
        cached = g._returns_locale = _negotiate()
    return cached


@cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def current_locale() -> Locale:
    """The language our text is shown in right now."""
    return _parsed(current_locale_code())


def text_direction(locale: Locale | None = None) -> str:
    """``rtl`` for Arabic and other right-to-left languages, else ``ltr``."""
    locale = locale or current_locale()
    return "rtl" if locale.language in RTL_LANGUAGES else "ltr"


@contextmanager
def using_locale(code: str | None) -> Iterator[Locale]:
    """Render in ``code`` (a customer's stored language), falling back to the default."""
    chosen = (match_locale(code) if has_app_context() else code) or _default_locale()
    token = _forced_locale.set(chosen)
    try:
        yield Locale.parse(chosen)
    finally:
        _forced_locale.reset(token)
