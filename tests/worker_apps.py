"""Apps for ``flask --app tests.worker_apps:create_app ...`` in a separate process.

The test passes the settings as JSON in ``RETURNS_TEST_APP`` (``"kind"``: ``host``
for the bare host of tests/hosts.py, ``shop`` for the example shop), as a shop's
own app factory would read its configuration.
"""

from __future__ import annotations

import json
import os

from flask import Flask


def create_app() -> Flask:
    config = json.loads(os.environ["RETURNS_TEST_APP"])
    kind = config.pop("kind")
    if kind == "shop":
        from example_shop import create_app as create_shop

        return create_shop(config)
    from .hosts import make_host

    return make_host(config.pop("SQLALCHEMY_DATABASE_URI"), **config)
