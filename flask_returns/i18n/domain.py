"""The extension's own Babel domain: our catalogs, with the host's laid over them.

Messages live in the ``flask_returns`` domain, so the host's ``Babel()``, its
catalogs and its locale selector stay its own. Which language a message comes out
in is :mod:`.locale`'s decision.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import g, has_request_context
from flask_babel import Domain

from ..paths import translations_folder
from .locale import DOMAIN, current_locale_code, forced_locale, host_folders


@cache
def _catalog(locale: str, folders: tuple[str, ...] = ()) -> NullTranslations:
    found = Translations.load(str(translations_folder()), [locale], DOMAIN)
    # The host's catalogs are merged last, so a shop's own wording wins over ours.
    for folder in folders:
        theirs = Translations.load(folder, [locale], DOMAIN)
        if not isinstance(theirs, Translations):
            continue
        if isinstance(found, Translations):
            found.merge(theirs)
        else:
            found = theirs
    return found


def catalog(locale: str) -> NullTranslations:
    """Our messages in ``locale``, with the host's own catalogs laid over them."""
    return _catalog(locale, host_folders())


class ReturnsDomain(Domain):
    """A Flask-Babel domain whose language is ours (see :func:`current_locale`)."""

    def get_translations(self) -> NullTranslations:
        if forced_locale() or not has_request_context():
            return catalog(current_locale_code())
        # A page translates dozens of messages, all in the request's one language
        # (negotiated once, see current_locale_code): look its catalog up once too.
        found = g.get("_returns_catalog")
        if found is None:
            found = g._returns_catalog = catalog(current_locale_code())
        return found


domain = ReturnsDomain(domain=DOMAIN)
gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext
_ = gettext


class PageMessages:
    """``gettext``/``ngettext`` bound to one catalog, for the render of one page.

    The domain's functions look the language and its catalog up on every call;
    a page asks some fifty times, always in the same language.
    """

    __slots__ = ("_catalog",)

    def __init__(self, found: NullTranslations) -> None:
        self._catalog = found

    def gettext(self, string: str, **variables: Any) -> str:
        found = self._catalog.ugettext(string)
        return found % variables if variables else found

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return self._catalog.ungettext(singular, plural, num) % variables


def page_messages() -> PageMessages:
    """Our messages in the language of the page being rendered now."""
    return PageMessages(domain.get_translations())
