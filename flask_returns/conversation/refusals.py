"""Why a message was not taken: a code and its words, in one table."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from ..errors import ReturnsError
from ..i18n import gettext as _
from ..i18n import ngettext


class Refusal(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    UNKNOWN_TEMPLATE = "unknown_template"


_WORDS: dict[Refusal, Callable[[dict[str, Any]], str]] = {
    Refusal.EMPTY: lambda p: _("Write your message first."),
    Refusal.TOO_LONG: lambda p: _("Use at most %(max)d characters.", max=p.get("max", 0)),
    Refusal.TOO_MANY: lambda p: ngettext(
        "You have written %(num)d message in the last hour; please wait for our answer.",
        "You have written %(num)d messages in the last hour; please wait for our answer.",
        p.get("num", 0),
    ),
    Refusal.UNKNOWN_TEMPLATE: lambda p: _("Choose a reply from the list."),
}


class MessageRefused(ReturnsError):
    """A message was not stored: :attr:`code` says why, ``str()`` in the reader's words."""

    def __init__(self, code: Refusal, **params: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return _WORDS[self.code](self.params)
