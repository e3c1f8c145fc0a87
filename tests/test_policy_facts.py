"""The policy object is the one source of policy facts: what the packing page and the
e-mails promise is what the code does, even when a host's RETURNS_POLICY differs from
the RETURNS_* settings."""

from __future__ import annotations

from flask_returns.documents.facts import gather_facts
from flask_returns.documents.label import render_label_html
from flask_returns.mail import compose
from flask_returns.models import Base, Refund
from flask_returns.policy import ReturnPolicy
from flask_returns.settings import DEFAULT_REASONS
from flask_returns.workflow import Actor, LineRequest, authorize_return, request_return

from .hosts import MemoryOrders, make_host, make_order
from .label_helpers import LABEL_SETTINGS


def test_the_label_and_emails_follow_the_policy_object_not_the_settings(tmp_path):
    orders = MemoryOrders(make_order())
    app = make_host(
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        orders,
        **LABEL_SETTINGS,
        RETURNS_STORAGE_PATH=str(tmp_path / "files"),
        # The settings say one thing...
        RETURNS_REFUND_TIMING="receipt",
        RETURNS_REFUND_DAYS=10,
        # ...the host's policy object another; the policy object wins everywhere.
        RETURNS_POLICY=ReturnPolicy(
            reasons=DEFAULT_REASONS, refund_timing="authorization", refund_days=3
        ),
    )
    with app.app_context():
        Base.metadata.create_all(app.extensions["test_db"].engine)
        order = orders.find_order("N9001", "buyer@example.com")
        ret = request_return(
            order, [LineRequest("L1", 1, "size_fit")], Actor.customer(order.email), locale="en"
        )
        authorize_return(ret, Actor.admin("1"))
        facts = gather_facts(ret)
        assert (facts.refund_days, facts.refund_on_authorization) == (3, True)
        page = render_label_html(facts)
        assert "We refund you without waiting for the parcel" in page
        assert "up to 3 days" in page and "10 days" not in page
        refund = Refund(amount=500, currency="EUR", attempt=1, status="succeeded")
        mail = compose(ret, "refund_issued", refund=refund)
        assert "up to 3 days" in mail.text and "10 days" not in mail.text
