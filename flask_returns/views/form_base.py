"""The base of every returns form: WTForms speaks the customer's language too.

Flask-WTF asks the host's Flask-Babel for the language of WTForms' built-in
messages; our pages may be in another one (``?lang=``, the stored customer
language), and WTForms ships no catalog for some EU languages. So a form's
messages come from our catalog first, then from WTForms' own for our language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import NullTranslations
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations as wtforms_translations
from wtforms.validators import Length

from ..i18n import catalog, current_locale_code
from ..i18n import lazy_gettext as _l


class FormMessages:
    """The ``gettext``/``ngettext`` pair WTForms calls for its own messages."""

    def __init__(self, ours: NullTranslations, theirs: Any) -> None:
        self._ours = ours
        self._theirs = theirs

    def gettext(self, message: str) -> str:
        found = self._ours.gettext(message)
        return found if found != message else self._theirs.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._ours.ngettext(singular, plural, n)
        if found not in (singular, plural):
            return found
        return self._theirs.ngettext(singular, plural, n)


@cache
def _wtforms_catalog(code: str) -> Any:
    try:
        return wtforms_translations([code, code.split("_")[0]])
    except OSError:  # WTForms has no catalog for this language: ours covers it
        return NullTranslations()


def form_messages(code: str) -> FormMessages:
    return FormMessages(catalog(code), _wtforms_catalog(code))


class ReturnsForm(FlaskForm):
    """A Flask-WTF form (CSRF included) whose messages follow our language."""

    class Meta:
        def get_translations(self, form: Any) -> FormMessages:
            return form_messages(current_locale_code())


def at_most(characters: int) -> Length:
    """A length limit whose message is in our catalog, for every language we ship."""
    return Length(max=characters, message=_l("Use at most %(max)d characters."))
