"""One return on the admin's page: everything about it, and the actions its status allows.

Reading only; the buttons post to :mod:`.actions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from ...carriers.parcel import parcel_view
from ...conversation import reply_templates
from ...documents import booked_shipment, label_available
from ...i18n import (
    action_label,
    actor_label,
    format_money,
    format_when,
    reason_label,
    status_labels,
)
from ...models import Photo, ReturnRequest, ReturnStatus, utcnow
from ...page_parts import native_name
from ...policy import assess_order, claimed_quantities
from ...refunds import propose_refund, refundable_status
from ...state import ReturnsState, get_state
from ...templating import render_page
from ...workflow import can_receive, can_transition, find_return, needs_refund
from ..forms import ConfirmForm
from ..status import photo_response
from .forms import (
    CONDITION_LABELS,
    CONDITIONS,
    AuthorizeForm,
    MessageReplyForm,
    ReceiveForm,
    RefundForm,
    RejectForm,
    ResolutionForm,
    format_major,
)
from .resolution_panel import resolution_choices, resolution_panel

S = ReturnStatus


def return_or_404(rma: str) -> ReturnRequest:
    """The return by RMA, typed in any case."""
    ret = find_return(rma)
    if ret is None:
        abort(404)
    return ret


def refund_applies(ret: ReturnRequest) -> bool:
    """Whether the refund form belongs on this return's page now.

    An authorized return whose goods are not back yet gets it too when the policy
    refunds on receipt: nothing is proposed, but an admin may override the policy.
    A return settled wholly otherwise (replaced, exchanged at the same price,
    credited) owes no money: to pay some, the admin changes a line to a refund.
    """
    return any(needs_refund(line) for line in ret.lines) and refundable_status(ret, overriding=True)


def render_detail(
    ret: ReturnRequest,
    *,
    forms: Mapping[str, Any] | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
    preview: Mapping[str, tuple[str, str]] | None = None,
    code: int = 200,
) -> tuple[str, int]:
    """The return's page; actions re-render it with what was typed and what was wrong."""
    state = get_state()
    order = state.orders.get_order(ret.order_reference)
    verdict = None
    if order is not None:
        verdict = assess_order(
            order,
            claimed_quantities(order.reference, state.session),
            policy=state.policy,
            now=ret.created_at,
        )
    start = (order.delivered_at or order.placed_at) if order is not None else None
    photos_by_line: dict[int | None, list[Photo]] = {}
    for photo in ret.photos:
        if photo.message_id is None:  # a message's photos show in the thread
            photos_by_line.setdefault(photo.line_id, []).append(photo)
    show_refund = refund_applies(ret)
    proposal = propose_refund(ret) if show_refund else None
    chosen = dict(forms or {})
    if "refund" not in chosen and proposal is not None:
        chosen["refund"] = RefundForm(formdata=None)
        chosen["refund"].refund_amount.data = format_major(proposal.maximum, ret.currency)
    page = {
        "authorize": AuthorizeForm(formdata=None),
        "reject": RejectForm(formdata=None),
        "receive": ReceiveForm(formdata=None),
        **chosen,
    }
    can = {
        "authorize": ret.status == S.REQUESTED,
        "reject": can_transition(ret.status, S.REJECTED),
        "receive": can_receive(ret),
        "refund": show_refund,
    }
    return render_page(
        "returns/admin/detail.html",
        ret=ret,
        order=order,
        verdict=verdict,
        days_now=max((utcnow() - start).days, 0) if start else None,
        fee_percent={line.id: state.policy.fee_percent(line.reason) for line in ret.lines},
        photos_by_line=photos_by_line,
        proposal=proposal,
        forms=page,
        can=can,
        values=values or {},
        errors=errors or {},
        problem=problem,
        done=request.args.get("done", ""),
        status_labels=status_labels(),
        action_label=action_label,
        actor_label=actor_label,
        reason_label=reason_label,
        conditions=CONDITIONS,
        condition_labels=CONDITION_LABELS,
        format_when=format_when,
        label_available=label_available(ret),
        parcel=parcel_view(ret),
        shipment_cost=_label_cost(ret),
        label_form=ConfirmForm(formdata=None),
        resolution_panel=resolution_panel(ret, order),
        resolution_choices=resolution_choices(),
        resolution_form=ResolutionForm(formdata=None),
        delayed=request.args.get("delayed") == "1",
        preview=preview,
        customer_language=native_name(ret.customer_locale),
        message_form=MessageReplyForm(formdata=None),
        reply_choices=[(key, str(t.title)) for key, t in reply_templates().items()],
    ), code


def _label_cost(ret: ReturnRequest) -> str:
    shipment = booked_shipment(ret)
    if shipment is None or shipment.cost is None or not shipment.currency:
        return ""
    return format_money(shipment.cost, shipment.currency)


def detail(rma: str) -> tuple[str, int]:
    """Everything about one return, and the actions its status allows."""
    return render_detail(return_or_404(rma))


def photo(rma: str, photo_id: int, size: str) -> Response:
    """A photo of this return, for the admin; same headers as the customer's."""
    ret = return_or_404(rma)
    found = get_state().session.get(Photo, photo_id)
    if found is None or found.return_id != ret.id:
        abort(404)
    return photo_response(found, thumbnail=size == "thumb")


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    blueprint.add_url_rule("/admin/returns/<rma>", "admin_detail", detail)
    blueprint.add_url_rule(
        "/admin/returns/<rma>/photos/<int:photo_id>/<any(full, thumb):size>",
        "admin_photo",
        photo,
    )
