"""Signed links a customer can be e-mailed: they open one return, nothing else.

The token signs the RMA and the return's ``access_key``; replacing that key
revokes every link already sent. There is no expiry: a customer follows a return
for weeks, and the link is as good as the e-mail it sits in.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import current_app, url_for
from itsdangerous import BadData, URLSafeSerializer

from .models import ReturnRequest
from .state import get_state

_SALT = "flask-returns.status-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def status_token(ret: ReturnRequest) -> str:
    return _serializer().dumps([ret.rma, ret.access_key])


def status_url(ret: ReturnRequest, *, external: bool = True) -> str:
    return url_for("returns.status", token=status_token(ret), _external=external)


def return_for_token(token: str) -> ReturnRequest | None:
    """The return a token opens, or None for a forged, altered or revoked token."""
    try:
        rma, access_key = _serializer().loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(rma, str) or not isinstance(access_key, str):
        return None
    ret = get_state().session.scalar(sa.select(ReturnRequest).filter_by(rma=rma))
    if ret is None or not hmac.compare_digest(ret.access_key, access_key):
        return None
    return ret
