"""Following a return: the status page (by signed link or RMA + e-mail), cancel, photos."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from ..carriers import void_label
from ..carriers.parcel import parcel_view
from ..documents import booked_shipment, label_available
from ..errors import IllegalTransition
from ..i18n import gettext as _
from ..i18n import reason_label
from ..links import external_url, return_for_token, status_url
from ..models import Photo, ReturnRequest, ReturnStatus
from ..orders import normalize_email
from ..state import ReturnsState, get_state
from ..templating import render_page
from ..workflow import Actor, can_transition, cancel_return, find_return
from .forms import ConfirmForm, MessageForm, TrackForm
from .lookup_limit import limit_failed_lookups
from .presigned import presigned_seconds, redirect_to_bucket

S = ReturnStatus
# The steps a customer sees, in order; a rejected or cancelled return stops early.
JOURNEY = (S.REQUESTED, S.AUTHORIZED, S.RECEIVED, S.REFUNDED)


def journey(ret: ReturnRequest) -> tuple[ReturnStatus, ...]:
    """The steps of this return: it ends resolved when not refunds alone settle it,
    and skips "received" when the customer keeps everything."""
    last = S.REFUNDED if ret.resolution == "refund" else S.RESOLVED
    if ret.nothing_travels:
        return (S.REQUESTED, S.AUTHORIZED, last)
    return (S.REQUESTED, S.AUTHORIZED, S.RECEIVED, last)


def _return_or_404(token: str, *, with_details: bool = False) -> ReturnRequest:
    ret = return_for_token(token, with_details=with_details)
    if ret is None:
        abort(404)
    return ret


def status(token: str) -> str:
    return render_status(_return_or_404(token, with_details=True), token)


def render_status(ret: ReturnRequest, token: str, **extra: object) -> str:
    """The status page of ``ret`` opened by ``token``; ``extra`` adds the message
    form's state (what was typed, why it was refused) when it comes back."""
    return render_page(
        "returns/status.html",
        ret=ret,
        token=token,
        sent=request.args.get("sent") == "1",
        message_form=MessageForm(),
        message_error=extra.pop("message_error", ""),
        typed=extra.pop("typed", ""),
        journey=journey(ret),
        nothing_to_send=ret.nothing_travels,
        # The token that opened the page is the link: signing it again gives the same.
        link=external_url("returns.status", token=token),
        created=request.args.get("created") == "1",
        cancelled=request.args.get("cancelled") == "1",
        can_cancel=can_transition(ret.status, S.CANCELLED),
        cancel_form=ConfirmForm(),
        reason_label=reason_label,
        label_url=url_for("returns.label_pdf", token=token) if label_available(ret) else None,
        parcel=parcel_view(ret),
        **extra,
    )


def cancel(token: str) -> Response | tuple[str, int]:
    ret = _return_or_404(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cancel_return(ret, Actor.customer(ret.customer_email))
    except IllegalTransition:
        get_state().session.rollback()
        return render_page(
            "returns/message.html",
            message=_("This return can no longer be cancelled."),
            back=url_for("returns.status", token=token),
        ), 409
    get_state().session.commit()
    void_label(ret, Actor.customer(ret.customer_email))  # after the commit, like a booking
    return redirect(url_for("returns.status", token=token, cancelled=1))


def drop_off_code(token: str) -> Response:
    """The carrier's QR code for printer-free drop-off, to whoever holds the status link."""
    ret = _return_or_404(token)
    shipment = booked_shipment(ret) if label_available(ret) else None
    if shipment is None or not shipment.qr_key:
        abort(404)
    response = Response(get_state().storage.load(shipment.qr_key), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def photo(token: str, photo_id: int, size: str) -> Response:
    """A photo of this return only; kept out of shared caches."""
    ret = _return_or_404(token)
    found = get_state().session.get(Photo, photo_id)
    if found is None or found.return_id != ret.id:
        abort(404)
    return photo_response(found, thumbnail=size == "thumb")


def photo_response(found: Photo, *, thumbnail: bool) -> Response:
    """The photo, to a caller whose access is already checked: served here, or by a
    redirect to the bucket's presigned link (``RETURNS_S3_PRESIGNED_SECONDS``)."""
    key = found.thumbnail_key if thumbnail else found.storage_key
    cache = "private, max-age=3600"
    if (seconds := presigned_seconds()) is not None:
        return redirect_to_bucket(key, seconds, disposition="inline", cache_control=cache)
    response = Response(get_state().storage.load(key), mimetype="image/jpeg")
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


def track() -> str | Response | tuple[str, int]:
    """Find a return by RMA and e-mail, for a customer without the link at hand."""
    form = TrackForm()
    if request.method == "GET":
        return render_page("returns/track.html", form=form)
    if form.validate_on_submit():
        ret = find_return(form.rma.data)
        email = normalize_email(form.email.data)
        if ret is not None and hmac.compare_digest(ret.customer_email, email):
            return redirect(status_url(ret, external=False))
        message = _("We could not find a return with that number and e-mail address.")
        return render_page("returns/track.html", form=form, message=message), 404
    return render_page("returns/track.html", form=form), 400


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    blueprint.add_url_rule(
        "/track", "track", limit_failed_lookups(state)(track), methods=["GET", "POST"]
    )
    blueprint.add_url_rule("/status/<token>", "status", status)
    blueprint.add_url_rule("/status/<token>/cancel", "cancel", cancel, methods=["POST"])
    blueprint.add_url_rule("/status/<token>/drop-off.png", "drop_off_code", drop_off_code)
    blueprint.add_url_rule(
        "/status/<token>/photos/<int:photo_id>/<any(full, thumb):size>", "photo", photo
    )
