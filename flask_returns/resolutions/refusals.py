"""Why a resolution was refused: a code and its words, in one table.

Raised as ``ResolutionRefused(Refusal.X, **params)`` by the rule that refuses; the
words are chosen when shown, in the reader's language. The customer's form shows
them beside the line, the admin's beside the resolution it changes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from ..errors import InvalidReturn
from ..i18n import gettext as _


class Refusal(enum.StrEnum):
    NOT_OFFERED = "not_offered"
    CHOOSE_VARIANT = "choose_variant"
    VARIANT_NOT_OFFERED = "variant_not_offered"
    OUT_OF_STOCK = "out_of_stock"
    ALREADY_CARRIED_OUT = "already_carried_out"
    NOTE_NEEDED = "note_needed"
    HOST_UNAVAILABLE = "host_unavailable"
    IN_PROGRESS = "in_progress"


_WORDS: dict[Refusal, Callable[[dict[str, Any]], str]] = {
    Refusal.NOT_OFFERED: lambda p: _(
        "For this reason we offer: %(offered)s. Please choose one of them.",
        offered=p.get("offered", ""),
    ),
    Refusal.CHOOSE_VARIANT: lambda p: _("Choose the size or colour you would like instead."),
    Refusal.VARIANT_NOT_OFFERED: lambda p: _(
        "That item is not one we can exchange this one for. Please choose from the list."
    ),
    Refusal.OUT_OF_STOCK: lambda p: _(
        "%(name)s is out of stock now. Please choose another, or another resolution.",
        name=p.get("name", ""),
    ),
    Refusal.ALREADY_CARRIED_OUT: lambda p: _(
        "This line is already settled; its resolution can no longer change."
    ),
    Refusal.NOTE_NEEDED: lambda p: _("Say why the resolution changes; the customer reads it."),
    Refusal.HOST_UNAVAILABLE: lambda p: _(
        "The shop's system did not answer. Nothing was made twice; it will be tried again."
    ),
    Refusal.IN_PROGRESS: lambda p: _(
        "The shop's system is still working on an earlier request for this return. "
        "Try again in a minute; nothing will be made twice."
    ),
}


def refusal_message(code: Refusal, params: dict[str, Any]) -> str:
    """The words for a refusal, in the language being shown now."""
    return _WORDS[code](params)


class ResolutionRefused(InvalidReturn):
    """A resolution asked for is not allowed: :attr:`code` says why, ``str()`` in words."""

    def __init__(self, code: Refusal, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return refusal_message(self.code, self.params)
