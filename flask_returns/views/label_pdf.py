"""The label PDF: the customer's download, the admin's download and reprint.

The customer's address is the status link's, plus ``/label.pdf``: whoever holds
the link may print the label, nobody else, and only while a label applies
(authorized, received, refunded). The PDF is served from storage; it is rendered
here only when missing or stale (see :mod:`flask_returns.documents.store`).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from ..carriers import carrier, make_label
from ..documents import label_available, label_pdf, label_pdf_key, reprint_label
from ..i18n import gettext as _
from ..links import return_for_token
from ..models import ReturnRequest
from ..state import ReturnsState, get_state
from .admin.access import admin_actor, guard_admin_endpoints
from .admin.detail import render_detail, return_or_404
from .forms import ConfirmForm
from .presigned import presigned_seconds, redirect_to_bucket


def _pdf_response(ret: ReturnRequest) -> Response:
    """The stored PDF; private (never in a shared cache), revalidated by its hash.

    Called after the access checks; with ``RETURNS_S3_PRESIGNED_SECONDS`` the
    bucket serves it, through a redirect to a link that expires.
    """
    disposition = f'attachment; filename="return-label-{ret.rma}.pdf"'
    if (seconds := presigned_seconds()) is not None:
        key = label_pdf_key(ret)
        get_state().session.commit()  # a fresh rendering's record, as below
        return redirect_to_bucket(
            key, seconds, disposition=disposition, cache_control="private, no-cache"
        )
    pdf = label_pdf(ret)
    # label_pdf may have recorded a fresh rendering; keep that record.
    get_state().session.commit()
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = disposition
    response.add_etag()
    return response.make_conditional(request)


def customer_label(token: str) -> Response:
    ret = return_for_token(token)
    if ret is None or not label_available(ret):
        abort(404)
    return _pdf_response(ret)


def admin_label(rma: str) -> Response:
    ret = return_or_404(rma)
    if not label_available(ret):
        abort(404)
    return _pdf_response(ret)


def admin_reprint(rma: str) -> Response | tuple[str, int]:
    """Render the label afresh (a smudged print, a new template); no status changes."""
    ret = return_or_404(rma)
    form = ConfirmForm()
    if not form.validate_on_submit():
        problem = _("The form had expired. Please send it again.") if form.errors else ""
        return render_detail(ret, problem=problem, code=400)
    if not label_available(ret):
        return render_detail(ret, problem=_("This return has no label to print."), code=409)
    reprint_label(ret, admin_actor())
    get_state().session.commit()
    return redirect(url_for("returns.admin_detail", rma=ret.rma, done="label_reprint"))


def admin_book(rma: str) -> Response | tuple[str, int]:
    """Ask the carrier for a label that is missing (it failed, or refused an address)."""
    if carrier() is None:
        abort(404)  # the shop's labels are drawn here: nothing to book
    ret = return_or_404(rma)
    form = ConfirmForm()
    if not form.validate_on_submit():
        problem = _("The form had expired. Please send it again.") if form.errors else ""
        return render_detail(ret, problem=problem, code=400)
    booking = make_label(ret, admin_actor())
    done = "label_booked" if booking.result == "booked" else "label_missing"
    return redirect(url_for("returns.admin_detail", rma=ret.rma, done=done))


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule("/status/<token>/label.pdf", "label_pdf", customer_label)
    blueprint.add_url_rule("/admin/returns/<rma>/label.pdf", "admin_label_pdf", admin_label)
    blueprint.add_url_rule(
        "/admin/returns/<rma>/label/book", "admin_label_book", admin_book, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/returns/<rma>/label/reprint",
        "admin_label_reprint",
        admin_reprint,
        methods=["POST"],
    )
