"""Signed links a customer can be e-mailed: they open one return, nothing else.

The token signs the RMA and the return's ``access_key``; replacing that key
revokes every link already sent. There is no expiry: a customer follows a return
for weeks, and the link is as good as the e-mail it sits in.
"""

from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import joinedload, selectinload

from .models import Message, ReturnRequest
from .state import get_state

_SALT = "flask-returns.status-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def status_token(ret: ReturnRequest) -> str:
    return _serializer().dumps([ret.rma, ret.access_key])


def status_url(ret: ReturnRequest, *, external: bool = True) -> str:
    if external:
        return external_url("returns.status", token=status_token(ret))
    return url_for("returns.status", token=status_token(ret))


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute address for e-mails and PDFs, also outside a request.

    ``RETURNS_PUBLIC_URL`` wins when set: mail sent by a cron job has no request to
    borrow a host name from, and behind a proxy the request's may be an internal one.
    """
    public = get_state().settings["RETURNS_PUBLIC_URL"]
    if public is None:
        if not has_request_context():
            raise RuntimeError("set RETURNS_PUBLIC_URL to build customer links outside a request")
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return public + path


_BY_RMA = sa.select(ReturnRequest).where(ReturnRequest.rma == sa.bindparam("rma"))
# The status page shows all three: one round trip instead of four. The join's rows
# are lines x photos x refunds, all short lists (photos are capped per return).
_BY_RMA_WITH_DETAILS = _BY_RMA.options(
    joinedload(ReturnRequest.lines),
    joinedload(ReturnRequest.photos),
    joinedload(ReturnRequest.refunds),
    # Rarely more than one; a second query keeps the join from multiplying rows.
    selectinload(ReturnRequest.fulfilments),
    selectinload(ReturnRequest.messages).selectinload(Message.photos),
)


def return_for_token(token: str, *, with_details: bool = False) -> ReturnRequest | None:
    """The return a token opens, or None for a forged, altered or revoked token.

    ``with_details`` loads its lines, photos and refunds in the same query (and
    what the shop made for it, and its messages, in a few more).
    """
    try:
        rma, access_key = _serializer().loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(rma, str) or not isinstance(access_key, str):
        return None
    statement = _BY_RMA_WITH_DETAILS if with_details else _BY_RMA
    ret = get_state().session.execute(statement, {"rma": rma}).unique().scalar_one_or_none()
    if ret is None or not hmac.compare_digest(ret.access_key, access_key):
        return None
    return ret
