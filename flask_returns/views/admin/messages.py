"""The admin answers a customer: free text as written, or a reply template filled in
the customer's language, shown in both languages before it is sent."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from ...conversation import MessageRefused, Refusal, checked_body, render_reply, reply_templates
from ...i18n import current_locale_code
from ...state import ReturnsState, get_state
from ...workflow import find_return, write_to_customer
from .access import admin_actor, guard_admin_endpoints
from .detail import render_detail
from .forms import MessageReplyForm

Page = Response | tuple[str, int]


def answer(rma: str) -> Page:
    """Preview a template in both languages, or send the message."""
    ret = find_return(rma, lock=True)
    if ret is None:
        abort(404)
    state = get_state()
    form = MessageReplyForm()
    values = request.form
    if not form.validate_on_submit():
        state.session.rollback()
        return render_detail(ret, values=values, errors={"message": ""}, code=400)
    key = request.form.get("template", "")
    template = reply_templates().get(key) if key else None
    asks = request.form.get("asks_customer") == "1"
    try:
        if key and template is None:
            raise MessageRefused(Refusal.UNKNOWN_TEMPLATE)
        if template is not None:
            if request.form.get("action") == "preview":
                state.session.rollback()
                preview = {
                    "admin": render_reply(template, ret, current_locale_code()),
                    "customer": render_reply(template, ret, ret.customer_locale),
                }
                return render_detail(ret, values=values, preview=preview, code=200)
            body = render_reply(template, ret, ret.customer_locale)[1]
            asks = asks or template.asks_customer
        else:
            body = checked_body(request.form.get("body", ""))
    except MessageRefused as refused:
        state.session.rollback()
        return render_detail(ret, values=values, errors={"message": str(refused)}, code=400)
    write_to_customer(ret, admin_actor(), body, asks_customer=asks, template=key or None)
    state.session.commit()
    return redirect(
        url_for("returns.admin_detail", rma=ret.rma, done="message", _anchor="messages")
    )


def register(blueprint: Blueprint, state: ReturnsState) -> None:
    guard_admin_endpoints(blueprint)
    blueprint.add_url_rule(
        "/admin/returns/<rma>/messages", "admin_message", answer, methods=["POST"]
    )
