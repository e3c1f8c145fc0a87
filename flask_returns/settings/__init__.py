"""The settings: one table of every ``RETURNS_*`` key, checked once at start-up.

A wrong setting stops ``init_app`` with a message that names the key, rather than
surfacing later as a 500 in front of a customer. Everything in the package reads
settings one way: ``get_state().settings[KEY]`` (policy facts through
``get_state().policy``), never ``current_app.config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError
from .checks import MAIL_KINDS, SECURITY_DEFAULT_PORTS, Setting
from .defaults import DEFAULT_REASONS, shipped_locales
from .storage import check_storage
from .table import SETTINGS

__all__ = [
    "DEFAULT_REASONS",
    "KEYS",
    "MAIL_KINDS",
    "SECURITY_DEFAULT_PORTS",
    "SETTINGS",
    "ReturnsSettings",
    "Setting",
    "load_settings",
    "mail_enabled",
    "shipped_locales",
]

KEYS = frozenset(setting.key for setting in SETTINGS)


@dataclass(frozen=True)
class ReturnsSettings:
    """The checked settings of one app, read once at start-up."""

    values: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def url_prefix(self) -> str:
        return self.values["RETURNS_URL_PREFIX"]


def load_settings(config: dict[str, Any]) -> ReturnsSettings:
    """Fill in defaults with ``setdefault`` and check every value.

    Raises :class:`ConfigurationError` naming the key on the first bad value and on
    unknown ``RETURNS_*`` keys, which are nearly always typos.
    """
    if not config.get("SECRET_KEY"):
        raise ConfigurationError(
            "flask-returns signs customer links and forms: set the app's SECRET_KEY"
        )
    unknown = sorted(k for k in config if k.startswith("RETURNS_") and k not in KEYS)
    if unknown:
        raise ConfigurationError(f"Unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        config.setdefault(setting.key, setting.default)
        values[setting.key] = setting.check(setting.key, config[setting.key])
    _check_together(values)
    _check_mail(values)
    check_storage(values)
    return ReturnsSettings(values)


# Settings that name reasons: each may only name reasons customers can choose.
_NAMING_REASONS = (
    "RETURNS_PHOTO_REQUIRED_REASONS",
    "RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS",
    "RETURNS_RESTOCKING_FEES",
    "RETURNS_RESOLUTIONS",
    "RETURNS_STORE_CREDIT_BONUS",
    "RETURNS_ADVANCE_EXCHANGE_REASONS",
    "RETURNS_KEEP_ITEM_UP_TO",
)


def _check_together(values: dict[str, Any]) -> None:
    for key in _NAMING_REASONS:
        unknown = set(values[key]) - set(values["RETURNS_REASONS"])
        if unknown:
            raise ConfigurationError(
                f"{key} names reasons missing from RETURNS_REASONS: " + ", ".join(sorted(unknown))
            )
    if values["RETURNS_CARRIER"] is not None and values["RETURNS_LABEL_PROVIDER"] is not None:
        raise ConfigurationError(
            "set RETURNS_CARRIER or RETURNS_LABEL_PROVIDER, not both: which one makes labels?"
        )
    if values["RETURNS_CARRIER"] is not None and values["RETURNS_RETURN_ADDRESS"] is None:
        raise ConfigurationError("RETURNS_CARRIER books labels to RETURNS_RETURN_ADDRESS: set it")
    if values["RETURNS_DEFAULT_LOCALE"] not in values["RETURNS_LOCALES"]:
        raise ConfigurationError("RETURNS_DEFAULT_LOCALE must be one of RETURNS_LOCALES")


def mail_enabled(settings: Mapping[str, Any]) -> bool:
    """True when there is a way to send: an SMTP host or the host's own sender."""
    return bool(settings["RETURNS_SMTP_HOST"] or settings["RETURNS_MAIL_SENDER"])


def _check_mail(settings: Mapping[str, Any]) -> None:
    """The rules between mail settings (each one alone is checked by its own check)."""
    if mail_enabled(settings) and not settings["RETURNS_MAIL_FROM"]:
        raise ConfigurationError(
            "RETURNS_MAIL_FROM is needed to send customer e-mails "
            "(RETURNS_SMTP_HOST or RETURNS_MAIL_SENDER is set)"
        )
    if settings["RETURNS_SMTP_HOST"] and settings["RETURNS_MAIL_SENDER"]:
        raise ConfigurationError(
            "set RETURNS_SMTP_HOST or RETURNS_MAIL_SENDER, not both: which one sends?"
        )
    if bool(settings["RETURNS_SMTP_USERNAME"]) != bool(settings["RETURNS_SMTP_PASSWORD"]):
        raise ConfigurationError("RETURNS_SMTP_USERNAME and RETURNS_SMTP_PASSWORD go together")
