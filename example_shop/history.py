"""Ninety days of returns for the demo, made through the returns workflow.

A newcomer who opens the admin should find a queue with work waiting and a
dashboard with something to show. Every return here is opened, authorized,
received, refunded, rejected or cancelled by the same calls a customer's form and
an admin's buttons make, at the time the history says (``clock_at``), so its
events, its e-mails (in the customer's language) and its refunds at the Stripe
server in use are real. The numbers come from a fixed seed: every start shows the
same history. Orders 1001-1007 are left alone for a newcomer's own first return.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw

from flask_returns.photos import store_photo
from flask_returns.refunds import RefundRefused, issue_refund
from flask_returns.state import get_state
from flask_returns.testing import clock_at
from flask_returns.workflow import (
    Actor,
    LineReceipt,
    LineRequest,
    authorize_return,
    cancel_return,
    mark_received,
    reject_return,
    request_return,
    write_to_shop,
)

from .local_stripe import create_paid_payment_intent
from .models import Customer, Product, ShopOrder, ShopOrderLine, db
from .payments import stripe_client
from .seed import demo_customer

HISTORY_DAYS = 90
FIRST_NUMBER = 2001

# email, name, locale, street, postal code, city, country, currency
# What a customer asks about an open return, in their own language: some returns in
# the queue wait for the shop's answer.
QUESTIONS = {
    "pl": "Dzień dobry, kiedy mogę spodziewać się zwrotu pieniędzy?",
    "de": "Hallo, wann bekomme ich mein Geld zurück?",
    "en": "Hi, when will I get my money back?",
    "fr": "Bonjour, quand serai-je remboursé ?",
    "es": "Hola, ¿cuándo recibiré el reembolso?",
    "it": "Buongiorno, quando riceverò il rimborso?",
    "nl": "Hallo, wanneer krijg ik mijn geld terug?",
    "sv": "Hej, när får jag tillbaka pengarna?",
}

HISTORY_CUSTOMERS = [
    ("marie@example.com", "Marie Dubois", "fr", "12 rue des Lilas", "69003", "Lyon", "FR", "EUR"),
    ("lucia@example.com", "Lucía García", "es", "Calle Mayor 14", "28013", "Madrid", "ES", "EUR"),
    ("giulia@example.com", "Giulia Rossi", "it", "Via Roma 21", "20121", "Milano", "IT", "EUR"),
    (
        "sanne@example.com",
        "Sanne de Vries",
        "nl",
        "Prinsengracht 100",
        "1015 EA",
        "Amsterdam",
        "NL",
        "EUR",
    ),
    ("erik@example.com", "Erik Lindqvist", "sv", "Storgatan 8", "114 51", "Stockholm", "SE", "SEK"),
    (
        "oliver@example.com",
        "Oliver Smith",
        "en",
        "14 High Street",
        "SW1A 1AA",
        "London",
        "GB",
        "GBP",
    ),
    (
        "kasia@example.com",
        "Katarzyna Wiśniewska",
        "pl",
        "ul. Polna 7",
        "31-041",
        "Kraków",
        "PL",
        "PLN",
    ),
    ("customer@example.com", "", "pl", "", "", "", "", "EUR"),
    ("kunde@example.com", "", "de", "", "", "", "", "EUR"),
    ("tanaka@example.com", "", "en", "", "", "", "", "JPY"),
]

# What each product costs in each currency, in Stripe's units for it (cents, öre,
# pence, grosze; yen have none).
PRICES = {
    "TSHIRT-BLU-M": {"EUR": 2499, "SEK": 27900, "GBP": 2199, "PLN": 10900, "JPY": 3800},
    "MUG-STONE": {"EUR": 1450, "SEK": 15900, "GBP": 1250, "PLN": 6200, "JPY": 1650},
    "SNEAKER-42": {"EUR": 7995, "SEK": 89900, "GBP": 6999, "PLN": 34900, "JPY": 12500},
    "KETTLE-JP": {"EUR": 8900, "SEK": 99500, "GBP": 7800, "PLN": 38500, "JPY": 12800},
}
SHIPPING = {"EUR": 499, "SEK": 4900, "GBP": 399, "PLN": 1499, "JPY": 800}

# Why things come back, about as often as shops report: fit first, damage after.
REASONS = [
    ("size_fit", 30),
    ("changed_mind", 16),
    ("not_as_described", 12),
    ("damaged", 12),
    ("defective", 10),
    ("wrong_item", 6),
    ("arrived_late", 5),
    ("other", 4),
]
COMMENTS = {
    "size_fit": "Too small, I need one size up.",
    "damaged": "The box was crushed and it arrived broken.",
    "defective": "Stopped working after two days.",
    "not_as_described": "The colour is much darker than in the pictures.",
    "wrong_item": "I ordered a mug and got something else.",
}
REJECTION = "The item shows signs of use that the return policy does not cover."


@dataclass(frozen=True)
class Fate:
    """How far one return of the history got, and when (days after its request)."""

    ends: str  # requested | authorized | received | refunded | rejected | cancelled
    authorized_after: float = 1.0
    received_after: float = 6.0
    refunded_after: float = 7.0


def seed_history(count: int = 64, *, seed: int = 90) -> int:
    """Make ``count`` past orders and their returns; returns how many were made.

    Does nothing when the history is already there (its first order exists).
    """
    if db.session.scalar(db.select(ShopOrder).filter_by(number=str(FIRST_NUMBER))):
        return 0
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    customers = _customers()
    admin = db.session.scalar(db.select(Customer).filter_by(is_admin=True))
    # The history names the shop's admin as Flask-Login does: by the row's id.
    actor = Actor.admin(str(admin.id)) if admin is not None else Actor.system("demo")
    products = {p.sku: p for p in db.session.scalars(db.select(Product))}
    client = stripe_client(current_app)
    made = 0
    for n in range(count):
        # A fifth of the requests in the last ten days: the queue has work waiting.
        age = rng.uniform(0.2, 10) if n % 5 == 0 else rng.uniform(10, HISTORY_DAYS)
        requested_at = now - timedelta(days=age, hours=rng.uniform(0, 8))
        customer, currency = rng.choice(customers)
        order = _paid_order(
            client, FIRST_NUMBER + n, customer, currency, requested_at, products, rng
        )
        _replay_return(order, requested_at, _fate(age, rng), now, actor, rng)
        made += 1
    return made


def _customers() -> list[tuple[Customer, str]]:
    found = [(demo_customer(*row[:7]), row[7]) for row in HISTORY_CUSTOMERS]
    db.session.flush()
    return found


def _paid_order(
    client,
    number: int,
    customer: Customer,
    currency: str,
    requested_at: datetime,
    products: dict[str, Product],
    rng: random.Random,
) -> ShopOrder:
    delivered_at = requested_at - timedelta(days=rng.uniform(1, 12))
    order = ShopOrder(
        number=str(number),
        customer=customer,
        currency=currency,
        placed_at=(delivered_at - timedelta(days=rng.uniform(2, 5))).replace(tzinfo=None),
        delivered_at=delivered_at.replace(tzinfo=None),
        shipping_amount=SHIPPING[currency],
    )
    for sku in rng.sample(sorted(PRICES), k=rng.choice((1, 1, 2, 2, 3))):
        order.lines.append(
            ShopOrderLine(
                product=products[sku],
                quantity=rng.choice((1, 1, 1, 2)),
                unit_amount=PRICES[sku][currency],
            )
        )
    order.payment_intent_id = create_paid_payment_intent(
        client,
        order.total,
        currency,
        description=f"Order {number}",
        metadata={"order_number": str(number)},
    )
    db.session.add(order)
    db.session.commit()
    return order


def _fate(age: float, rng: random.Random) -> Fate:
    """Recent requests still wait; older ones mostly ended in a refund."""
    if age < 3:
        return Fate("requested")
    if age < 10:
        ends = rng.choice(("requested", "authorized", "authorized", "received", "cancelled"))
        return Fate(ends, rng.uniform(0.2, 2), rng.uniform(2.5, age - 0.2))
    roll = rng.random()
    received = rng.uniform(4, 9)
    refunded = received + rng.uniform(0.2, 2.5)
    if roll < 0.08:
        return Fate("rejected", authorized_after=rng.uniform(0.3, 2))
    if roll < 0.14:
        return Fate("cancelled", authorized_after=rng.uniform(0.5, 3))
    if age < received + 1:
        return Fate("authorized")
    if age < refunded + 0.5 or roll > 0.95:
        return Fate("received", received_after=received)
    return Fate("refunded", rng.uniform(0.2, 2), received, refunded)


def _replay_return(
    order: ShopOrder,
    requested_at: datetime,
    fate: Fate,
    now: datetime,
    admin: Actor,
    rng: random.Random,
) -> None:
    state = get_state()
    session = state.session
    seen = state.orders.get_order(str(order.id))
    assert seen is not None
    lines = []
    for line in seen.lines[: rng.choice((1, 1, 2))]:
        reason = rng.choices([r for r, _ in REASONS], weights=[w for _, w in REASONS])[0]
        photos = ()
        if reason in state.policy.photo_reasons:
            photos = (store_photo(state.storage, _photo(rng), state.settings),)
        comment = COMMENTS.get(reason, "") if rng.random() < 0.6 else ""
        lines.append(LineRequest(line.id, line.quantity, reason, comment, photos))
    customer = Actor.customer(seen.email)
    with clock_at(requested_at):
        ret = request_return(seen, lines, customer, locale=seen.locale or "en")
        session.commit()

    def at(days: float) -> datetime:
        return min(requested_at + timedelta(days=days), now - timedelta(minutes=5))

    # Its own random draw, so the rest of the history stays the same with or without it.
    question = QUESTIONS.get(ret.customer_locale)
    if (
        fate.ends in ("requested", "authorized")
        and question
        and random.Random(order.id).random() < 0.5
    ):
        with clock_at(at(0.1)):
            write_to_shop(ret, customer, question)
            session.commit()
    if fate.ends == "requested":
        return
    if fate.ends == "rejected":
        with clock_at(at(fate.authorized_after)):
            reject_return(ret, admin, reason=REJECTION)
            session.commit()
        return
    if fate.ends == "cancelled" and rng.random() < 0.5:
        with clock_at(at(fate.authorized_after)):
            cancel_return(ret, customer)  # withdrawn before anyone looked at it
            session.commit()
        return
    with clock_at(at(fate.authorized_after)):
        authorize_return(ret, admin)
        session.commit()
    if fate.ends == "cancelled":
        with clock_at(at(fate.authorized_after + rng.uniform(0.5, 3))):
            cancel_return(ret, customer)
            session.commit()
        return
    if fate.ends == "authorized":
        return
    with clock_at(at(fate.received_after)):
        receipts = [
            LineReceipt(
                line.id,
                line.quantity_authorized or 0,
                condition=rng.choice(("new", "new", "opened", "damaged")),
                resellable=rng.random() < 0.8,
            )
            for line in ret.lines
        ]
        mark_received(ret, admin, receipts)
        session.commit()
    if fate.ends == "received":
        return
    with clock_at(at(fate.refunded_after)):
        try:
            issue_refund(ret, None, admin)
        except RefundRefused:
            session.rollback()  # left waiting in the queue, as a real refusal would


def _photo(rng: random.Random) -> bytes:
    """A small made-up photo of a parcel: a box with a dent, on a random background."""
    background = tuple(rng.randint(150, 230) for _ in range(3))
    image = Image.new("RGB", (640, 480), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((150, 120, 490, 380), fill=(181, 137, 84), outline=(90, 60, 30), width=6)
    draw.line((150, 250, 490, 250), fill=(120, 85, 45), width=4)
    dent = rng.randint(200, 420)
    draw.polygon([(dent, 120), (dent + 50, 170), (dent + 100, 120)], fill=background)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
