"""Who may use the admin pages, and who they are in the history.

The host decides: ``RETURNS_ADMIN_PERMISSION`` says yes or no for the current
request, ``RETURNS_ADMIN_IDENTITY`` (or Flask-Login) names the admin. Without a
permission function nobody gets in: a forgotten setting must never open refunds
to the world. The check runs before every ``<blueprint>.admin*`` endpoint, so an
admin page added later is guarded without anyone remembering to.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, request

from ...state import get_state
from ...workflow import Actor

# Every admin endpoint's name starts with this (``returns.admin_queue`` ...).
ENDPOINT_PREFIX = "admin"


def _flask_login_id() -> str | None:
    """The signed-in Flask-Login user's id, or None (not installed, not set up, anonymous)."""
    try:
        from flask_login import current_user
    except ImportError:
        return None
    if getattr(current_app, "login_manager", None) is None:
        return None
    if not current_user or not current_user.is_authenticated:
        return None
    user_id = current_user.get_id()
    return str(user_id) if user_id is not None else None


def admin_identity() -> str | None:
    """The acting admin's id for the history, or None when nobody is signed in."""
    identity = get_state().settings["RETURNS_ADMIN_IDENTITY"]
    found = identity() if identity is not None else _flask_login_id()
    return str(found) if found not in (None, "") else None


def is_admin() -> bool:
    """True when the host's permission function allows this request and names an admin."""
    permission = get_state().settings["RETURNS_ADMIN_PERMISSION"]
    if permission is None or not permission():
        return False
    return admin_identity() is not None


def admin_actor() -> Actor:
    """The admin taking a step, as the workflow records it."""
    identity = admin_identity()
    if identity is None:  # the guard ran, so this is a programming error
        abort(403)
    return Actor.admin(identity)


def _guard() -> None:
    endpoint = request.endpoint or ""
    blueprint = request.blueprint or ""
    if not endpoint.startswith(f"{blueprint}.{ENDPOINT_PREFIX}"):
        return
    if not is_admin():
        abort(403)


def guard_admin_endpoints(blueprint: Blueprint) -> None:
    """Check every admin endpoint of ``blueprint`` before it runs (idempotent)."""
    if _guard not in blueprint.before_request_funcs.get(None, []):
        blueprint.before_request(_guard)


def warn_if_unguarded(app: Flask) -> None:
    """Say at start-up that the admin pages are closed, so nobody wonders why."""
    if get_state(app).settings["RETURNS_ADMIN_PERMISSION"] is None:
        app.logger.warning(
            "flask-returns admin pages deny everyone until RETURNS_ADMIN_PERMISSION is set "
            "(a function returning True for the users who may authorize and refund returns)"
        )
