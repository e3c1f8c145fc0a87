"""A conversation on every return: the customer and the shop write, each in their own
language, on a bare host (its orders in memory) over the real databases and outbox."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from flask_returns import signals
from flask_returns.links import status_url
from flask_returns.models import Event, Message, OutboxMessage, Photo, ReturnRequest
from flask_returns.testing import open_return
from flask_returns.workflow import LineRequest

from .mail_helpers import PUBLIC_URL
from .photo_files import PHP_AS_JPEG, jpeg

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SPACES = re.compile(r"[\s\u00a0\u202f]+")
ADMIN = {"RETURNS_ADMIN_PERMISSION": lambda: True, "RETURNS_ADMIN_IDENTITY": lambda: "ann"}
SUPPORT = "help@shop.example"


def _text(page: str) -> str:
    return SPACES.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def host(make_host_app):
    return make_host_app(
        **ADMIN,
        RETURNS_SUPPORT_EMAIL=SUPPORT,
        RETURNS_PUBLIC_URL=PUBLIC_URL,
        RETURNS_PHOTO_REQUIRED_REASONS=(),
        RETURNS_CUSTOMER_MESSAGES_PER_HOUR=3,
    )


def _return(app, locale: str = "el") -> tuple[str, str]:
    """A return of order N9001 (two shirts at 24.99 EUR) in ``locale``: (rma, status path)."""
    with app.app_context(), app.test_request_context():
        orders = app.extensions["returns"].orders
        ret = open_return(
            orders.get_order("9001"), [LineRequest("L1", 2, "size_fit")], locale=locale
        )
        return ret.rma, status_url(ret, external=False)


def _write(client, path: str, body: str, photos=()) -> object:
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "body": body}
    if photos:
        data["photos"] = list(photos)
    return client.post(f"{path}/messages", data=data, content_type="multipart/form-data")


def _rows(app, model, **where):
    with app.app_context():
        session = app.extensions["returns"].session
        rows = session.scalars(sa.select(model).filter_by(**where).order_by(model.id)).all()
        session.expunge_all()
        return rows


def _return_row(app, rma: str) -> ReturnRequest:
    [ret] = _rows(app, ReturnRequest, rma=rma)
    return ret


def _answer(client, rma: str, **fields) -> object:
    page = client.get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "action": "send", **fields}
    return client.post(f"/returns/admin/returns/{rma}/messages", data=data)


def test_the_customer_writes_and_the_support_address_hears_of_it(host):
    rma, path = _return(host)
    heard = []
    with signals.message_received.connected_to(lambda ret, **kw: heard.append(kw["message"].body)):
        response = _write(host.test_client(), path, "Δεν μου κάνει. Μπορώ να το αλλάξω;")
    assert response.status_code == 302 and response.location.endswith("#messages")
    assert heard == ["Δεν μου κάνει. Μπορώ να το αλλάξω;"]
    [message] = _rows(host, Message)
    assert (message.author_kind, message.locale) == ("customer", "el")
    ret = _return_row(host, rma)
    assert ret.awaiting == "shop" and ret.awaiting_since is not None
    [notice] = _rows(host, OutboxMessage, kind="support_notice")
    assert notice.recipient == SUPPORT and notice.locale == "en"
    assert "Μπορώ να το αλλάξω;" in notice.text_body
    assert f"{PUBLIC_URL}/returns/admin/returns/{rma}#messages" in notice.text_body
    assert [e.action for e in _rows(host, Event)][-1] == "message_received"


def test_the_admin_answers_and_asks_and_the_return_waits_for_whom_it_should(host):
    rma, path = _return(host)
    customer, admin = host.test_client(), host.test_client()
    _write(customer, path, "Which sizes do you have?")
    queue = _text(admin.get("/returns/admin/").get_data(as_text=True))
    assert "Waiting for us 1" in queue and "Waiting for the customer 0" in queue
    response = _answer(admin, rma, body="Size M or L. Which one?", asks_customer="1")
    assert response.status_code == 302
    assert _return_row(host, rma).awaiting == "customer"
    queue = _text(admin.get("/returns/admin/?waiting=customer").get_data(as_text=True))
    assert "Waiting for us 0" in queue and rma in queue
    status = _text(customer.get(path).get_data(as_text=True))
    assert "Size M or L. Which one?" in status
    [mail] = _rows(host, OutboxMessage, kind="shop_message")
    assert (mail.recipient, mail.locale) == ("buyer@example.com", "el")
    assert "Size M or L. Which one?" in mail.text_body
    assert "#messages" in mail.text_body  # the link opens the thread
    _write(customer, path, "L, please.")
    assert _return_row(host, rma).awaiting == "shop"
    _answer(admin, rma, body="Done.")
    assert _return_row(host, rma).awaiting == ""
    bodies = [m.body for m in _rows(host, Message)]
    assert bodies == ["Which sizes do you have?", "Size M or L. Which one?", "L, please.", "Done."]


def test_a_reply_template_is_previewed_in_both_languages_and_sent_in_greek(host):
    rma, _path = _return(host)
    admin = host.test_client()
    page = admin.get(f"/returns/admin/returns/{rma}").get_data(as_text=True)
    data = {
        "csrf_token": TOKEN.search(page).group(1),
        "template": "refund_on_its_way",
        "action": "preview",
    }
    preview = _text(
        admin.post(f"/returns/admin/returns/{rma}/messages", data=data).get_data(as_text=True)
    )
    assert "your refund of €49.98 for return" in preview  # the admin's English
    assert re.search(r"49,98\s€", preview)  # and the customer's Greek, with Greek money
    assert _rows(host, Message) == []  # a preview sends nothing
    assert _answer(admin, rma, template="refund_on_its_way").status_code == 302
    [message] = _rows(host, Message)
    assert message.template == "refund_on_its_way" and message.locale == "el"
    assert re.search(r"49,98\s€", message.body) and rma in message.body
    assert "refund" not in message.body  # Greek words, not English
    [mail] = _rows(host, OutboxMessage, kind="shop_message")
    assert message.body in mail.text_body


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert('x')</script> and <b>bold</b> https://evil.example/",
        "line one\n<img src=x onerror=alert(1)>",
    ],
)
def test_html_and_script_are_shown_as_the_text_they_are(host, body):
    rma, path = _return(host)
    customer, admin = host.test_client(), host.test_client()
    assert _write(customer, path, body).status_code == 302
    for page in (
        customer.get(path).get_data(as_text=True),
        admin.get(f"/returns/admin/returns/{rma}").get_data(as_text=True),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert html.escape(body.splitlines()[-1], quote=False)[:20] in page
        assert 'href="https://evil.example' not in page  # links are not made clickable
    [notice] = _rows(host, OutboxMessage, kind="support_notice")
    assert "<script>alert" not in notice.html_body


def test_a_forged_or_altered_token_writes_nothing(host):
    _rma, path = _return(host)
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    client = host.test_client()
    page = client.get(path).get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    response = client.post(f"{forged}/messages", data={"csrf_token": token, "body": "hi"})
    assert response.status_code == 404
    assert _rows(host, Message) == []


def test_without_the_form_token_nothing_is_written(host):
    rma, path = _return(host)
    response = host.test_client().post(f"{path}/messages", data={"body": "hello"})
    assert response.status_code == 400
    assert "The form had expired. Please send it again." in _text(response.get_data(as_text=True))
    assert _rows(host, Message) == []
    admin = host.test_client()
    assert (
        admin.post(f"/returns/admin/returns/{rma}/messages", data={"body": "x"}).status_code == 400
    )
    assert _rows(host, Message) == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PHP_AS_JPEG, "shell.jpg", "is not a photo we can read"),
        (b"", "empty.jpg", "is empty"),
    ],
)
def test_a_fake_or_empty_photo_is_refused_and_the_message_kept_for_another_try(
    host, content, name, message
):
    _rma, path = _return(host)
    photo = (io.BytesIO(content), name)
    response = _write(host.test_client(), path, "See the photo", [photo])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in _text(page)
    assert "See the photo</textarea>" in page  # what was typed is kept
    assert _rows(host, Message) == [] and _rows(host, Photo) == []


def test_an_oversized_photo_is_refused(host):
    _rma, path = _return(host)
    big = (io.BytesIO(jpeg() + b"\x00" * (10 * 1024 * 1024)), "huge.jpg")
    response = _write(host.test_client(), path, "Big one", [big])
    assert response.status_code == 400
    assert "huge.jpg is larger than 10 MB." in _text(response.get_data(as_text=True))
    assert _rows(host, Message) == [] and _rows(host, Photo) == []


def test_a_photo_goes_with_the_message_without_its_gps(host):
    from PIL import Image

    _rma, path = _return(host)
    photo = (io.BytesIO(jpeg(1200, 900, gps=True)), "serial.jpg")
    assert _write(host.test_client(), path, "The serial number", [photo]).status_code == 302
    [message] = _rows(host, Message)
    [stored] = _rows(host, Photo)
    assert stored.message_id == message.id and stored.line_id is None
    with host.app_context():
        data = host.extensions["returns"].storage.load(stored.storage_key)
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # no GPS block


def test_a_flood_of_messages_is_refused_after_the_hourly_limit(host):
    _rma, path = _return(host)
    client = host.test_client()
    for n in range(3):
        assert _write(client, path, f"message {n}").status_code == 302
    response = _write(client, path, "one more")
    assert response.status_code == 429
    assert "please wait for our answer" in _text(response.get_data(as_text=True))
    assert len(_rows(host, Message)) == 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [("   ", "Write your message first."), ("x" * 2001, "Use at most 2000 characters.")],
)
def test_an_empty_or_overlong_message_is_refused(host, body, reason):
    _rma, path = _return(host)
    response = _write(host.test_client(), path, body)
    assert response.status_code == 400
    assert reason in _text(response.get_data(as_text=True))
    assert _rows(host, Message) == []


def test_an_unknown_template_is_refused(host):
    rma, _path = _return(host)
    response = _answer(host.test_client(), rma, template="free_money")
    assert response.status_code == 400
    assert "Choose a reply from the list." in _text(response.get_data(as_text=True))
    assert _rows(host, Message) == []


def test_the_shops_own_template_in_its_own_words(make_host_app):
    app = make_host_app(
        **ADMIN,
        RETURNS_PHOTO_REQUIRED_REASONS=(),
        RETURNS_REPLY_TEMPLATES={
            "late_parcel": {
                "title": "Parcel late",
                "body": {"en": "Hello %(name)s, it is late.", "el": "Γεια σας %(name)s, αργεί."},
                "asks_customer": True,
            }
        },
    )
    rma, _path = _return(app)
    assert _answer(app.test_client(), rma, template="late_parcel").status_code == 302
    [message] = _rows(app, Message)
    assert message.body == "Γεια σας Test Buyer, αργεί." and message.asks_customer


def test_a_template_with_a_placeholder_we_do_not_fill_stops_start_up(make_host_app):
    from flask_returns import ConfigurationError

    with pytest.raises(ConfigurationError, match="placeholder we do not fill"):
        make_host_app(RETURNS_REPLY_TEMPLATES={"x": {"title": "X", "body": "Hi %(first_name)s"}})


def test_messages_survive_the_mail_server_being_down_and_go_once(make_mail_host, smtp):
    from datetime import timedelta

    from flask_returns.models import utcnow
    from flask_returns.testing import clock_at

    app = make_mail_host(**ADMIN, RETURNS_PHOTO_REQUIRED_REASONS=())
    smtp.stop()
    rma, _path = _return(app)
    assert _answer(app.test_client(), rma, body="We got it.").status_code == 302
    [row] = _rows(app, OutboxMessage, kind="shop_message")
    assert (row.status, row.attempts) == ("pending", 1)
    smtp.start()
    runner = app.test_cli_runner()
    with clock_at(utcnow() + timedelta(minutes=2)):  # past the first retry's wait
        for _ in range(2):
            result = runner.invoke(args=["returns", "outbox", "send"])
            assert result.exit_code == 0, result.output
    sent = [m for m in smtp.messages if "We got it." in m.get_body(("plain",)).get_content()]
    assert len(sent) == 1
