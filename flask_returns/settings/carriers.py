"""The settings for carrier labels booked per parcel, and their checks.

A part of the one table (:data:`~flask_returns.settings.table.SETTINGS` takes these in
their place). The options of each platform are checked by the platform's own module
(``flask_returns.carriers.<name>.from_options``) when the app starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from . import checks
from .checks import Setting

# The platforms shipped in the package: ``RETURNS_CARRIER`` names one of them.
CARRIER_NAMES = ("easypost", "shippo", "dhl")
_PROVIDER_METHODS = ("book", "find", "void", "track", "webhook_updates")
_PARCEL_KEYS = ("weight_g", "length_cm", "width_cm", "height_cm")


def carrier(key: str, value: Any) -> Any:
    """A shipped platform's name, an object with the ``ShipmentProvider`` methods, or None."""
    if value is None or value in CARRIER_NAMES:
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str) and all(callable(getattr(value, m, None)) for m in _PROVIDER_METHODS):
        return value
    raise ConfigurationError(
        f"{key} must be one of {', '.join(CARRIER_NAMES)}, an object with a `name` and "
        f"the methods {', '.join(_PROVIDER_METHODS)} (flask_returns.carriers."
        f"ShipmentProvider), or None; got {value!r}"
    )


def carrier_options(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigurationError(f"{key} must be a dict of the platform's options")
    return dict(value)


def parcel(key: str, value: Any) -> dict[str, float]:
    if not (
        isinstance(value, Mapping)
        and set(value) == set(_PARCEL_KEYS)
        and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value.values()
        )
    ):
        raise ConfigurationError(
            f"{key} must give {', '.join(_PARCEL_KEYS)}, each a positive number; got {value!r}"
        )
    return {k: value[k] for k in _PARCEL_KEYS}


CARRIER_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_CARRIER",
        None,
        "Where labels are booked, one per parcel: `easypost`, `shippo` or `dhl` "
        "(install the extra of the same name), or an object implementing "
        "`flask_returns.carriers.ShipmentProvider`. None keeps the label drawn here "
        "(or `RETURNS_LABEL_PROVIDER`'s).",
        carrier,
    ),
    Setting(
        "RETURNS_CARRIER_OPTIONS",
        {},
        "The platform's options (API key, carrier, service, webhook secret...), listed "
        "in the labels and carriers guide; checked at start-up by the platform's module.",
        carrier_options,
    ),
    Setting(
        "RETURNS_PARCEL",
        {"weight_g": 1000, "length_cm": 30, "width_cm": 20, "height_cm": 10},
        "The parcel a return is booked as: weight in grams and size in centimetres.",
        parcel,
    ),
    Setting(
        "RETURNS_CARRIER_TIMEOUT",
        20,
        "Seconds to wait for each request to the carrier platform; a booking with no "
        "answer after six times this is looked up again by `flask returns labels retry`.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_PARCEL_ARRIVED_NOTICE",
        True,
        "E-mail `RETURNS_SUPPORT_EMAIL` when tracking says a return parcel was delivered "
        "to the shop (the queue shows it either way).",
        checks.flag,
    ),
)
