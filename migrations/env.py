"""Alembic environment for the flask-returns tables.

Run through ``flask returns db upgrade`` (or :mod:`flask_returns.schema`), which
hands over a connection to the host's database.
"""

from __future__ import annotations

from alembic import context

from flask_returns.models import Base, UTCDateTime
from flask_returns.schema import VERSION_TABLE, is_returns_table


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    # Only our tables: the host's (and its own alembic_version) are none of our business.
    if type_ == "table":
        return is_returns_table(name) and name != VERSION_TABLE
    return True


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Our UTCDateTime is a plain DateTime in the database; keep scripts free of model imports.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("flask-returns migrations run online through `flask returns db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_name=include_name,
    compare_type=True,
    render_item=render_item,
    # SQLite alters tables by copying them; batch mode does that for us.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
