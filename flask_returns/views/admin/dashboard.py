"""The owners' dashboard page: a period's returns in numbers and server-drawn charts.

The figures come from :mod:`flask_returns.reports.figures`, the pictures from
:mod:`flask_returns.reports.charts`; this module reads the period from the query
string, words and formats every number in the admin's language, and renders.
A period that cannot be read is said so in words, and the default period shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit
from flask import Blueprint, request

from ...i18n import (
    current_locale,
    format_date,
    ngettext,
    reason_label,
    status_labels,
    text_direction,
)
from ...i18n import gettext as _
from ...models import utcnow
from ...orders import SalesSource
from ...reports import Bar, Dashboard, Period, Segment, bar_chart, dashboard, share_bar
from ...state import ReturnsState, get_state
from ...templating import render_page
from .access import guard_admin_endpoints

PRESETS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
# Longer periods are refused: the page must stay quick on a long history.
MAX_DAYS = 366
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


@dataclass(frozen=True)
class Choice:
    """The period and currency to show, the preset chosen (None: dates), what was wrong."""

    period: Period
    currency: str = ""
    days: int | None = DEFAULT_DAYS
    problems: list[str] = field(default_factory=list)


def _day(text: str) -> date | None:
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_choice(args: Mapping[str, str], today: date | None = None) -> Choice:
    """The period (``days`` or ``since``/``until``, UTC days) and currency asked for."""
    today = today or utcnow().date()
    default = Period.last_days(DEFAULT_DAYS, today)
    problems: list[str] = []
    currency = str(args.get("currency", "")).strip()
    if currency and not _CURRENCY.match(currency):
        problems.append(_("Write the currency as its three-letter code, such as EUR."))
        currency = ""
    currency = currency.upper()
    since_text = str(args.get("since", "")).strip()
    until_text = str(args.get("until", "")).strip()
    if since_text or until_text:
        since, until = _day(since_text), _day(until_text)
        if not since_text or not until_text:
            problems.append(_("Give both the first and the last day of the period."))
        elif since is None or until is None:
            problems.append(_("Write each day as year-month-day, such as 2024-03-31."))
        elif since > until:
            problems.append(_("The first day of the period comes after its last day."))
        elif (until - since).days + 1 > MAX_DAYS:
            problems.append(
                ngettext(
                    "A period can be at most %(num)d day long.",
                    "A period can be at most %(num)d days long.",
                    MAX_DAYS,
                )
            )
        else:
            return Choice(Period(since, until), currency, None, problems)
        return Choice(default, currency, DEFAULT_DAYS, problems)
    days_text = str(args.get("days", "")).strip()
    if not days_text:
        return Choice(default, currency, DEFAULT_DAYS, problems)
    if days_text.isdigit() and int(days_text) in PRESETS:
        days = int(days_text)
        return Choice(Period.last_days(days, today), currency, days, problems)
    choices = format_list([str(n) for n in PRESETS], style="or", locale=current_locale())
    problems.append(_("Choose a period of %(choices)s days.", choices=choices))
    return Choice(default, currency, DEFAULT_DAYS, problems)


def units_sold(state: ReturnsState, period: Period) -> dict[str, int] | None:
    """Units sold per SKU from the host's adapter, when it can say (``SalesSource``)."""
    if not isinstance(state.orders, SalesSource):
        return None
    return dict(state.orders.units_sold(period.since, period.until))


# --------------------------------------------------------------------------- wording


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def percent(value: float) -> str:
    return format_percent(value, format="#,##0.0%", locale=current_locale())


def duration(seconds: float | None) -> str:
    """``1 day and 12 hours`` in the admin's language, to the minute; "" for no value."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    locale = current_locale()
    parts = [
        _unit(amount, unit)
        for amount, unit in (
            (days, "duration-day"),
            (hours, "duration-hour"),
            (minutes, "duration-minute"),
        )
        if amount
    ]
    if not parts:
        return _unit(0, "duration-minute")
    return format_list(parts, style="standard", locale=locale)


def _unit(amount: int, unit: str) -> str:
    """``3 days``; CLDR lacks the long form in some languages (ar, ga, mt): then shorter."""
    for length in ("long", "short", "narrow"):
        text = format_unit(amount, unit, length=length, locale=current_locale())
        if unit not in text:
            return text
    return text


def iso_duration(seconds: float) -> str:
    """ISO 8601 for ``<time datetime>``: ``PT129600S``, ``PT12.5S``."""
    return "PT" + f"{seconds:.3f}".rstrip("0").rstrip(".") + "S"


def form_values(choice: Choice, args: Mapping[str, str]) -> dict[str, str]:
    """What the form shows: what was typed when it was wrong, else the period shown."""
    if choice.problems:
        return {key: str(args.get(key, ""))[:32] for key in ("since", "until", "currency")}
    explicit = choice.days is None
    return {
        "since": choice.period.first_day.isoformat() if explicit else "",
        "until": choice.period.last_day.isoformat() if explicit else "",
        "currency": choice.currency,
    }


def outcome_labels() -> dict[str, str]:
    """Every outcome of :data:`~flask_returns.reports.OUTCOMES`, in its order, in words."""
    return {
        "refunded": _("Refunded"),
        "replaced": _("Replaced"),
        "exchanged": _("Exchanged"),
        "store_credit": _("Store credit"),
        "mixed": _("Mixed resolutions"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
        "open": _("Still open"),
    }


# Each outcome keeps its colour whatever else the bar shows; distinguishable, and dark
# enough for the white gaps between the parts to show.
OUTCOME_COLOURS = {
    "refunded": "#137333",
    "replaced": "#0b57d0",
    "exchanged": "#007b83",
    "store_credit": "#8430ce",
    "mixed": "#6d4c00",
    "rejected": "#b3261e",
    "cancelled": "#80868b",
    "open": "#e37400",
}


def charts(data: Dashboard, rtl: bool) -> dict[str, Any]:
    """The three pictures; each says in its description what the table beside it holds."""
    labels = outcome_labels()
    outcomes = data.outcomes
    segments = [
        Segment(
            labels[key],
            outcomes.counts[key],
            f"{percent(outcomes.share(key))} ({number(outcomes.counts[key])})",
            OUTCOME_COLOURS[key],
        )
        for key in labels
    ]
    found: dict[str, Any] = {
        "outcomes": share_bar(
            segments,
            chart_id="returns-chart-outcomes",
            title=_("How the returns ended"),
            description=ngettext(
                "Shares of the %(num)d return requested in the period, by how it ended.",
                "Shares of the %(num)d returns requested in the period, by how they ended.",
                outcomes.total,
            ),
            rtl=rtl,
        )
    }
    units = data.units
    found["reasons"] = bar_chart(
        [Bar(reason_label(r.reason), r.units, number(r.units)) for r in units.by_reason],
        chart_id="returns-chart-reasons",
        title=_("Returned units by reason"),
        description=_("Units asked back in the period, per reason, most first."),
        rtl=rtl,
    )
    found["products"] = bar_chart(
        [Bar(p.name or p.sku, p.units, number(p.units)) for p in units.by_product],
        chart_id="returns-chart-products",
        title=_("Returned units by product"),
        description=_("Units asked back in the period, per product, most first."),
        rtl=rtl,
    )
    return found


def dashboard_page() -> tuple[str, int]:
    """The dashboard; 400 with the reason when the period or currency could not be read."""
    state = get_state()
    choice = read_choice(request.args)
    sold = units_sold(state, choice.period) if not choice.currency else None
    data = dashboard(state.session, choice.period, choice.currency, sold)
    now = utcnow()
    rtl = text_direction(current_locale()) == "rtl"
    return render_page(
        "returns/admin/dashboard.html",
        data=data,
        choice=choice,
        form=form_values(choice, request.args),
        presets=PRESETS,
        charts=charts(data, rtl),
        outcome_labels=outcome_labels(),
        status_labels=status_labels(),
        reason_label=reason_label,
        sales_known=isinstance(state.orders, SalesSource),
        number=number,
        percent=percent,
        duration=duration,
        iso_duration=iso_duration,
        format_day=lambda value: format_date(value, "medium"),
        waiting_days=lambda ret: max((now - ret.created_at).days, 0),
    ), (400 if choice.problems else 200)


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule("/admin/dashboard", "admin_dashboard", dashboard_page)
