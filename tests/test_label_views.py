"""Getting the label: made at authorization, the customer's and the admin's downloads, reprint."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_returns import ConfigurationError, Returns
from flask_returns.documents import label
from flask_returns.documents.pdf import harfbuzz_subset_available
from flask_returns.models import LabelDocument

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    load,
    open_return,
    post_action,
    receive_all,
    sign_in,
    token_of,
)
from .conftest import ROOT
from .demo import BUYERS, KETTLE, SHIRT, SNEAKERS
from .hosts import MemoryOrders
from .label_helpers import RETURN_ADDRESS, pdf_text, squeeze


def _documents(app, rma: str) -> list[LabelDocument]:
    ret = load(app, rma)
    with app.app_context():
        session = app.extensions["returns"].session
        rows = session.scalars(
            sa.select(LabelDocument).filter_by(return_id=ret.id).order_by(LabelDocument.id)
        ).all()
        session.expunge_all()
        return rows


def test_made_at_authorization_and_downloaded_by_the_link_holder(unpaid_shop_app):
    rma, path = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    customer = unpaid_shop_app.test_client()
    assert customer.get(f"{path}/label.pdf").status_code == 404
    assert "label.pdf" not in customer.get(path).get_data(as_text=True)

    authorize_all(admin_client(unpaid_shop_app), rma)
    made = _documents(unpaid_shop_app, rma)
    assert len(made) == 1  # rendered right after the authorization, before anyone asked

    assert f'href="{path}/label.pdf"' in customer.get(path).get_data(as_text=True)
    response = customer.get(f"{path}/label.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="return-label-{rma}.pdf"'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = squeeze(pdf_text(response.data))
    for part in (rma, "AnnaNowak", "ul.Długa5/3", "00-238Warszawa", "ExampleShopReturns"):
        assert part in text, part
    # Served from storage: no second document; a revalidation costs nothing.
    assert len(_documents(unpaid_shop_app, rma)) == 1
    again = customer.get(f"{path}/label.pdf", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_only_the_returns_own_link_and_only_while_a_label_applies(shop_app):
    admin = admin_client(shop_app)
    authorized, authorized_path = open_return(shop_app, "1001", {SHIRT: (1, "size_fit")})
    rejected, rejected_path = open_return(shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    _cancelled, cancelled_path = open_return(shop_app, "1004", {KETTLE: (1, "changed_mind")})
    authorize_all(admin, authorized)
    assert post_action(admin, rejected, "reject", {"rejection_reason": "Worn"}).status_code == 302
    client = shop_app.test_client()
    csrf = token_of(client.get(cancelled_path).get_data(as_text=True))
    assert client.post(f"{cancelled_path}/cancel", data={"csrf_token": csrf}).status_code == 302

    assert client.get(f"{authorized_path}/label.pdf").status_code == 200
    for path in (rejected_path, cancelled_path):
        assert client.get(f"{path}/label.pdf").status_code == 404
    forged = authorized_path[:-3] + ("abc" if not authorized_path.endswith("abc") else "xyz")
    assert client.get(f"{forged}/label.pdf").status_code == 404
    assert client.get("/returns/status/nonsense/label.pdf").status_code == 404
    # Received and refunded returns keep their label (the parcel may still be on its way).
    receive_all(admin, shop_app, authorized)
    assert client.get(f"{authorized_path}/label.pdf").status_code == 200


def test_admins_download_and_reprint_on_record(shop_app):
    rma, path = open_return(shop_app, "1001", {SHIRT: (1, "size_fit")})
    admin = admin_client(shop_app)
    page = detail(admin, rma)
    assert "label.pdf" not in page  # nothing to print before authorization
    assert post_action(admin, rma, "label/reprint").status_code == 409
    authorize_all(admin, rma)
    page = detail(admin, rma)
    assert f'href="/returns/admin/returns/{rma}/label.pdf"' in page
    response = admin.get(f"/returns/admin/returns/{rma}/label.pdf")
    assert response.status_code == 200 and rma in pdf_text(response.data)

    events_before = len(load(shop_app, rma).events)
    reprinted = post_action(admin, rma, "label/reprint")
    assert reprinted.status_code == 302 and "done=label_reprint" in reprinted.location
    ret = load(shop_app, rma)
    assert ret.status == "authorized"
    assert len(ret.events) == events_before + 1
    event = ret.events[-1]
    assert (event.action, event.from_status, event.to_status) == ("label_reprinted", None, None)
    assert event.actor_kind == "admin" and event.actor_id
    documents = _documents(shop_app, rma)
    assert len(documents) == 2 and event.details["document"] == documents[-1].id
    assert documents[-1].created_by == event.actor_id
    assert "Label reprinted" in detail(admin, rma)
    # The customer now gets the new file.
    with shop_app.app_context():
        newest = shop_app.extensions["returns"].storage.load(documents[-1].storage_key)
    assert shop_app.test_client().get(f"{path}/label.pdf").data == newest


def test_customers_cannot_use_the_admin_routes(unpaid_shop_app):
    rma, path = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    authorize_all(admin_client(unpaid_shop_app), rma)
    customer = unpaid_shop_app.test_client()
    sign_in(customer, BUYERS["1001"])
    csrf = token_of(customer.get(path).get_data(as_text=True))
    before = len(_documents(unpaid_shop_app, rma))
    assert customer.get(f"/returns/admin/returns/{rma}/label.pdf").status_code == 403
    response = customer.post(
        f"/returns/admin/returns/{rma}/label/reprint", data={"csrf_token": csrf}
    )
    assert response.status_code == 403
    assert len(_documents(unpaid_shop_app, rma)) == before


def test_reprint_needs_the_csrf_token(shop_app):
    rma, _ = open_return(shop_app, "1001", {SHIRT: (1, "size_fit")})
    admin = admin_client(shop_app)
    authorize_all(admin, rma)
    response = admin.post(f"/returns/admin/returns/{rma}/label/reprint", data={})
    assert response.status_code == 400
    assert len(_documents(shop_app, rma)) == 1


def test_a_failed_label_never_undoes_the_authorization(unpaid_shop_app, monkeypatch, caplog):
    def broken(facts):
        raise RuntimeError("printer on fire")

    rma, path = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    monkeypatch.setattr(label, "render_document", broken)
    with caplog.at_level(logging.ERROR, logger="flask_returns.documents"):
        authorize_all(admin_client(unpaid_shop_app), rma)
    assert load(unpaid_shop_app, rma).status == "authorized"
    assert _documents(unpaid_shop_app, rma) == []
    assert f"could not make the label of {rma}" in caplog.text
    monkeypatch.undo()
    # The first download makes it instead.
    response = unpaid_shop_app.test_client().get(f"{path}/label.pdf")
    assert response.status_code == 200 and len(_documents(unpaid_shop_app, rma)) == 1


def test_bulk_authorization_makes_each_label(unpaid_shop_app):
    first, _ = open_return(unpaid_shop_app, "1001", {SHIRT: (1, "size_fit")})
    second, _ = open_return(unpaid_shop_app, "1003", {SNEAKERS: (1, "size_fit")})
    admin = admin_client(unpaid_shop_app)
    token = token_of(admin.get("/returns/admin/").get_data(as_text=True))
    response = admin.post(
        "/returns/admin/bulk",
        data={"csrf_token": token, "action": "authorize", "rma": [first, second]},
    )
    assert response.status_code == 200
    assert [len(_documents(unpaid_shop_app, rma)) for rma in (first, second)] == [1, 1]


# --------------------------------------------------------------------------- imports


IMPORT_PROBE = textwrap.dedent(
    """
    import json, sys
    import sqlalchemy as sa
    from flask_returns import schema
    from flask_returns.links import status_token
    from flask_returns.workflow import Actor, LineRequest, authorize_return, request_return
    from tests.hosts import MemoryOrders, make_host, make_order
    from tests.label_helpers import LABEL_SETTINGS

    url, files = sys.argv[1], sys.argv[2]
    engine = sa.create_engine(url)
    schema.upgrade(engine)
    order = make_order()
    app = make_host(
        url, MemoryOrders(order), RETURNS_STORAGE_PATH=files,
        RETURNS_ADMIN_PERMISSION=lambda: True, RETURNS_ADMIN_IDENTITY=lambda: "a1",
        **LABEL_SETTINGS,
    )
    with app.app_context():
        session = app.extensions["test_db"].session
        ret = request_return(order, [LineRequest("L1", 1, "size_fit")], Actor.customer("b"),
                             locale="pl")
        session.flush()
        authorize_return(ret, Actor.admin("a1"))
        session.commit()
        token, rma = status_token(ret), ret.rma
    client = app.test_client()
    status = client.get(f"/returns/status/{token}")
    admin = client.get(f"/returns/admin/returns/{rma}")
    heavy = sorted(
        m for m in sys.modules if m.split(".")[0] in ("weasyprint", "pypdf", "segno", "barcode")
    )
    print(json.dumps({
        "status": status.status_code, "admin": admin.status_code,
        "linked": "label.pdf" in status.get_data(as_text=True)
                  and "label.pdf" in admin.get_data(as_text=True),
        "documents": "flask_returns.documents" in sys.modules,
        "heavy": heavy,
    }))
    """
)


def test_pages_that_render_nothing_never_import_weasyprint(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, f"sqlite:///{tmp_path / 'probe.db'}", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "status": 200,
        "admin": 200,
        "linked": True,
        "documents": True,
        "heavy": [],
    }


# --------------------------------------------------------------------------- settings


def _app(**config: object) -> Flask:
    app = Flask("host")
    app.config.update({"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config})
    SQLAlchemy(app)
    return app


class NoName:
    def label_for(self, request):
        return None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("RETURNS_RETURN_ADDRESS", "Berlin", "RETURNS_RETURN_ADDRESS must be a dict"),
        ("RETURNS_RETURN_ADDRESS", {**RETURN_ADDRESS, "zip": "1"}, "must be a dict with the keys"),
        ("RETURNS_RETURN_ADDRESS", {**RETURN_ADDRESS, "city": " "}, "lacks city"),
        ("RETURNS_RETURN_ADDRESS", {**RETURN_ADDRESS, "country": "Germany"}, "ISO 3166"),
        ("RETURNS_RETURN_ADDRESS", {**RETURN_ADDRESS, "line2": 7}, "must be a string"),
        ("RETURNS_LABEL_PAGE_SIZE", "A5", "RETURNS_LABEL_PAGE_SIZE must be one of 4x6, A4, Letter"),
        ("RETURNS_DROP_OFF_DAYS", 0, "RETURNS_DROP_OFF_DAYS must be an integer >= 1"),
        ("RETURNS_REFUND_DAYS", "10", "RETURNS_REFUND_DAYS must be an integer"),
        ("RETURNS_SHOP_CONTACT", {"fax": "1"}, "RETURNS_SHOP_CONTACT must be a dict"),
        ("RETURNS_SHOP_CONTACT", "shop@example.com", "RETURNS_SHOP_CONTACT must be a dict"),
        ("RETURNS_LABEL_PROVIDER", NoName(), "RETURNS_LABEL_PROVIDER must have a `name`"),
        ("RETURNS_CARRIER_ACCOUNT", 1234, "RETURNS_CARRIER_ACCOUNT must be a string"),
    ],
)
def test_label_settings_are_checked_at_start_up(key, value, message):
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        Returns(_app(**{key: value}), orders=MemoryOrders())


def test_start_up_says_when_labels_are_off_or_would_be_slow(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING):
        Returns(_app(), orders=MemoryOrders())
    assert "no return labels until RETURNS_RETURN_ADDRESS is set" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        Returns(_app(RETURNS_RETURN_ADDRESS=RETURN_ADDRESS), orders=MemoryOrders())
    assert "libharfbuzz" not in caplog.text and "no return labels" not in caplog.text
    assert harfbuzz_subset_available()
    monkeypatch.setattr("flask_returns.documents.startup.harfbuzz_subset_available", lambda: False)
    with caplog.at_level(logging.WARNING):
        Returns(_app(RETURNS_RETURN_ADDRESS=RETURN_ADDRESS), orders=MemoryOrders())
    assert "libharfbuzz-subset is missing" in caplog.text
