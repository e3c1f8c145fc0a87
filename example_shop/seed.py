"""Demo data: customers, products and orders paid through real PaymentIntents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from .local_stripe import create_paid_payment_intent
from .models import Customer, Product, ShopOrder, ShopOrderLine, db
from .payments import stripe_client

DEMO_PASSWORD = "demo"  # noqa: S105 - a documented demo login, not a secret

CUSTOMERS = [
    # email, name, locale, street, postal code, city, country, admin
    (
        "customer@example.com",
        "Anna Nowak",
        "pl",
        "ul. Długa 5/3",
        "00-238",
        "Warszawa",
        "PL",
        False,
    ),
    ("kunde@example.com", "Jürgen Groß", "de", "Hauptstraße 12", "10115", "Berlin", "DE", False),
    ("tanaka@example.com", "Tanaka Yui", "en", "1-2-3 Shibuya", "150-0002", "Tokyo", "JP", False),
    ("eszter@example.com", "Kovács Eszter", "hu", "Váci utca 12.", "1052", "Budapest", "HU", False),
    ("admin@example.com", "Shop Admin", "en", "", "", "", "", True),
]

PRODUCTS = [
    # sku, name, category, returnable, why not
    ("TSHIRT-BLU-M", "Organic T-shirt, blue, M", "apparel", True, ""),
    ("MUG-STONE", "Stoneware mug", "home", True, ""),
    (
        "EARRINGS-925",
        "Silver earrings",
        "jewellery",
        False,
        "Pierced jewellery cannot be returned for hygiene reasons.",
    ),
    ("SNEAKER-42", "Canvas sneakers, size 42", "shoes", True, ""),
    ("KETTLE-JP", "Cast-iron kettle", "home", True, ""),
    ("GIFT-CARD", "Gift card", "gift", False, "Gift cards cannot be returned."),
    ("ESPRESSO-1", "Espresso machine", "home", True, ""),
]


@dataclass(frozen=True)
class DemoOrder:
    number: str
    email: str
    currency: str
    placed_days_ago: int
    delivered_days_ago: int | None
    shipping: int
    # sku, quantity, unit amount: integers in Stripe's units for the currency, the
    # same ones the PaymentIntent is charged in (cents; yen; fillér for forints).
    lines: tuple[tuple[str, int, int], ...]


ORDERS = [
    # Delivered 3 days ago, three lines, one of them not returnable.
    DemoOrder(
        "1001",
        "customer@example.com",
        "EUR",
        6,
        3,
        499,
        (("TSHIRT-BLU-M", 2, 2499), ("MUG-STONE", 1, 1450), ("EARRINGS-925", 1, 3900)),
    ),
    # Outside the 30-day window.
    DemoOrder("1002", "customer@example.com", "EUR", 70, 64, 499, (("SNEAKER-42", 1, 7995),)),
    # A German customer.
    DemoOrder(
        "1003",
        "kunde@example.com",
        "EUR",
        8,
        4,
        0,
        (("SNEAKER-42", 1, 7995), ("GIFT-CARD", 1, 5000)),
    ),
    # Yen have no minor unit: 12,800 JPY is 12800.
    DemoOrder(
        "1004",
        "tanaka@example.com",
        "JPY",
        5,
        2,
        800,
        (("KETTLE-JP", 1, 12800), ("MUG-STONE", 2, 1650)),
    ),
    # Not delivered yet: the window counts from the order date.
    DemoOrder("1005", "kunde@example.com", "EUR", 2, None, 499, (("MUG-STONE", 4, 1450),)),
    # Forints: Stripe counts them in fillér, so 24 990 Ft is 2499000 (shown as 24 990 Ft).
    DemoOrder(
        "1006",
        "eszter@example.com",
        "HUF",
        7,
        4,
        149000,
        (("ESPRESSO-1", 1, 2499000), ("MUG-STONE", 2, 450000)),
    ),
]


def demo_customer(
    email: str,
    name: str,
    locale: str,
    street: str,
    postal_code: str,
    city: str,
    country: str,
    *,
    admin: bool = False,
) -> Customer:
    """The demo customer with this e-mail, made (password ``demo``) unless it exists."""
    customer = db.session.scalar(db.select(Customer).filter_by(email=email))
    if customer is None:
        customer = Customer(
            email=email,
            name=name,
            locale=locale,
            street=street,
            postal_code=postal_code,
            city=city,
            country=country,
            is_admin=admin,
        )
        customer.set_password(DEMO_PASSWORD)
        db.session.add(customer)
    return customer


def seed_demo_data() -> list[str]:
    """Create the demo rows unless they exist; return the order numbers created."""
    now = datetime.now(UTC).replace(tzinfo=None)
    customers = {row[0]: demo_customer(*row[:7], admin=row[7]) for row in CUSTOMERS}
    products = {}
    for sku, name, category, returnable, why_not in PRODUCTS:
        product = db.session.scalar(db.select(Product).filter_by(sku=sku))
        if product is None:
            product = Product(
                sku=sku,
                name=name,
                category=category,
                returnable=returnable,
                non_returnable_reason=why_not,
            )
            db.session.add(product)
        products[sku] = product
    db.session.flush()

    client = stripe_client(current_app)
    created = []
    for spec in ORDERS:
        if db.session.scalar(db.select(ShopOrder).filter_by(number=spec.number)):
            continue
        order = ShopOrder(
            number=spec.number,
            customer=customers[spec.email],
            currency=spec.currency,
            placed_at=now - timedelta(days=spec.placed_days_ago),
            delivered_at=(
                now - timedelta(days=spec.delivered_days_ago)
                if spec.delivered_days_ago is not None
                else None
            ),
            shipping_amount=spec.shipping,
        )
        for sku, quantity, unit_amount in spec.lines:
            order.lines.append(
                ShopOrderLine(product=products[sku], quantity=quantity, unit_amount=unit_amount)
            )
        order.payment_intent_id = create_paid_payment_intent(
            client,
            order.total,
            spec.currency,
            description=f"Order {spec.number}",
            metadata={"order_number": spec.number},
        )
        db.session.add(order)
        created.append(spec.number)
    db.session.commit()
    return created


shop_cli = AppGroup("shop", help="The example shop's own commands.")


@shop_cli.command("init-db")
def init_db() -> None:
    """Create the shop's own tables (the returns tables come from `flask returns db upgrade`)."""
    db.create_all()
    click.echo("shop tables ready")


@shop_cli.command("seed")
@click.option("--history/--no-history", default=True, help="Also 90 days of past returns.")
def seed(history: bool) -> None:
    """Load the demo customers, products and paid orders (and a history of returns)."""
    from .history import seed_history

    created = seed_demo_data()
    click.echo(f"demo orders created: {', '.join(created) or 'none (already there)'}")
    if history:
        click.echo(f"returns history: {seed_history()} returns made")
