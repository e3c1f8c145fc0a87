"""A bare Flask app rendering a Jinja page of about BENCH_HTML_LENGTH characters.

The baseline for the customer-flow benchmark's requests-per-second figures.
"""

from __future__ import annotations

import os

from flask import Flask, render_template
from jinja2 import DictLoader

ROW = (
    '<tr class="row"><td>{{ item.sku }}</td><td>{{ item.name }}</td>'
    "<td>{{ item.quantity }}</td><td>{{ item.price }}</td></tr>\n"
)
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>'
    "</head><body><main><h1>{{ title }}</h1><table>\n"
    "{% for item in items %}" + ROW + "{% endfor %}"
    "</table></main></body></html>\n"
)

app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": PAGE})


def _items(count: int) -> list[dict[str, object]]:
    return [
        {"sku": f"SKU-{i:05d}", "name": f"Item <{i}> & more", "quantity": i % 7, "price": i * 3}
        for i in range(count)
    ]


def _row_count(target: int) -> int:
    with app.app_context():
        one = len(render_template("page.html", title="Bare", items=_items(1)))
        two = len(render_template("page.html", title="Bare", items=_items(2)))
    return max(1, round((target - one) / (two - one)) + 1)


ROWS = _row_count(int(os.environ.get("BENCH_HTML_LENGTH", "20000")))


@app.get("/")
def index() -> str:
    return render_template("page.html", title="Bare", items=_items(ROWS))
