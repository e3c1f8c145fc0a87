"""The example shop with one more page of its own: an order, for the customer-flow benchmark.

The fair baseline for the returns pages' requests per second. ``GET /orders/<number>``
is a page as the shop would write it: per request it reads the order, its customer,
its lines and their products through Flask-SQLAlchemy (the ORM and ``selectinload``,
as the shop's "My orders" page does) from the same PostgreSQL, and renders a Jinja
template extending the shop's ``layout.html``. It runs in the same app as the
returns pages (``shop_wsgi``: Flask-Login, Babel, the returns extension), so what
the app does for every request is on both sides. ``GET /orders/<number>/one-query``
is the same page from a single SELECT (lines and products joined too): a leaner way
a shop could write it, and a stricter baseline.

The page ends with a list of delivery and care notes, as many as bring it to about
``BENCH_HTML_LENGTH`` characters for order ``BENCH_ORDER_NUMBER``, counted once
when the worker starts. No sign-in: a customer's own order page would also load the
signed-in customer, which the returns pages do not.
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, render_template
from jinja2 import ChoiceLoader, DictLoader
from shop_wsgi import app
from sqlalchemy.orm import joinedload, selectinload

from example_shop.models import SALE, ShopOrder, ShopOrderLine, db

__all__ = ["app"]

PAGE = """{% extends "layout.html" %}
{% block title %}Order {{ order.number }}{% endblock %}
{% block content %}
<main id="main">
<h1>Order {{ order.number }}</h1>
<p class="order-meta">Placed on {{ order.placed_at.date() }}
{%- if order.delivered_at %}, delivered on {{ order.delivered_at.date() }}{% endif %}.</p>
<section aria-labelledby="address-heading">
  <h2 id="address-heading">Delivery address</h2>
  {% set customer = order.customer %}
  <address>{{ customer.name }}<br>{{ customer.street }}<br>
  {{ customer.postal_code }} {{ customer.city }}<br>{{ customer.country }}</address>
</section>
<table class="order-lines">
  <thead><tr><th>Item</th><th>SKU</th><th>Quantity</th><th>Price</th><th>Total</th></tr></thead>
  <tbody>
  {% for line in order.lines %}
    <tr>
      {% set product = line.product %}
      <td>{{ product.name }}
        {%- if product.variant_label %} ({{ product.variant_label }}){% endif %}
        {%- if not product.returnable %}<br><small>Not returnable:
          {{ product.non_returnable_reason }}</small>{% endif %}</td>
      <td>{{ product.sku }}</td>
      <td>{{ line.quantity }}</td>
      <td>{{ line.unit_amount|money(order.currency) }}</td>
      <td>{{ (line.unit_amount * line.quantity)|money(order.currency) }}</td>
    </tr>
  {% endfor %}
  </tbody>
  <tfoot>
    <tr><td colspan="4">Shipping</td><td>{{ order.shipping_amount|money(order.currency) }}</td></tr>
    <tr><th colspan="4">Total</th><th>{{ order.total|money(order.currency) }}</th></tr>
  </tfoot>
</table>
<p><a href="{{ url_for('returns.start', order=order.number) }}">Return items from this order</a></p>
<section aria-labelledby="notes-heading">
  <h2 id="notes-heading">Delivery and care</h2>
  {% for note in notes %}
  <details class="order-note"><summary>{{ note.title }}</summary><p>{{ note.text }}</p></details>
  {% endfor %}
</section>
</main>
{% endblock %}
"""

app.jinja_loader = ChoiceLoader([DictLoader({"order_page.html": PAGE}), app.jinja_loader])

orders = Blueprint("bench_orders", __name__)


def _notes(count: int) -> list[dict[str, str]]:
    return [
        {
            "title": f"Note {i + 1}: parcels & deliveries",
            "text": f"Parcels leave the warehouse within {i % 3 + 2} working days; "
            "keep the packaging until you are sure the item fits <and works>.",
        }
        for i in range(count)
    ]


def read_order(number: str) -> ShopOrder | None:
    """As the shop's "My orders" page loads orders: three SELECTs."""
    return db.session.scalar(
        db.select(ShopOrder)
        .filter_by(number=number, kind=SALE)
        .options(
            joinedload(ShopOrder.customer),
            selectinload(ShopOrder.lines).selectinload(ShopOrderLine.product),
        )
    )


def read_order_in_one_query(number: str) -> ShopOrder | None:
    """The same objects from one SELECT."""
    return (
        db.session.execute(
            db.select(ShopOrder)
            .filter_by(number=number, kind=SALE)
            .options(
                joinedload(ShopOrder.customer),
                joinedload(ShopOrder.lines).joinedload(ShopOrderLine.product),
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def _render(order: ShopOrder, notes: list[dict[str, str]]) -> str:
    return render_template("order_page.html", order=order, notes=notes)


def _note_count(target: int, number: str) -> int:
    with app.test_request_context(f"/orders/{number}"):
        order = read_order(number)
        if order is None:
            raise RuntimeError(f"no sale with number {number}")
        none = len(_render(order, _notes(0)))
        one = len(_render(order, _notes(1)))
        db.session.rollback()
    return max(0, round((target - none) / (one - none)))


NOTES = _notes(
    _note_count(
        int(os.environ.get("BENCH_HTML_LENGTH", "8000")),
        os.environ.get("BENCH_ORDER_NUMBER", "1001"),
    )
)


@orders.get("/orders/<number>")
def order_page(number: str) -> str:
    order = read_order(number)
    if order is None:
        abort(404)
    return _render(order, NOTES)


@orders.get("/orders/<number>/one-query")
def order_page_one_query(number: str) -> str:
    order = read_order_in_one_query(number)
    if order is None:
        abort(404)
    return _render(order, NOTES)


app.register_blueprint(orders)
