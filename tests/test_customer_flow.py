"""The customer's return flow through the example shop, and what it refuses."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from flask_returns.models import Photo, ReturnRequest

from .demo import BUYERS, EARRINGS, MUG, SHIRT, SNEAKERS
from .photo_files import PHP_AS_JPEG, jpeg, png_claiming

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def look_up(client, number: str = "1001", email: str | None = None):
    """Look an order up on the start page; the e-mail is its buyer's unless given."""
    email = BUYERS[number] if email is None else email
    return client.post(
        "/returns/",
        data={"csrf_token": csrf(client, "/returns/"), "order_number": number, "email": email},
    )


def line_index(page: str, name: str) -> int:
    match = re.search(
        rf"<legend>{re.escape(name)}</legend>.*?name=\"line-(\d+)-quantity\"", page, re.S
    )
    return int(match.group(1))


@pytest.fixture
def app(unpaid_shop_app):
    """The example shop: the customer's side never reads a payment at Stripe."""
    return unpaid_shop_app


@pytest.fixture
def client(app):
    return app.test_client()


def _form(client, **fields):
    page = client.get("/returns/new").get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1)}
    data.update(fields)
    return page, data


def _order_1001_form(client):
    """Look up order 1001 and open its form: (page, form data, shirt index, mug index)."""
    look_up(client)
    page, data = _form(client)
    return (
        page,
        data,
        line_index(page, SHIRT),
        line_index(page, MUG),
    )


def _returns(app):
    with app.app_context():
        db = app.extensions["returns"].db
        return db.session.scalars(sa.select(ReturnRequest)).all()


def test_wrong_pairs_get_one_neutral_message(client):
    wrong_email = look_up(client, "1001", "someone@example.com")
    wrong_number = look_up(client, "9999", BUYERS["1001"])
    assert wrong_email.status_code == wrong_number.status_code == 404
    text = "We could not find an order with that number and e-mail address."
    assert text in wrong_email.get_data(as_text=True)
    assert text in wrong_number.get_data(as_text=True)


def test_a_burst_of_wrong_lookups_is_limited(client):
    codes = [look_up(client, "1001", f"guess{i}@example.com").status_code for i in range(12)]
    assert codes[:10] == [404] * 10
    assert codes[10:] == [429, 429]
    assert "Too many attempts" in look_up(client).get_data(as_text=True)


def test_eligibility_is_explained_and_final_sale_lines_are_shown_but_locked(client):
    assert look_up(client).status_code == 302
    page = client.get("/returns/new?lang=en").get_data(as_text=True)
    assert "This order was delivered 3 days ago." in page
    assert "Returns are accepted for 30 days." in page
    assert "This item cannot be returned." in page
    assert "Pierced jewellery cannot be returned for hygiene reasons." in page
    earrings = page.split(f"<legend>{EARRINGS}</legend>")[0].rsplit("<fieldset", 1)[1]
    assert "disabled" in earrings


def test_an_order_outside_the_window_says_why(client):
    look_up(client, "1002")
    page = client.get("/returns/new?lang=en").get_data(as_text=True)
    assert "This order was delivered 64 days ago." in page
    assert "The return window for this order closed on" in page
    assert "Request return" not in page


def test_order_without_delivery_counts_from_the_order_date(client):
    look_up(client, "1005")
    page = client.get("/returns/new?lang=en").get_data(as_text=True)
    assert "This order was placed 2 days ago and has no delivery date yet." in page


def test_request_with_photo_then_status_then_cancel(client, app):
    _page, data, shirt, mug = _order_1001_form(client)
    data |= {
        f"line-{shirt}-quantity": "2",
        f"line-{shirt}-reason": "damaged",
        f"line-{shirt}-comment": "Torn seam <b>really</b>",
        f"line-{mug}-quantity": "1",
        f"line-{mug}-reason": "changed_mind",
        f"line-{shirt}-photos": (io.BytesIO(jpeg(gps=True)), "../../etc/seam.jpg"),
    }
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    status_page = client.get(response.location).get_data(as_text=True)
    (ret,) = _returns(app)
    assert f"Your return number is {ret.rma}" in status_page or ret.rma in status_page
    assert "Torn seam &lt;b&gt;really&lt;/b&gt;" in status_page
    with app.app_context():
        session = app.extensions["returns"].db.session
        ret = session.scalar(sa.select(ReturnRequest))
        assert sorted((line.sku, line.quantity_requested, line.reason) for line in ret.lines) == [
            ("MUG-STONE", 1, "changed_mind"),
            ("TSHIRT-BLU-M", 2, "damaged"),
        ]
        (photo,) = ret.photos
        assert photo.line.sku == "TSHIRT-BLU-M"
        assert "etc" not in photo.storage_key and ".." not in photo.storage_key
        stored = app.extensions["returns"].storage.load(photo.storage_key)
        assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}
        photo_id = photo.id
    token_path = response.location.split("?")[0]
    img = client.get(f"{token_path}/photos/{photo_id}/full")
    assert img.status_code == 200 and img.mimetype == "image/jpeg"
    assert "private" in img.headers["Cache-Control"]
    assert img.headers["X-Content-Type-Options"] == "nosniff"

    cancel_token = TOKEN.search(status_page).group(1)
    assert client.post(f"{token_path}/cancel", data={}).status_code == 400  # no CSRF token
    assert _returns(app)[0].status == "requested"
    done = client.post(f"{token_path}/cancel", data={"csrf_token": cancel_token})
    assert done.status_code == 302
    assert _returns(app)[0].status == "cancelled"
    assert "Cancel this return" not in client.get(done.location).get_data(as_text=True)


def test_bad_input_comes_back_with_the_customers_entries(client, app):
    page, data, shirt, mug = _order_1001_form(client)
    data |= {
        f"line-{shirt}-quantity": "1",
        f"line-{shirt}-reason": "damaged",
        f"line-{shirt}-comment": "Hole in the sleeve",
        f"line-{mug}-quantity": "1",
        f"line-{mug}-reason": "defective",
        f"line-{mug}-photos": (io.BytesIO(jpeg()), "mug.jpg"),
    }
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Add at least one photo that shows the problem." in page
    assert "Hole in the sleeve" in page
    assert 'value="damaged" selected' in page and 'value="defective" selected' in page
    # The mug's photo was kept: the customer need not upload it again.
    assert "1 photo already added." in page
    kept = re.search(rf'name="line-{mug}-kept" value="([^"]+)"', page).group(1)
    data |= {
        f"line-{mug}-kept": kept,
        "csrf_token": TOKEN.search(page).group(1),
        f"line-{mug}-photos": (io.BytesIO(b""), ""),
        f"line-{shirt}-photos": (io.BytesIO(jpeg()), "sleeve.jpg"),
    }
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(_returns(app)) == 1
    with app.app_context():
        session = app.extensions["returns"].db.session
        assert session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 2


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (PHP_AS_JPEG, "shell.php.jpg", "is not a photo we can read"),
        (png_claiming(100_000, 100_000), "bomb.png", "has too many pixels"),
        (b"", "empty.jpg", "is empty."),
        (jpeg() + b"\x00" * (10 * 1024 * 1024), "huge.jpg", "is larger than 10 MB."),
    ],
    ids=["php", "bomb", "zero-bytes", "oversize"],
)
def test_hostile_uploads_are_refused_with_a_message(client, app, payload, name, message):
    _page, data, shirt, _ = _order_1001_form(client)
    data |= {
        f"line-{shirt}-quantity": "1",
        f"line-{shirt}-reason": "damaged",
        f"line-{shirt}-photos": (io.BytesIO(payload), name),
    }
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _returns(app) == []


def test_too_many_files_are_refused_before_decoding(client, app):
    _page, data, shirt, _ = _order_1001_form(client)
    data |= {
        f"line-{shirt}-quantity": "1",
        f"line-{shirt}-reason": "damaged",
        f"line-{shirt}-photos": [(io.BytesIO(jpeg(200, 150)), f"p{i}.jpg") for i in range(6)],
    }
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "You can add up to 5 photos in all." in response.get_data(as_text=True)
    assert _returns(app) == []


def test_an_oversize_request_gets_a_friendly_page(client, app):
    look_up(client)
    _, data = _form(client)
    data["line-0-photos"] = (io.BytesIO(b"\xff" * (52 * 1024 * 1024)), "big.jpg")
    response = client.post("/returns/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Your photos were too large together." in response.get_data(as_text=True)
    # The host's own pages keep the host's limit (none here).
    assert app.config.get("MAX_CONTENT_LENGTH") is None


def test_quantities_already_claimed_are_not_offered_again(client, app):
    page, data, shirt, _ = _order_1001_form(client)
    data |= {f"line-{shirt}-quantity": "2", f"line-{shirt}-reason": "size_fit"}
    assert client.post("/returns/new", data=data).status_code == 302
    look_up(client)
    page, data = _form(client)
    assert "This item is already in another return." in page.replace("\n", " ") or (
        'name="line-0-quantity"' not in page
    )
    data |= {f"line-{shirt}-quantity": "1", f"line-{shirt}-reason": "size_fit"}
    assert client.post("/returns/new", data=data).status_code == 400
    assert len(_returns(app)) == 1


def test_missing_or_wrong_csrf_token_is_refused(client, app):
    look_up(client)
    _, data = _form(client)
    data |= {"line-0-quantity": "1", "line-0-reason": "size_fit"}
    for token in (None, "forged"):
        attempt = dict(data)
        if token is None:
            attempt.pop("csrf_token")
        else:
            attempt["csrf_token"] = token
        assert client.post("/returns/new", data=attempt).status_code == 400
    assert _returns(app) == []
    assert (
        client.post("/returns/", data={"order_number": "1001", "email": BUYERS["1001"]}).status_code
        == 400
    )


def test_other_customers_cannot_see_or_act_on_a_return(client, app):
    _page, data, shirt, _ = _order_1001_form(client)
    data |= {
        f"line-{shirt}-quantity": "1",
        f"line-{shirt}-reason": "damaged",
        f"line-{shirt}-photos": (io.BytesIO(jpeg()), "a.jpg"),
    }
    location = client.post(
        "/returns/new", data=data, content_type="multipart/form-data"
    ).location.split("?")[0]
    (ret,) = _returns(app)
    token = location.rsplit("/", 1)[1]
    stranger = app.test_client()
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert stranger.get(f"/returns/status/{forged}").status_code == 404
    assert stranger.get(f"/returns/status/{forged}/photos/1/full").status_code == 404
    # A valid link to another return does not open this one's photos.
    with app.app_context():
        photo_id = app.extensions["returns"].db.session.scalar(sa.select(Photo.id))
    other_token = _make_other_return(app)
    assert stranger.get(f"/returns/status/{other_token}/photos/{photo_id}/full").status_code == 404
    # RMA with the wrong e-mail: the same neutral answer as a wrong RMA.
    track = stranger.post(
        "/returns/track",
        data={
            "csrf_token": csrf(stranger, "/returns/track"),
            "rma": ret.rma,
            "email": BUYERS["1003"],
        },
    )
    assert track.status_code == 404
    ok = stranger.post(
        "/returns/track",
        data={
            "csrf_token": csrf(stranger, "/returns/track"),
            "rma": ret.rma.lower(),
            "email": BUYERS["1001"].upper(),
        },
    )
    assert ok.status_code == 302 and ok.location.split("?")[0].endswith(token)


def _make_other_return(app) -> str:
    other = app.test_client()
    look_up(other, "1003")
    page, data = _form(other)
    idx = line_index(page, SNEAKERS)
    data |= {f"line-{idx}-quantity": "1", f"line-{idx}-reason": "size_fit"}
    return other.post("/returns/new", data=data).location.split("?")[0].rsplit("/", 1)[1]
