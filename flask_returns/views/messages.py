"""The customer writes on their return's thread, from the status page (signed link)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from ..conversation import MessageRefused, Refusal, check_customer_pace, checked_body
from ..i18n import gettext as _
from ..i18n import ngettext
from ..links import return_for_token
from ..photos import StoredPhoto
from ..state import ReturnsState, get_state
from ..workflow import Actor, find_return, write_to_shop
from .forms import MessageForm
from .line_choices import store_upload
from .status import render_status


def write_message(token: str) -> Response | tuple[str, int]:
    """Store the customer's message (and photos) and tell the shop; or say why not."""
    ret = return_for_token(token, with_details=True)
    if ret is None:
        abort(404)
    state = get_state()
    form = MessageForm()
    typed = (request.form.get("body") or "")[: state.settings["RETURNS_MESSAGE_MAX_LENGTH"] * 2]
    if not form.validate_on_submit():
        problem = _("The form had expired. Please send it again.")
        return render_status(ret, token, message_error=problem, typed=typed), 400
    uploads = [u for u in request.files.getlist("photos") if u and u.filename]
    limit = state.settings["RETURNS_MAX_PHOTOS"]
    try:
        body = checked_body(typed)
        # The row held until the commit: two messages sent at once are counted in turn.
        find_return(ret.rma, lock=True)
        check_customer_pace(state.session, ret)
    except MessageRefused as refused:
        state.session.rollback()
        code = 429 if refused.code == Refusal.TOO_MANY else 400
        return render_status(ret, token, message_error=str(refused), typed=typed), code
    if len(uploads) > limit:
        state.session.rollback()
        problem = ngettext(
            "You can add up to %(num)d photo in all.",
            "You can add up to %(num)d photos in all.",
            limit,
        )
        return render_status(ret, token, message_error=problem, typed=typed), 400
    errors: list[str] = []
    photos: list[StoredPhoto] = []
    for upload in uploads:
        stored = store_upload(state, upload, errors)
        if stored is not None:
            photos.append(stored)
    if errors:
        state.session.rollback()
        # Nothing is written: the photos stored so far are orphans the prune removes.
        return render_status(ret, token, message_error=" ".join(errors), typed=typed), 400
    write_to_shop(ret, Actor.customer(ret.customer_email), body, photos)
    state.session.commit()
    return redirect(url_for("returns.status", token=token, sent=1, _anchor="messages"))


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    blueprint.add_url_rule(
        "/status/<token>/messages", "write_message", write_message, methods=["POST"]
    )
