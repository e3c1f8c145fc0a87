"""The admin's buttons: authorize, reject, receive, refund, and the queue's bulk actions.

Each reads its form, calls the workflow (or :mod:`flask_returns.refunds`) as the
signed-in admin, commits, and goes back to the return's page with a notice. A
form with a mistake comes back with what was typed and the message beside the
field; a step the return's status no longer allows (another admin was faster)
says so with 409.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ...carriers import make_label
from ...errors import IllegalTransition, InvalidReturn
from ...fulfilment import carry_out
from ...i18n import gettext as _
from ...i18n import ngettext, status_labels
from ...models import ReturnLine, ReturnRequest
from ...refunds import (
    RefundRefused,
    Refusal,
    check_amount,
    issue_refund,
    propose_refund,
    refund_returns,
)
from ...state import ReturnsState, get_state
from ...templating import render_page
from ...workflow import (
    LineReceipt,
    authorize_return,
    find_return,
    mark_received,
    reject_return,
)
from .access import admin_actor, guard_admin_endpoints
from .detail import refund_applies, render_detail, return_or_404
from .forms import (
    CONDITIONS,
    AuthorizeForm,
    BulkForm,
    ReceiveForm,
    RefundForm,
    RejectForm,
    parse_major,
)

Page = Response | tuple[str, int]


def _locked(rma: str) -> ReturnRequest:
    """The return, its row locked (PostgreSQL) so two admins' clicks take turns."""
    ret = find_return(rma, lock=True)
    if ret is None:
        abort(404)
    return ret


def _invalid(ret: ReturnRequest, name: str, form: FlaskForm) -> Page:
    """A form that failed validation: its own messages, or the expired-token notice."""
    problem = ""
    if "csrf_token" in form.errors:
        problem = _("The form had expired. Please send it again.")
    return render_detail(ret, forms={name: form}, values=request.form, problem=problem, code=400)


def _done(ret: ReturnRequest, action: str, *, delayed: bool = False) -> Response:
    extra = {"delayed": 1} if delayed else {}
    return redirect(url_for("returns.admin_detail", rma=ret.rma, done=action, **extra))


def carried_out_later(ret: ReturnRequest) -> bool:
    """Make what the step made due (a replacement order, store credit); True when the
    shop's system did not answer, so the page says it will be tried again."""
    outcomes = carry_out(ret, admin_actor())
    return any(outcome.result != "made" for outcome in outcomes)


def _not_now(ret: ReturnRequest) -> str:
    return _(
        "This return is now “%(status)s”, so that step no longer applies.",
        status=status_labels().get(ret.status, ret.status),
    )


def _step(ret: ReturnRequest, action: str, run: Callable[[], None]) -> Page:
    """Run one workflow step and commit; on refusal roll back and say why."""
    session = get_state().session
    try:
        run()
    except IllegalTransition:
        session.rollback()
        return render_detail(ret, problem=_not_now(ret), code=409)
    except InvalidReturn:
        session.rollback()
        return render_detail(ret, problem=_("These quantities cannot be taken."), code=400)
    session.commit()
    if action == "authorize":
        make_label(ret, admin_actor())  # after the commit: a failed label never undoes the step
    return _done(ret, action, delayed=carried_out_later(ret))


def _read_quantities(
    lines: list[ReturnLine], form: Mapping[str, str], most: Callable[[ReturnLine], int]
) -> tuple[dict[int, int], dict[str, str]]:
    """``qty-<line id>`` per line, each 0 to ``most(line)``; a missing one means all."""
    quantities: dict[int, int] = {}
    errors: dict[str, str] = {}
    for line in lines:
        name = f"qty-{line.id}"
        text = str(form.get(name, most(line))).strip()
        if text.isdigit() and len(text) < 6 and int(text) <= most(line):
            quantities[line.id] = int(text)
        else:
            errors[name] = _("Enter 0 to %(count)d.", count=most(line))
    return quantities, errors


def authorize(rma: str) -> Page:
    ret = _locked(rma)
    form = AuthorizeForm()
    if not form.validate_on_submit():
        return _invalid(ret, "authorize", form)
    quantities, errors = _read_quantities(
        ret.lines, request.form, lambda line: line.quantity_requested
    )
    if not errors and not any(quantities.values()):
        errors["authorize"] = _("Authorize at least one unit, or reject the return.")
    if errors:
        return render_detail(
            ret, forms={"authorize": form}, values=request.form, errors=errors, code=400
        )
    note = (form.authorization_note.data or "").strip()
    return _step(
        ret,
        "authorize",
        lambda: authorize_return(ret, admin_actor(), quantities=quantities, note=note),
    )


def reject(rma: str) -> Page:
    ret = _locked(rma)
    form = RejectForm()
    if not form.validate_on_submit():
        return _invalid(ret, "reject", form)
    reason = form.rejection_reason.data.strip()
    return _step(ret, "reject", lambda: reject_return(ret, admin_actor(), reason=reason))


def receive(rma: str) -> Page:
    ret = _locked(rma)
    form = ReceiveForm()
    if not form.validate_on_submit():
        return _invalid(ret, "receive", form)
    expected = [line for line in ret.lines if line.quantity_authorized]
    quantities, errors = _read_quantities(
        expected, request.form, lambda line: line.quantity_authorized or 0
    )
    receipts = []
    for line in expected:
        condition = request.form.get(f"condition-{line.id}", "")
        if condition not in CONDITIONS:
            errors[f"condition-{line.id}"] = _("Choose the condition it arrived in.")
        elif line.id in quantities:
            receipts.append(
                LineReceipt(
                    line.id,
                    quantities[line.id],
                    condition=condition,
                    resellable=request.form.get(f"resellable-{line.id}") == "1",
                )
            )
    if errors:
        return render_detail(
            ret, forms={"receive": form}, values=request.form, errors=errors, code=400
        )
    return _step(ret, "receive", lambda: mark_received(ret, admin_actor(), receipts))


def refund(rma: str) -> Page:
    """Refund the amount typed: up to the policy's maximum, or beyond it with a reason."""
    ret = return_or_404(rma)
    form = RefundForm()
    if not form.validate_on_submit():
        return _invalid(ret, "refund", form)
    if not refund_applies(ret):
        return render_detail(ret, problem=_not_now(ret), code=409)
    amount, message = parse_major(form.refund_amount.data or "", ret.currency)
    if message:
        form.refund_amount.errors = [*form.refund_amount.errors, message]
        return render_detail(ret, forms={"refund": form}, code=400)
    override = (form.override_reason.data or "").strip()
    note = (form.refund_note.data or "").strip()
    proposal = propose_refund(ret)
    try:
        # The same rule issue_refund applies again under the lock, read here first to
        # put what is wrong beside the field it concerns.
        check_amount(amount, proposal, override_reason=override)
        if amount < proposal.maximum and not note:
            raise RefundRefused(Refusal.NOTE_NEEDED)
        issue_refund(ret, amount, admin_actor(), note=note, override_reason=override)
    except RefundRefused as refused:
        get_state().session.rollback()
        field = getattr(form, refused.field) if refused.field else None
        if field is None:
            return render_detail(ret, forms={"refund": form}, problem=str(refused), code=409)
        field.errors = [*field.errors, str(refused)]
        return render_detail(ret, forms={"refund": form}, code=400)
    get_state().session.commit()
    return _done(ret, "refund")


# --------------------------------------------------------------------------- bulk


def _bulk_authorize(state: ReturnsState, rma: str) -> str:
    ret = find_return(rma, lock=True)
    if ret is None:
        return _("There is no such return.")
    try:
        authorize_return(ret, admin_actor())
    except IllegalTransition as refused:
        state.session.rollback()
        label = status_labels().get(refused.current, refused.current)
        return _("It is “%(status)s”, so it cannot be authorized.", status=label)
    state.session.commit()
    make_label(ret, admin_actor())
    carry_out(ret, admin_actor())
    return ""


def bulk() -> Page:
    """Apply one action to each chosen return on its own: one failure stops nothing."""
    state = get_state()
    form = BulkForm()
    action = request.form.get("action", "")
    if not form.validate_on_submit() or action not in ("authorize", "refund"):
        abort(400)
    rmas = list(dict.fromkeys(r.strip().upper() for r in request.form.getlist("rma") if r.strip()))
    limit = state.settings["RETURNS_ADMIN_PAGE_SIZE"]
    back = url_for("returns.admin_queue")
    if not rmas or len(rmas) > limit:
        message = (
            _("Choose at least one return first.")
            if not rmas
            else ngettext(
                "Choose at most %(num)d return at once.",
                "Choose at most %(num)d returns at once.",
                limit,
            )
        )
        return render_page("returns/message.html", message=message, back=back), 400

    def went_wrong(rma: str) -> str:  # one return's trouble must not stop the others
        current_app.logger.exception("flask-returns bulk %s failed for %s", action, rma)
        return _("Something went wrong with this one; the details are in the server log.")

    if action == "refund":
        errors = refund_returns(rmas, admin_actor(), on_error=went_wrong)
    else:
        errors = {}
        for rma in rmas:
            try:
                errors[rma] = _bulk_authorize(state, rma)
            except Exception:
                state.session.rollback()
                errors[rma] = went_wrong(rma)
    results = [{"rma": rma, "ok": not errors[rma], "message": errors[rma]} for rma in rmas]
    done = sum(1 for r in results if r["ok"])
    return render_page(
        "returns/admin/bulk_results.html",
        results=results,
        action=action,
        done=done,
        total=len(results),
        back=back,
    ), 200


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    for name, view in (
        ("authorize", authorize),
        ("reject", reject),
        ("receive", receive),
        ("refund", refund),
    ):
        blueprint.add_url_rule(
            f"/admin/returns/<rma>/{name}", f"admin_{name}", view, methods=["POST"]
        )
    blueprint.add_url_rule("/admin/bulk", "admin_bulk", bulk, methods=["POST"])
