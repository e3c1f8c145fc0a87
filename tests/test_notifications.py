"""Customer e-mails: each step's message reaches a real SMTP server, in the customer's language."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from babel.numbers import format_currency
from markupsafe import escape

from flask_returns import signals
from flask_returns.i18n import format_money, gettext, using_locale
from flask_returns.mail import compose
from flask_returns.mail.mailer import build_message
from flask_returns.models import OutboxMessage, ReturnRequest
from flask_returns.settings import MAIL_KINDS
from flask_returns.workflow import Actor, authorize_return

from .admin_helpers import (
    admin_client,
    authorize_all,
    detail,
    load,
    open_return,
    post_action,
    receive_all,
    token_of,
)
from .demo import BUYERS, SHIRT, SNEAKERS
from .factories import make_return
from .hosts import MemoryOrders, make_order
from .mail_helpers import link_path, mail_config, outbox_rows, parts

STATUS_LINK = re.compile(r"http://localhost/returns/status/[\w.-]+")
AMOUNT = re.compile(r'name="refund_amount" type="text" value="([^"]*)"')


@pytest.fixture
def app(make_unpaid_shop_app, smtp):
    """The shop mailing through the test SMTP server (no refunds: its orders are unpaid)."""
    return make_unpaid_shop_app(**mail_config(smtp))


def polish_client(app):
    """A customer whose pages (and so whose stored language) are Polish."""
    client = app.test_client()
    client.get("/returns/?lang=pl")
    return client


def test_request_received_arrives_in_the_customers_language_with_a_working_link(app, smtp):
    rma, _ = open_return(app, "1001", {SHIRT: (1, "size_fit")}, client=polish_client(app))
    (message,) = smtp.wait_for(1)
    assert rma in message["Subject"]
    assert message["To"] == BUYERS["1001"]
    assert message["From"].addresses[0].addr_spec == "returns@shop.example"
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "pl"
    text, html = parts(message)
    for body in (text, html):
        assert rma in body
        # Messages the Polish catalog already has come out in Polish.
        assert "Co dalej" in body
        assert "Sprawdzimy Twoje zgłoszenie" in body
        assert "Organic T-shirt, blue, M" in body
    link = STATUS_LINK.search(text).group(0)
    assert f'href="{link}"' in html
    page = app.test_client().get(link_path(link))
    assert page.status_code == 200 and rma in page.get_data(as_text=True)
    (row,) = outbox_rows(app)
    assert (row.kind, row.status, row.attempts, row.locale) == ("request_received", "sent", 1, "pl")
    assert row.message_id == message["Message-ID"].strip()


def test_authorized_mail_carries_the_label_pdf_and_its_link(app, smtp):
    rma, _ = open_return(app, "1001", {SHIRT: (1, "size_fit")}, client=polish_client(app))
    admin = admin_client(app)  # the admin works in English; the customer reads Polish
    authorize_all(admin, rma)
    message = smtp.wait_for(2)[1]
    with app.app_context(), using_locale("pl"):
        subject = gettext("Your return %(rma)s has been authorized", rma=rma)
    assert message["Subject"] == subject and subject != f"Your return {rma} has been authorized"
    assert message.get_content_type() == "multipart/mixed"
    text, html = parts(message)
    assert "Twój zwrot został zaakceptowany" in text and "Twój zwrot został zaakceptowany" in html
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"return-{rma}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    label_link = re.search(r"http://localhost/returns/status/[\w.-]+/label\.pdf", text).group(0)
    assert f'href="{label_link}"' in html
    served = app.test_client().get(link_path(label_link))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    ret = load(app, rma)
    drop_off = format_date(ret.authorized_at + timedelta(days=14), "long", locale="pl")
    assert drop_off in text and drop_off in html


def test_rejection_reason_reaches_the_customer_escaped_in_html(app, smtp):
    rma, _ = open_return(app, "1003", {SNEAKERS: (1, "size_fit")})
    reason = 'Worn <script>alert("x")</script> & <b>dirty</b>\nSee the photos.'
    admin = admin_client(app)
    assert post_action(admin, rma, "reject", {"rejection_reason": reason}).status_code == 302
    message = smtp.wait_for(2)[1]
    assert rma in message["Subject"]
    text, html = parts(message)
    assert reason.replace("\r\n", "\n") in text.replace("\r\n", "\n")
    assert "<script" not in html and "<b>dirty" not in html
    assert str(escape('Worn <script>alert("x")</script> & <b>dirty</b>')) in html


def test_goods_received_and_refund_issued_in_polish_formats(make_shop_app, smtp):
    app = make_shop_app(**mail_config(smtp))
    rma, _ = open_return(app, "1001", {SHIRT: (1, "size_fit")}, client=polish_client(app))
    admin = admin_client(app)
    authorize_all(admin, rma)
    receive_all(admin, app, rma)
    received = smtp.wait_for(3)[2]
    assert rma in received["Subject"]
    text, html = parts(received)
    when = format_date(load(app, rma).received_at, "long", locale="pl")
    assert when in text and when in html
    assert "Otrzymaliśmy Twoje produkty i wkrótce zwrócimy pieniądze." in text

    page = detail(admin, rma)
    amount = AMOUNT.search(page).group(1)
    done = admin.post(
        f"/returns/admin/returns/{rma}/refund",
        data={"csrf_token": token_of(page), "refund_amount": amount},
    )
    assert done.status_code == 302
    refunded = smtp.wait_for(4)[3]
    money = format_currency(Decimal(amount), "EUR", locale="pl")
    assert money == "24,99\xa0€"
    assert rma in refunded["Subject"] and money in refunded["Subject"]
    text, html = parts(refunded)
    assert money in text and money in html


def test_money_follows_the_customers_locale():
    with using_locale("pl"):
        expected = format_currency(Decimal("1234.50"), "PLN", locale="pl")
        assert format_money(123450, "PLN") == expected == "1\xa0234,50\xa0zł"
    with using_locale("en"):
        assert "1,234.50" in format_money(123450, "PLN")


def test_refund_failed_says_what_happens_now(make_shop_app, smtp):
    from .test_webhooks import SECRET, _event, _pending_refund_made_at_stripe, _post

    app = make_shop_app(RETURNS_STRIPE_WEBHOOK_SECRET=SECRET, **mail_config(smtp))
    _refund_id, made = _pending_refund_made_at_stripe(app)
    client = app.test_client()
    _post(client, _event("refund.updated", made))
    failed = dict(made, status="failed", failure_reason="expired_or_canceled_card")
    assert _post(client, _event("refund.failed", failed)).status_code == 200
    kinds = [row.kind for row in outbox_rows(app)]
    assert kinds == [
        "request_received",
        "authorized",
        "goods_received",
        "refund_issued",
        "refund_failed",
    ]
    message = smtp.wait_for(5)[4]
    with app.app_context():
        rma = app.extensions["returns"].session.scalar(sa.select(ReturnRequest.rma))
    assert rma in message["Subject"]
    text, html = parts(message)
    for body in (text, html):
        assert "14,50\xa0€" in body
        assert "Co dalej" in body  # the customer's language: Polish
        assert "Your return stays open" not in body  # no English left


# --------------------------------------------------------------------------- composing


def _request(orders: MemoryOrders, locale: str) -> ReturnRequest:
    return make_return(next(iter(orders.orders.values())), locale=locale)


def test_composing_uses_the_stored_locale_not_the_actors(make_mail_host):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders)
    with app.app_context():
        ret = _request(orders, "pl")
        polish = compose(ret, "request_received")
        ret.customer_locale = "en"
        english = compose(ret, "request_received")
        app.extensions["test_db"].session.rollback()
    assert polish.locale == "pl" and english.locale == "en"
    for body in (polish.text, polish.html):
        assert "Co dalej" in body and "What happens next" not in body
        assert "Numer zwrotu" in body
    for body in (english.text, english.html):
        assert "What happens next" in body and "Co dalej" not in body
    assert 'lang="pl"' in polish.html and 'lang="en"' in english.html


def test_without_a_public_url_outside_a_request_the_mail_goes_without_a_link(make_mail_host, smtp):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_PUBLIC_URL=None)
    with app.app_context():
        _request(orders, "en")
        app.extensions["test_db"].session.commit()
    (message,) = smtp.wait_for(1)
    text, html = parts(message)
    assert "/returns/status/" not in text and "/returns/status/" not in html
    assert "You can follow your return on our website" in text


def test_hostile_name_and_shop_name_cannot_add_headers_or_markup(make_mail_host, smtp):
    name = "Eve <img src=x onerror=alert(1)>\r\nBcc: victim@example.net\r\n\r\n<h1>Hi"
    orders = MemoryOrders(replace(make_order(), customer_name=name))
    app = make_mail_host(
        orders,
        RETURNS_SHOP_NAME="Shop\r\nBcc: thief@example.net",
        RETURNS_MAIL_FROM="returns@shop.example",
    )
    with app.app_context():
        _request(orders, "en")
        app.extensions["test_db"].session.commit()
    (message,) = smtp.wait_for(1)
    assert message["Bcc"] is None
    assert sorted(set(message.keys())) == sorted(
        {
            "Subject",
            "From",
            "To",
            "Date",
            "Message-ID",
            "Content-Language",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        }
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["buyer@example.com"]
    (sender,) = message["From"].addresses
    assert sender.addr_spec == "returns@shop.example"
    assert sender.display_name == "Shop Bcc: thief@example.net"
    text, html = parts(message)
    assert "<img" not in html and "<h1>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Eve <img src=x onerror=alert(1)> Bcc: victim@example.net <h1>Hi" in text


def test_a_subject_with_line_breaks_stays_one_header():
    message = build_message(
        sender="Shop <returns@shop.example>",
        shop_name="Shop",
        recipient="buyer@example.com",
        subject="Your return R-2345-6789\r\nBcc: victim@example.net\nX-Evil: 1",
        text_body="text",
        html_body="<p>html</p>",
        message_id="<1@shop.example>",
        locale="pl",
    )
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Evil:" not in raw
    assert message["Subject"] == "Your return R-2345-6789 Bcc: victim@example.net X-Evil: 1"
    with pytest.raises(ValueError):
        build_message(
            sender="returns@shop.example",
            shop_name="Shop",
            recipient="buyer@example.com\r\nBcc: victim@example.net",
            subject="s",
            text_body="t",
            html_body="h",
            message_id="<2@shop.example>",
            locale="en",
        )


def test_a_host_template_at_the_same_path_wins(make_mail_host, smtp, tmp_path):
    folder = tmp_path / "returns" / "email"
    folder.mkdir(parents=True)
    (folder / "request_received.txt").write_text(
        "Our own words for {{ ret.rma }}: {{ _('What happens next') }}\n"
    )
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders)
    app.template_folder = str(tmp_path)
    app.__dict__.pop("jinja_loader", None)
    with app.app_context():
        rma = _request(orders, "pl").rma
        app.extensions["test_db"].session.commit()
    (message,) = smtp.wait_for(1)
    text, html = parts(message)
    assert text.strip() == f"Our own words for {rma}: Co dalej"
    assert "Sprawdzimy Twoje zgłoszenie" in html  # the HTML part is still ours


def test_kinds_left_out_are_not_queued_and_the_host_hears_the_signal(make_mail_host, smtp):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders, RETURNS_MAIL_KINDS=["authorized"])
    heard = []

    def own_channel(ret, **extra):
        heard.append(ret.rma)

    with signals.return_requested.connected_to(own_channel), app.app_context():
        ret = _request(orders, "en")
        session = app.extensions["test_db"].session
        session.flush()
        authorize_return(ret, Actor.admin("1"))
        session.commit()
        rma = ret.rma
    assert heard == [rma]
    assert [row.kind for row in outbox_rows(app)] == ["authorized"]
    (message,) = smtp.wait_for(1)
    assert rma in message["Subject"]


def test_every_kind_has_both_parts_and_the_rma_in_its_subject(make_mail_host):
    orders = MemoryOrders(make_order())
    app = make_mail_host(orders)
    with app.app_context():
        ret = _request(orders, "pl")
        app.extensions["test_db"].session.flush()
        refund = type("R", (), {"amount": 123450, "currency": "PLN", "status": "succeeded"})()
        for kind in MAIL_KINDS:
            composed = compose(ret, kind, refund=refund)
            assert ret.rma in composed.subject, kind
            assert "\n" not in composed.subject
            assert ret.rma in composed.text and ret.rma in composed.html, kind
            assert composed.html.lstrip().startswith("<!doctype html>")
            if kind.startswith("refund"):
                assert "1\xa0234,50\xa0zł" in composed.text, kind
        app.extensions["test_db"].session.rollback()
    assert outbox_rows(app) == []
    assert OutboxMessage.__tablename__ == "returns_outbox"
