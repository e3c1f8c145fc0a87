"""The demo's carrier platform: a local fake of EasyPost, Shippo or DHL, chosen by
``DEMO_CARRIER``, so a newcomer sees a carrier's label without an account."""

from __future__ import annotations

import importlib
from typing import Any

from .fake_carriers import FakePlatform

# DEMO_CARRIER value -> the fake's module and class.
FAKES = {
    "easypost": ("example_shop.fake_carriers.easypost", "FakeEasyPost"),
    "shippo": ("example_shop.fake_carriers.shippo", "FakeShippo"),
    "dhl": ("example_shop.fake_carriers.dhl", "FakeDHL"),
}


def start_demo_carrier(name: str) -> tuple[FakePlatform, dict[str, Any]]:
    """Start the fake ``name`` on 127.0.0.1; the settings that book labels with it."""
    if name not in FAKES:
        raise SystemExit(f"DEMO_CARRIER must be one of {', '.join(FAKES)}, not {name!r}")
    module_name, class_name = FAKES[name]
    fake = getattr(importlib.import_module(module_name), class_name)()
    fake.start()
    return fake, carrier_settings(name, fake)


# Ask for the printer-free drop-off code where the platform makes one on request.
QR_OPTION = {"easypost": {"qr_code": True}, "shippo": {"qr_code": True}, "dhl": {}}


def carrier_settings(name: str, fake: Any) -> dict[str, Any]:
    return {
        "RETURNS_CARRIER": name,
        "RETURNS_CARRIER_OPTIONS": {**fake.options(), **QR_OPTION[name]},
        "RETURNS_PARCEL": {"weight_g": 1200, "length_cm": 35, "width_cm": 25, "height_cm": 12},
    }
