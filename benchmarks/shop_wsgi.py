"""The example shop for gunicorn in the customer-flow benchmark (settings from the env)."""

from __future__ import annotations

import os

from example_shop import create_app

app = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
        "SECRET_KEY": os.environ["BENCH_SECRET_KEY"],
        "STRIPE_API_KEY": "sk_test_bench_local",
        "STRIPE_API_BASE": os.environ["BENCH_STRIPE_API_BASE"],
        "RETURNS_STORAGE_PATH": os.environ["BENCH_STORAGE_PATH"],
    }
)
