"""The example shop's demo data as the tests name it, read from the seed itself."""

from __future__ import annotations

from example_shop.seed import CUSTOMERS, DEMO_PASSWORD, ORDERS, PRODUCTS

# Product names by SKU, as the customer's form and the admin pages show them.
NAMES = {sku: name for sku, name, *_ in PRODUCTS}
SHIRT = NAMES["TSHIRT-BLU-M"]
MUG = NAMES["MUG-STONE"]
EARRINGS = NAMES["EARRINGS-925"]
SNEAKERS = NAMES["SNEAKER-42"]
KETTLE = NAMES["KETTLE-JP"]

# Who ordered what: order number -> the customer's e-mail.
BUYERS = {order.number: order.email for order in ORDERS}
ADMIN_EMAIL = next(email for email, *_, is_admin in CUSTOMERS if is_admin)
PASSWORD = DEMO_PASSWORD
