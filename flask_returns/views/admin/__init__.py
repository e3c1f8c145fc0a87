"""The admin pages: the queue, one return, its actions, the dashboard and exports.

Every endpoint here is guarded by :mod:`.access` (the host's permission function);
:func:`register` hangs them all on the app's blueprint.
"""

from __future__ import annotations

from flask import Blueprint

from ...state import ReturnsState
from . import actions, dashboard, detail, exports, messages, queue, resolutions

__all__ = ["register"]


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    for part in (queue, detail, actions, resolutions, messages, dashboard, exports):
        part.register(blueprint, state)
