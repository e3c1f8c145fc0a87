"""Per-app state, kept in ``app.extensions["returns"]`` and never on the extension."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # the state is a leaf: everything may import it, it imports nothing
    from sqlalchemy.orm import scoped_session

    from .orders import OrderSource
    from .policy import ReturnPolicy
    from .settings import ReturnsSettings
    from .storage import Storage


@dataclass
class ReturnsState:
    """What one app's returns module works with."""

    settings: ReturnsSettings
    orders: OrderSource
    # The host's Flask-SQLAlchemy instance; its session carries our writes too.
    db: Any
    storage: Storage
    # The host's Flask-Limiter instance when it has one, else ours.
    limiter: Any
    # Built once from the settings (or the host's RETURNS_POLICY).
    policy: ReturnPolicy
    # The carrier platform that books labels (RETURNS_CARRIER), or None.
    carrier: Any = None
    # Page pieces built once per language (see page_parts).
    page_parts: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def session(self) -> scoped_session:
        return self.db.session


def get_state(app: Flask | None = None) -> ReturnsState:
    app = app or current_app
    try:
        return app.extensions["returns"]
    except KeyError:
        raise RuntimeError(
            "flask-returns is not set up on this app: call Returns(app) or init_app(app)"
        ) from None
