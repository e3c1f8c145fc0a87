"""Customer pages: thin, they read forms and call the workflow."""

from __future__ import annotations

from flask import Blueprint

from ..forms import OrderLookupForm
from ..templating import render_page


def start() -> str:
    """Where a customer begins: find the order to return items from."""
    form = OrderLookupForm()
    return render_page("returns/start.html", form=form)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/", "start", start, methods=["GET"])
