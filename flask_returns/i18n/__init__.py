"""Languages: our Babel domain, the reader's language, names and figures in it.

The package speaks through :func:`gettext` and friends (the ``flask_returns``
domain, never the host's), decides the language per request or per customer
(:func:`using_locale`), names reasons, statuses and history steps, and writes
money and dates the reader's way.
"""

from __future__ import annotations

from .domain import PageMessages, catalog, gettext, lazy_gettext, ngettext, page_messages
from .formatting import (
    AmountUnreadable,
    format_amount_input,
    format_date,
    format_money,
    format_percentage,
    format_when,
    read_amount,
)
from .locale import (
    DOMAIN,
    RTL_LANGUAGES,
    available_locales,
    current_locale,
    current_locale_code,
    match_locale,
    supported_locales,
    text_direction,
    using_locale,
)
from .names import (
    REASON_LABELS,
    action_label,
    actor_label,
    line_resolution_label,
    reason_label,
    resolution_label,
    status_labels,
)

_ = gettext

__all__ = [
    "DOMAIN",
    "REASON_LABELS",
    "RTL_LANGUAGES",
    "AmountUnreadable",
    "PageMessages",
    "_",
    "action_label",
    "actor_label",
    "available_locales",
    "catalog",
    "current_locale",
    "current_locale_code",
    "format_amount_input",
    "format_date",
    "format_money",
    "format_percentage",
    "format_when",
    "gettext",
    "lazy_gettext",
    "line_resolution_label",
    "match_locale",
    "ngettext",
    "page_messages",
    "read_amount",
    "reason_label",
    "resolution_label",
    "status_labels",
    "supported_locales",
    "text_direction",
    "using_locale",
]
