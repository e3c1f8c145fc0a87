"""The blueprint factory: a fresh blueprint per app, so two apps may differ."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from werkzeug.exceptions import HTTPException

from ..i18n import gettext as _
from ..i18n import ngettext
from ..state import get_state
from ..templating import render_page
from . import admin, customer, label_pdf, messages, policy_page, status, webhooks


def create_blueprint(app: Flask) -> Blueprint:
    blueprint = Blueprint(
        "returns",
        "flask_returns",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    blueprint.before_request(_cap_request_size)
    for code in (400, 403, 404, 413, 429):
        blueprint.register_error_handler(code, _error_page)
    state = get_state(app)
    customer.register(blueprint, state)
    policy_page.register(blueprint, state)
    status.register(blueprint, state)
    messages.register(blueprint, state)
    admin.register(blueprint, state)
    label_pdf.register(blueprint, state)
    webhooks.register(blueprint, state, app)
    return blueprint


def _cap_request_size() -> None:
    """Our pages take at most the photos the settings allow; the host's cap is its own."""
    settings = get_state().settings
    cap = settings["RETURNS_MAX_PHOTOS"] * settings["RETURNS_MAX_PHOTO_BYTES"] + 1024 * 1024
    request.max_content_length = cap


def _error_message(code: int) -> str:
    if code == 403:
        return _(
            "This page is for the shop's staff. Sign in with an account that may manage returns."
        )
    if code == 404:
        return _("The page you asked for does not exist, or the link is no longer valid.")
    if code == 413:
        settings = get_state().settings
        return ngettext(
            "Your photos were too large together. Each photo may be up to %(size)s MB, "
            "and you can add up to %(num)d photo.",
            "Your photos were too large together. Each photo may be up to %(size)s MB, "
            "and you can add up to %(num)d photos.",
            settings["RETURNS_MAX_PHOTOS"],
            size=settings["RETURNS_MAX_PHOTO_BYTES"] // (1024 * 1024),
        )
    if code == 429:
        return _("Too many attempts. Please wait a few minutes and try again.")
    return _("Your form could not be read. Please go back and send it again.")


def _error_page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 400
    return render_page("returns/message.html", message=_error_message(code)), code
