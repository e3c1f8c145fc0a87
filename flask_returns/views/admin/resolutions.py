"""The admin's buttons for resolutions: change a line's resolution (with a reason the
customer reads), and ask the shop's system again for what a return is owed.

What the return's page shows about them is :mod:`.resolution_panel`.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from ...errors import IllegalTransition
from ...fulfilment import carry_out
from ...i18n import gettext as _
from ...models import ReturnRequest
from ...resolutions import ResolutionRefused
from ...state import ReturnsState, get_state
from ...workflow import change_resolution, find_return
from ..forms import ConfirmForm
from .access import admin_actor, guard_admin_endpoints
from .detail import render_detail
from .forms import ResolutionForm
from .resolution_panel import supported_resolutions

Page = Response | tuple[str, int]


def _locked(rma: str) -> ReturnRequest:
    ret = find_return(rma, lock=True)
    if ret is None:
        abort(404)
    return ret


def change(rma: str, line_id: int) -> Page:
    """Settle one line another way; the customer is e-mailed the change and the reason."""
    ret = _locked(rma)
    line = next((line for line in ret.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    form = ResolutionForm()
    field = f"resolution-{line.id}"
    session = get_state().session
    if not form.validate_on_submit():
        session.rollback()
        problem = _("The form had expired. Please send it again.") if form.errors else ""
        return render_detail(ret, values=request.form, problem=problem, code=400)
    try:
        change_resolution(
            ret,
            line,
            admin_actor(),
            resolution=request.form.get("resolution", "")[:32],
            exchange_sku=request.form.get("exchange_sku", "")[:64],
            note=(form.resolution_note.data or "").strip(),
            offered=supported_resolutions(),
        )
    except (ResolutionRefused, IllegalTransition) as refused:
        session.rollback()
        message = str(refused) if isinstance(refused, ResolutionRefused) else ""
        return render_detail(ret, values=request.form, errors={field: message}, code=400)
    session.commit()
    delayed = any(o.result != "made" for o in carry_out(ret, admin_actor()))
    extra = {"delayed": 1} if delayed else {}
    return redirect(url_for("returns.admin_detail", rma=ret.rma, done="resolution", **extra))


def carry_out_again(rma: str) -> Page:
    """Ask the shop's system again for what the return is owed (looked up by key first)."""
    ret = _locked(rma)
    get_state().session.rollback()  # carry_out takes the lock itself, step by step
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcomes = carry_out(ret, admin_actor())
    delayed = any(o.result != "made" for o in outcomes)
    extra = {"delayed": 1} if delayed else {}
    return redirect(url_for("returns.admin_detail", rma=ret.rma, done="fulfil", **extra))


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule(
        "/admin/returns/<rma>/lines/<int:line_id>/resolution",
        "admin_resolution",
        change,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/admin/returns/<rma>/fulfil", "admin_fulfil", carry_out_again, methods=["POST"]
    )
