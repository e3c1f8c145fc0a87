"""Demo data: customers, products (sizes, prices, stock) and orders paid through real
PaymentIntents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

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


class DemoProduct(NamedTuple):
    sku: str
    name: str
    category: str
    returnable: bool
    # Why not, in the customer's words, when it cannot be returned.
    non_returnable_reason: str
    # The list price in Stripe's units of ``currency``, and units on the shelf.
    price: int
    currency: str
    stock: int
    # Variants of one product (its sizes) share a family; "" stands alone.
    family: str = ""
    variant_label: str = ""


TRAIL_RUNNER = "TRAIL-RUNNER"

PRODUCTS = [
    DemoProduct("TSHIRT-BLU-M", "Organic T-shirt, blue, M", "apparel", True, "", 2499, "EUR", 40),
    DemoProduct("MUG-STONE", "Stoneware mug", "home", True, "", 1450, "EUR", 60),
    DemoProduct(
        "EARRINGS-925",
        "Silver earrings",
        "jewellery",
        False,
        "Pierced jewellery cannot be returned for hygiene reasons.",
        3900,
        "EUR",
        12,
    ),
    DemoProduct("SNEAKER-42", "Canvas sneakers, size 42", "shoes", True, "", 7995, "EUR", 8),
    DemoProduct("KETTLE-JP", "Cast-iron kettle", "home", True, "", 8900, "EUR", 5),
    DemoProduct(
        "GIFT-CARD", "Gift card", "gift", False, "Gift cards cannot be returned.", 5000, "EUR", 999
    ),
    DemoProduct("ESPRESSO-1", "Espresso machine", "home", True, "", 64900, "EUR", 3),
    # One shoe in four sizes at one price: a size that does not fit can be exchanged
    # for one in stock (43); 44 is sold out, so it is offered but cannot be chosen.
    *(
        DemoProduct(
            f"TRAIL-{size}",
            f"Trail Runner, size {size}",
            "shoes",
            True,
            "",
            11990,
            "EUR",
            stock,
            family=TRAIL_RUNNER,
            variant_label=f"Size {size}",
        )
        for size, stock in ((41, 2), (42, 3), (43, 4), (44, 0))
    ),
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
    # Trail Runners in size 42, delivered 2 days ago: too small? Exchange them for 43,
    # or take store credit with a bonus.
    DemoOrder("1007", "customer@example.com", "EUR", 5, 2, 499, (("TRAIL-42", 1, 11990),)),
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
    for spec in PRODUCTS:
        product = db.session.scalar(db.select(Product).filter_by(sku=spec.sku))
        if product is None:
            product = Product(
                sku=spec.sku,
                name=spec.name,
                category=spec.category,
                returnable=spec.returnable,
                non_returnable_reason=spec.non_returnable_reason,
                price=spec.price,
                price_currency=spec.currency,
                stock=spec.stock,
                family=spec.family,
                variant_label=spec.variant_label,
            )
            db.session.add(product)
        products[spec.sku] = product
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
