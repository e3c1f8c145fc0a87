"""The example shop's demo data as the tests name it, read from the seed itself."""

from __future__ import annotations

from example_shop.seed import CUSTOMERS, DEMO_PASSWORD, ORDERS, PRODUCTS, TRAIL_RUNNER

# Product names by SKU, as the customer's form and the admin pages show them.
NAMES = {sku: name for sku, name, *_ in PRODUCTS}
SHIRT = NAMES["TSHIRT-BLU-M"]
MUG = NAMES["MUG-STONE"]
EARRINGS = NAMES["EARRINGS-925"]
SNEAKERS = NAMES["SNEAKER-42"]
KETTLE = NAMES["KETTLE-JP"]

# The shoe in sizes (one family): the demo order of size 42, the size in stock to
# exchange it for, and the sold-out size.
SHOE_SIZES = {p.sku: p for p in PRODUCTS if p.family == TRAIL_RUNNER}
SHOE_42, SHOE_43, SHOE_OUT = "TRAIL-42", "TRAIL-43", "TRAIL-44"
SHOE_ORDER = next(o.number for o in ORDERS if any(sku == SHOE_42 for sku, *_ in o.lines))

# Who ordered what: order number -> the customer's e-mail.
BUYERS = {order.number: order.email for order in ORDERS}
ADMIN_EMAIL = next(email for email, *_, is_admin in CUSTOMERS if is_admin)
PASSWORD = DEMO_PASSWORD
