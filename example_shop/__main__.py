"""``python -m example_shop``: the demo, with nothing to set up by hand.

Creates the shop's tables and the returns tables (through the returns
migrations, as a shop owner would), loads the demo orders, and serves the shop
on http://127.0.0.1:5000. Without ``STRIPE_API_KEY`` it starts a local Stripe
test server on 127.0.0.1 and points the SDK at it; the demo database is made
afresh on each start so its payments always exist on that server. With
``DEMO_CARRIER=easypost`` (or ``shippo``, ``dhl``) return labels are booked at a
local fake of that platform, answering in its documented shapes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
from pathlib import Path

from flask_returns import schema
from flask_returns.carriers import retry_labels

from .app import create_app
from .carrier import start_demo_carrier
from .history import seed_history
from .local_stripe import LocalStripeServer
from .mail import MailFolder
from .models import db
from .seed import DEMO_PASSWORD, seed_demo_data


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the example shop with demo data.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--instance", default=os.environ.get("SHOP_INSTANCE", "instance"))
    args = parser.parse_args()

    instance = Path(args.instance).resolve()
    shutil.rmtree(instance / "demo", ignore_errors=True)
    demo = instance / "demo"
    demo.mkdir(parents=True)

    stripe_server: LocalStripeServer | None = None
    config: dict[str, object] = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{demo / 'shop.db'}",
        "RETURNS_STORAGE_PATH": str(demo / "files"),
    }
    config |= _mail_config(demo, args.port)
    if not os.environ.get("STRIPE_API_KEY"):
        stripe_server = LocalStripeServer()
        stripe_server.start(state_dir=str(demo / "stripe"))
        config |= {
            "STRIPE_API_KEY": "sk_test_demo_local",
            "STRIPE_API_BASE": stripe_server.api_base,
        }
        print(f"local Stripe test server on {stripe_server.api_base}")

    carrier = None
    if os.environ.get("DEMO_CARRIER"):
        carrier, carrier_config = start_demo_carrier(os.environ["DEMO_CARRIER"])
        config |= carrier_config
        print(f"return labels booked at a local fake {os.environ['DEMO_CARRIER']} on {carrier.url}")

    # Stop cleanly on SIGTERM too, so the local Stripe server never outlives the shop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(config)
    try:
        with app.app_context():
            db.create_all()
            schema.upgrade(db.engine)
            created = seed_demo_data()
            print(f"demo orders: {', '.join(created)}")
            print(f"returns history: {seed_history()} returns over 90 days", flush=True)
            if carrier is not None:  # the history's authorized returns get their labels
                print(f"carrier labels booked: {retry_labels().booked}", flush=True)
        print(
            "customer: order 1001 / customer@example.com (or sign in with password "
            f"{DEMO_PASSWORD!r}); admin: admin@example.com / {DEMO_PASSWORD!r}"
        )
        print(
            "a shoe to exchange or swap for store credit: order 1007 / customer@example.com; "
            f"replacement orders to ship: http://127.0.0.1:{args.port}/shop-admin/replacements"
        )
        print(f"shop:    http://127.0.0.1:{args.port}/")
        print(f"returns: http://127.0.0.1:{args.port}/returns/")
        app.run(host="127.0.0.1", port=args.port, debug=False, use_reloader=False)
    finally:
        if stripe_server is not None:
            stripe_server.stop()
        if carrier is not None:
            carrier.stop()


def _mail_config(demo: Path, port: int) -> dict[str, object]:
    """Customer e-mails go to a folder, or to SHOP_SMTP_HOST (e.g. a debugging SMTP server)."""
    config: dict[str, object] = {
        "RETURNS_MAIL_FROM": "Example Shop <returns@shop.example>",
        "RETURNS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    host = os.environ.get("SHOP_SMTP_HOST")
    if host:
        config |= {
            "RETURNS_SMTP_HOST": host,
            "RETURNS_SMTP_PORT": int(os.environ.get("SHOP_SMTP_PORT", "1025")),
            "RETURNS_SMTP_SECURITY": "none",
        }
        print(f"customer e-mails: SMTP at {host}")
    else:
        config["RETURNS_MAIL_SENDER"] = MailFolder(demo / "mail")
        print(f"customer e-mails: written to {demo / 'mail'}/*.eml")
    return config


if __name__ == "__main__":
    main()
