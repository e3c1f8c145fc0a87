"""Helpers for the admin tests: sign in, open returns through the customer form, read pages."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from flask_returns.models import Event, Refund, ReturnRequest

from .demo import ADMIN_EMAIL, PASSWORD, SHIRT
from .photo_files import jpeg
from .test_customer_flow import TOKEN, line_index, look_up

RMA = re.compile(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}")


def sign_in(client, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, "sign-in failed"


def admin_client(app):
    client = app.test_client()
    sign_in(client)
    return client


def token_of(page: str) -> str:
    return TOKEN.search(page).group(1)


def open_return(app, order: str = "1001", lines=None, *, photo: bool = False, client=None):
    """Request a return through the customer's form; ``(rma, status path)``.

    ``lines`` maps an item's name to ``(quantity, reason)`` or ``(quantity, reason, comment)``.
    """
    client = client or app.test_client()
    lines = lines or {SHIRT: (1, "size_fit")}
    assert look_up(client, order).status_code == 302
    page = client.get("/returns/new").get_data(as_text=True)
    data: dict = {"csrf_token": token_of(page)}
    for name, (quantity, reason, *comment) in lines.items():
        index = line_index(page, name)
        data |= {f"line-{index}-quantity": str(quantity), f"line-{index}-reason": reason}
        if comment:
            data[f"line-{index}-comment"] = comment[0]
        if photo:
            data[f"line-{index}-photos"] = (io.BytesIO(jpeg()), "photo.jpg")
            photo = False  # one photo is enough
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    path = response.location.split("?")[0]
    rma = RMA.search(client.get(path).get_data(as_text=True)).group(0)
    return rma, path


def load(app, rma: str) -> ReturnRequest:
    """The return as stored now (a fresh read, outside any request)."""
    with app.app_context():
        session = app.extensions["returns"].session
        ret = session.scalar(sa.select(ReturnRequest).filter_by(rma=rma))
        # Touch what the tests read so that it is loaded before the session goes.
        _ = [ret.lines, ret.refunds, ret.events, ret.photos]
        session.expunge_all()
        return ret


def snapshot(app) -> list[tuple]:
    """Everything an admin action could change, to prove that nothing did."""
    with app.app_context():
        session = app.extensions["returns"].session
        returns = session.execute(
            sa.select(ReturnRequest.rma, ReturnRequest.status).order_by(ReturnRequest.id)
        ).all()
        events = session.scalar(sa.select(sa.func.count()).select_from(Event))
        refunds = session.scalar(sa.select(sa.func.count()).select_from(Refund))
        return [*map(tuple, returns), ("events", events), ("refunds", refunds)]


def detail(client, rma: str) -> str:
    response = client.get(f"/returns/admin/returns/{rma}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post_action(client, rma: str, action: str, data: dict | None = None):
    """Post an action from the return's page, with the page's own CSRF token."""
    page = detail(client, rma)
    form = {"csrf_token": token_of(page), **(data or {})}
    return client.post(f"/returns/admin/returns/{rma}/{action}", data=form)


def line_ids(app, rma: str) -> dict[str, int]:
    return {line.name: line.id for line in load(app, rma).lines}


def authorize_all(client, rma: str) -> None:
    assert post_action(client, rma, "authorize").status_code == 302


def receive_all(client, app, rma: str) -> None:
    data = {}
    for line in load(app, rma).lines:
        if line.quantity_authorized:
            data |= {
                f"qty-{line.id}": str(line.quantity_authorized),
                f"condition-{line.id}": "as_new",
                f"resellable-{line.id}": "1",
            }
    assert post_action(client, rma, "receive", data).status_code == 302
