"""Only the host's admins reach the admin pages; every admin form needs its CSRF token."""

from __future__ import annotations

import logging

import pytest
from flask import url_for
from flask_login import current_user

from example_shop.carrier import carrier_settings

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    line_ids,
    load,
    open_return,
    receive_all,
    sign_in,
    snapshot,
    token_of,
)
from .demo import ADMIN_EMAIL, BUYERS, MUG, SHIRT, SNEAKERS
from .hosts import make_host

# The refusal page, in English or (for the Polish demo customer) in Polish.
FORBIDDEN = ("This page is for the shop&#39;s staff.", "Ta strona jest przeznaczona dla obsługi")


def _admin_rules() -> list[tuple[str, tuple[str, ...]]]:
    """Every admin endpoint the blueprint has, with its methods (read from a bare host)."""
    app = make_host("sqlite://")
    return sorted(
        (rule.endpoint, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("returns.admin")
    )


ADMIN_RULES = _admin_rules()
POST_ENDPOINTS = [endpoint for endpoint, methods in ADMIN_RULES if "POST" in methods]


def test_the_admin_endpoints_are_all_there():
    assert {endpoint for endpoint, _ in ADMIN_RULES} == {
        "returns.admin_queue",
        "returns.admin_detail",
        "returns.admin_photo",
        "returns.admin_authorize",
        "returns.admin_reject",
        "returns.admin_receive",
        "returns.admin_refund",
        "returns.admin_bulk",
        "returns.admin_label_pdf",
        "returns.admin_label_reprint",
        "returns.admin_label_book",
        "returns.admin_exports",
        "returns.admin_export_download",
        "returns.admin_dashboard",
        "returns.admin_resolution",
        "returns.admin_fulfil",
        "returns.admin_message",
    }


def _url(app, endpoint: str, rma: str, photo_id: int, line_id: int = 0) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"rma": rma, "photo_id": photo_id, "size": "full", "line_id": line_id}
    with app.test_request_context():
        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def _refused(response) -> bool:
    if response.status_code == 302:
        return "/login" in response.location
    page = response.get_data(as_text=True)
    return response.status_code == 403 and any(text in page for text in FORBIDDEN)


@pytest.mark.parametrize(("endpoint", "methods"), ADMIN_RULES, ids=[e for e, _ in ADMIN_RULES])
def test_customers_and_strangers_are_refused(unpaid_shop_app, endpoint, methods):
    rma, status_path = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "damaged")}, photo=True)
    ret = load(unpaid_shop_app, rma)
    url = _url(unpaid_shop_app, endpoint, rma, ret.photos[0].id, ret.lines[0].id)
    token = status_path.rsplit("/", 1)[1]
    anonymous = unpaid_shop_app.test_client()
    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS["1001"])
    holder = unpaid_shop_app.test_client()  # has the return's status link
    assert holder.get(status_path).status_code == 200
    line_id = ret.lines[0].id
    before = snapshot(unpaid_shop_app)
    for who in (anonymous, customer, holder):
        # A valid CSRF token of the client's own session: only the permission can refuse.
        csrf = token_of(who.get(status_path).get_data(as_text=True))
        data = {
            "csrf_token": csrf,
            "rma": rma,
            "action": "authorize",
            f"qty-{line_id}": "1",
            f"condition-{line_id}": "as_new",
            "rejection_reason": "no",
            "refund_amount": "1.00",
            "refund_note": "x",
        }
        for target in (url, f"{url}?token={token}"):
            for method in methods:
                response = who.open(target, method=method, data=data if method == "POST" else None)
                assert _refused(response), (method, target, response.status_code)
    assert snapshot(unpaid_shop_app) == before


@pytest.mark.parametrize("endpoint", [e for e, m in ADMIN_RULES if "GET" in m])
def test_admins_do_get_in(unpaid_shop_app, endpoint):
    rma, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "damaged")}, photo=True)
    url = _url(unpaid_shop_app, endpoint, rma, load(unpaid_shop_app, rma).photos[0].id)
    admin = admin_client(unpaid_shop_app)
    if endpoint == "returns.admin_label_pdf":  # a label exists once the return is authorized
        authorize_all(admin, rma)
    assert admin.get(url).status_code == 200


def _ready_for(app, admin, endpoint: str) -> tuple[str, dict]:
    """A return in the status where ``endpoint`` applies, and a form that would work."""
    if endpoint == "returns.admin_bulk":
        rma, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
        return rma, {"rma": rma, "action": "authorize"}
    rma, _ = open_return(app, "1001", {SHIRT: (2, "size_fit"), MUG: (1, "size_fit")})
    ids = line_ids(app, rma)
    if endpoint in ("returns.admin_authorize", "returns.admin_reject"):
        return rma, {f"qty-{ids[SHIRT]}": "1", "rejection_reason": "Worn."}
    if endpoint == "returns.admin_resolution":
        return rma, {"resolution": "store_credit", "resolution_note": "Credit instead."}
    if endpoint == "returns.admin_message":
        return rma, {"body": "We have your question.", "action": "send"}
    if endpoint == "returns.admin_fulfil":  # asking again needs nothing more
        return rma, {}
    authorize_all(admin, rma)
    if endpoint == "returns.admin_label_book":  # the carrier failed at authorization
        return rma, {}
    if endpoint == "returns.admin_receive":
        return rma, {f"qty-{i}": "1" for i in ids.values()} | {
            f"condition-{i}": "as_new" for i in ids.values()
        }
    receive_all(admin, app, rma)
    return rma, {"refund_amount": "1.00", "refund_note": "test"}


# These forms start from an authorized return, whose page reads the payment at Stripe.
NEEDS_PAYMENT = {
    "returns.admin_receive",
    "returns.admin_refund",
    "returns.admin_label_reprint",
    "returns.admin_label_book",
}
# Booking a missing label needs a carrier platform (its fake) whose first purchase failed.
BOOKS_LABELS = {"returns.admin_label_book"}


# Asks the shop's system again for what a return is owed: with nothing owed, nothing
# changes, so only the answer shows that the token was all that was missing.
ASKS_AGAIN = {"returns.admin_fulfil"}


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_every_admin_form_needs_its_csrf_token(
    request, make_shop_app, make_unpaid_shop_app, endpoint, token
):
    config = {}
    if endpoint in BOOKS_LABELS:
        fake = request.getfixturevalue("easypost")
        fake.fail_next(r"/buy$", status=503)
        config = carrier_settings("easypost", fake)
    shop_app = (make_shop_app if endpoint in NEEDS_PAYMENT else make_unpaid_shop_app)(**config)
    admin = admin_client(shop_app)
    rma, data = _ready_for(shop_app, admin, endpoint)
    url = _url(shop_app, endpoint, rma, 0, next(iter(line_ids(shop_app, rma).values())))
    if token == "forged":
        data["csrf_token"] = "IjAwMDAi.forged.token"
    before = snapshot(shop_app)
    response = admin.post(url, data=data)
    assert response.status_code == 400
    assert snapshot(shop_app) == before
    # The same form with the page's token goes through: the token was all that was missing.
    data["csrf_token"] = token_of(detail(admin, rma))
    assert admin.post(url, data=data).status_code in (200, 302)
    if endpoint not in ASKS_AGAIN:
        assert snapshot(shop_app) != before


def test_without_a_permission_function_nobody_gets_in(make_unpaid_shop_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_unpaid_shop_app(RETURNS_ADMIN_PERMISSION=None)
    assert (
        "flask-returns admin pages deny everyone until RETURNS_ADMIN_PERMISSION is set"
        in caplog.text
    )
    admin = admin_client(app)
    assert admin.get("/returns/admin/").status_code == 403
    rma, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
    assert admin.get(f"/returns/admin/returns/{rma}").status_code == 403
    before = snapshot(app)
    assert (
        admin.post("/returns/admin/bulk", data={"rma": rma, "action": "authorize"}).status_code
        == 403
    )
    assert snapshot(app) == before


def test_a_permission_function_silences_the_warning(make_unpaid_shop_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_unpaid_shop_app()
    assert "RETURNS_ADMIN_PERMISSION" not in caplog.text


def test_the_hosts_identity_function_names_the_admin_in_the_history(make_unpaid_shop_app):
    app = make_unpaid_shop_app(RETURNS_ADMIN_IDENTITY=lambda: f"shop:{current_user.email}")
    rma, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
    authorize_all(admin_client(app), rma)
    event = load(app, rma).events[-1]
    assert (event.actor_kind, event.actor_id) == ("admin", f"shop:{ADMIN_EMAIL}")


def test_no_identity_means_no_entry(make_unpaid_shop_app):
    app = make_unpaid_shop_app(
        RETURNS_ADMIN_PERMISSION=lambda: True, RETURNS_ADMIN_IDENTITY=lambda: None
    )
    assert app.test_client().get("/returns/admin/").status_code == 403
