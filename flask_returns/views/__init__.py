"""The blueprint factory: a fresh blueprint per app, so two apps may differ."""

from __future__ import annotations

from flask import Blueprint

from . import customer


def create_blueprint() -> Blueprint:
    blueprint = Blueprint(
        "returns",
        "flask_returns",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    customer.register(blueprint)
    return blueprint
