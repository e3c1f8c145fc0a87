"""Which carrier platform books labels: built once at start-up from the settings."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from .provider import ShipmentProvider

# ``RETURNS_CARRIER`` name -> (module, the extra that installs its client).
SHIPPED = {
    "easypost": ("flask_returns.carriers.easypost", "easypost"),
    "shippo": ("flask_returns.carriers.shippo", "shippo"),
    "dhl": ("flask_returns.carriers.dhl", "dhl"),
}


def carrier_from_settings(settings: Mapping[str, Any]) -> ShipmentProvider | None:
    """The provider ``RETURNS_CARRIER`` names, its options checked; None when unset."""
    chosen = settings["RETURNS_CARRIER"]
    options = settings["RETURNS_CARRIER_OPTIONS"]
    if chosen is None:
        if options:
            raise ConfigurationError("RETURNS_CARRIER_OPTIONS is set but RETURNS_CARRIER is not")
        return None
    if not isinstance(chosen, str):
        return chosen  # the host's own ShipmentProvider, checked by the settings table
    module_name, extra = SHIPPED[chosen]
    try:
        module = importlib.import_module(module_name)
    except ImportError as missing:
        raise ConfigurationError(
            f"RETURNS_CARRIER = {chosen!r} needs its client: pip install "
            f"'flask-returns[{extra}]' ({missing})"
        ) from missing
    return module.from_options(options, timeout=settings["RETURNS_CARRIER_TIMEOUT"])
