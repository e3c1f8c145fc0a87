"""Each shipped platform through the whole label flow, against its fake on 127.0.0.1.

What differs between them is what they can do: EasyPost and Shippo book in two steps
and can find a purchase whose answer was lost; DHL's returns API books in one and
cannot (it bills a returns label when it is used, so a second order costs nothing);
DHL's labels come with a QR code for printer-free drop-off, Shippo's as PNG if asked.
"""

from __future__ import annotations

import pytest

from flask_returns.carriers import make_label, retry_labels
from flask_returns.documents import label_pdf
from flask_returns.links import status_token

from .carrier_helpers import ADMIN, authorized, shipments, the_return
from .label_helpers import page_images, scan

# The path of the request that buys, per platform.
BUYS = {
    "easypost": r"/v2/shipments/shp_[0-9a-f]+/buy",
    "shippo": r"/transactions",
    "dhl": r".*/orders",
}


def _fake(request, name: str):
    return request.getfixturevalue(name)


def _book(app, rma: str):
    with app.app_context():
        return make_label(the_return(app, rma), ADMIN)


@pytest.mark.parametrize("name", ["easypost", "shippo", "dhl"])
def test_a_500_then_success_buys_one_label(request, make_carrier_host, name):
    fake = _fake(request, name)
    app = make_carrier_host(name, fake)
    rma = authorized(app)
    fake.fail_next(BUYS[name] + "$", status=500)
    assert _book(app, rma).result == "delayed"
    with app.app_context():
        assert retry_labels().booked == 1
    assert fake.purchases == 1
    [shipment] = shipments(app, rma)
    assert shipment.status == "booked" and shipment.tracking_number


@pytest.mark.parametrize("name", ["easypost", "shippo"])
def test_a_lost_purchase_answer_is_found_not_bought_again(request, make_carrier_host, name):
    fake = _fake(request, name)
    app = make_carrier_host(name, fake, RETURNS_CARRIER_TIMEOUT=1)
    rma = authorized(app)
    fake.hang_next(BUYS[name] + "$", seconds=1.6)
    assert _book(app, rma).result == "delayed"
    with app.app_context():
        assert retry_labels().booked == 1
    assert fake.purchases == 1
    assert len(fake.sent("POST", BUYS[name])) == 1


def test_dhl_cannot_look_a_lost_answer_up_and_books_again_under_the_same_key(
    make_carrier_host, dhl
):
    app = make_carrier_host("dhl", dhl, RETURNS_CARRIER_TIMEOUT=1)
    rma = authorized(app)
    dhl.hang_next(BUYS["dhl"] + "$", seconds=1.6)
    assert _book(app, rma).result == "delayed"
    with app.app_context():
        assert retry_labels().booked == 1
    orders = [r.json() for r in dhl.sent("POST", BUYS["dhl"])]
    assert len(orders) == 2
    # Both under our key, so the shop can match them in DHL's portal; one is used.
    assert {o["shipmentReference"] for o in orders} == {f"flask-returns:{rma}:label:1"}
    [shipment] = shipments(app, rma)
    assert shipment.pay_on_use and shipment.cost is None


def test_dhl_gives_a_qr_code_for_the_counter_on_the_page_the_pdf_and_the_mail(
    make_carrier_host, dhl, tmp_path
):
    app = make_carrier_host("dhl", dhl)
    rma = authorized(app, locale="de")
    assert _book(app, rma).result == "booked"
    [shipment] = shipments(app, rma)
    [order] = dhl.sent("POST", BUYS["dhl"])
    assert order.query["labelType"] == "BOTH"
    sent = order.json()
    # DHL knows the shop's address by its receiverId; only the customer is sent.
    assert sent["shipper"]["city"] == "Łódź" and "receiverId" in sent
    assert shipment.qr_key

    client = app.test_client()
    with app.app_context():
        token = status_token(the_return(app, rma))
    page = client.get(f"/returns/status/{token}").get_data(as_text=True)
    assert f"/returns/status/{token}/drop-off.png" in page
    code = client.get(f"/returns/status/{token}/drop-off.png")
    assert code.status_code == 200 and code.mimetype == "image/png"
    (tmp_path / "code.png").write_bytes(code.data)
    [read] = scan(tmp_path / "code.png")
    assert read.startswith("QR-Code:")
    assert client.get("/returns/status/not-a-token/drop-off.png").status_code == 404

    with app.test_request_context():
        pdf = label_pdf(the_return(app, rma))
    found = [c for image in page_images(pdf, tmp_path, "dhl") for c in scan(image)]
    assert f"CODE-128:{shipment.tracking_number}" in found  # the carrier's label
    assert read in found  # and the code for the counter, printed beside it


def test_a_png_label_is_printed_with_its_barcode_readable(make_carrier_host, shippo, tmp_path):
    app = make_carrier_host(
        "shippo", shippo, RETURNS_CARRIER_OPTIONS={**shippo.options(), "label_file_type": "PNG"}
    )
    rma = authorized(app)
    assert _book(app, rma).result == "booked"
    [shipment] = shipments(app, rma)
    assert shipment.label_media_type == "image/png"
    with app.test_request_context():
        pdf = label_pdf(the_return(app, rma))
    found = [c for image in page_images(pdf, tmp_path, "png-label") for c in scan(image)]
    assert f"CODE-128:{shipment.tracking_number}" in found
