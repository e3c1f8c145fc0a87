"""Customer pages to open a return: find the order, choose what goes back.

Views stay thin: they read forms, ask the policy, and call the workflow.
"""

from __future__ import annotations

import time

from flask import Blueprint, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..carriers import make_label
from ..fulfilment import carry_out
from ..i18n import current_locale, reason_label
from ..i18n import gettext as _
from ..links import status_url
from ..models import ReturnRequest, ReturnStatus, utcnow
from ..orders import Order, normalize_email, report_amount_problem
from ..page_parts import cost_hints, reason_options
from ..policy import Eligibility, assess_order, claimed_quantities
from ..state import ReturnsState, get_state
from ..templating import render_page
from ..workflow import Actor, LineRequest, request_return
from .forms import OrderLookupForm, ReturnRequestForm
from .line_choices import LineChoice, read_line_choices, sign_kept
from .line_offers import options_for_order
from .lookup_limit import limit_failed_lookups

SESSION_ORDER = "returns_order"
# How long a successful look-up lets the customer fill in the form.
LOOKUP_LIFETIME = 3600


def start() -> str | Response | tuple[str, int]:
    """Where a customer begins: find the order to return items from."""
    form = OrderLookupForm()
    if request.method == "GET":
        form.order_number.data = request.args.get("order", "")[:64]
        form.email.data = request.args.get("email", "")[:254]
        return render_page("returns/start.html", form=form)
    if form.validate_on_submit():
        order = get_state().orders.find_order(form.order_number.data, form.email.data)
        if order is not None:
            session[SESSION_ORDER] = {
                "reference": order.reference,
                "email": normalize_email(order.email),
                "at": int(time.time()),
            }
            return redirect(url_for("returns.new_return"))
        # One message whichever part was wrong: no hint for someone guessing.
        message = _("We could not find an order with that number and e-mail address.")
        return render_page("returns/start.html", form=form, message=message), 404
    return render_page("returns/start.html", form=form), 400


def _order_from_session() -> Order | None:
    found = session.get(SESSION_ORDER)
    if not isinstance(found, dict) or time.time() - found.get("at", 0) > LOOKUP_LIFETIME:
        return None
    order = get_state().orders.get_order(str(found.get("reference", "")))
    if order is None or normalize_email(order.email) != found.get("email"):
        return None
    return order


def _assess(order: Order) -> Eligibility:
    state = get_state()
    return assess_order(
        order,
        claimed_quantities(order.reference, state.session),
        policy=state.policy,
        now=utcnow(),
    )


def new_return() -> str | Response | tuple[str, int]:
    """Choose lines, quantities, reasons and photos; on success, open the return."""
    order = _order_from_session()
    if order is None:
        return redirect(url_for("returns.start"))
    if report_amount_problem(order) is not None:
        # The shop's data is wrong, not the customer: say so plainly, refund nothing.
        message = _(
            "This order cannot be returned online right now. Please contact us and "
            "we will sort it out."
        )
        return render_page("returns/message.html", message=message), 409
    state = get_state()
    eligibility = _assess(order)
    form = ReturnRequestForm()
    page = {
        "order": order,
        "eligibility": eligibility,
        "form": form,
        "reason_options": reason_options,
        "reason_hints": cost_hints(),
        # Not used by our template; kept for shops whose own template lists them.
        "reason_label": reason_label,
        "reasons": state.policy.reasons,
        "photo_reasons": state.policy.photo_reasons,
    }
    page["line_options"] = options_for_order(order, eligibility)
    if request.method == "GET" or not eligibility.eligible:
        return render_page("returns/new_return.html", choices={}, problems=[], **page)
    if not form.validate_on_submit():
        return render_page("returns/new_return.html", choices={}, problems=[], **page), 400
    choices, problems = read_line_choices(state, order, eligibility, request.form, request.files)
    if problems or any(c.errors for c in choices):
        by_index = {c.verdict.index: c for c in choices}
        page["line_options"] = options_for_order(
            order, eligibility, {c.verdict.index: c.reason for c in choices}
        )
        return render_page(
            "returns/new_return.html",
            choices=by_index,
            problems=problems,
            invalid=True,
            sign_kept=sign_kept,
            **page,
        ), 400
    ret = _open_return(state, order, choices, form.comment.data or "")
    return redirect(status_url(ret, external=False) + "?created=1")


def _open_return(
    state: ReturnsState, order: Order, choices: list[LineChoice], comment: str
) -> ReturnRequest:
    chosen = [c for c in choices if c.quantity > 0]
    ret = request_return(
        order,
        [
            LineRequest(
                c.verdict.line.id,
                c.quantity,
                c.reason,
                c.comment.strip(),
                c.photos,
                resolution=c.resolution,
                exchange_sku=c.exchange_sku,
            )
            for c in chosen
        ],
        Actor.customer(normalize_email(order.email)),
        locale=str(current_locale()),
        comment=comment.strip(),
    )
    state.session.commit()
    session.pop(SESSION_ORDER, None)
    if ret.status == ReturnStatus.AUTHORIZED:  # the policy authorized it at once
        make_label(ret, Actor.system("auto_authorization"))
        carry_out(ret, Actor.system("auto_authorization"))
    return ret


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    limited = limit_failed_lookups(state)
    blueprint.add_url_rule("/", "start", limited(start), methods=["GET", "POST"])
    blueprint.add_url_rule("/new", "new_return", new_return, methods=["GET", "POST"])
