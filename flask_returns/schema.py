"""Apply the extension's migrations, which keep their own Alembic version table.

The host may run Flask-Migrate for its own tables on the same database: our
history is tracked in ``returns_alembic_version`` and only ``returns_*`` tables
are ours, so neither side's autogenerate touches the other's tables.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from .paths import migrations_folder

VERSION_TABLE = "returns_alembic_version"
TABLE_PREFIX = "returns_"


def is_returns_table(name: str | None) -> bool:
    return bool(name) and name.startswith(TABLE_PREFIX)  # type: ignore[union-attr]


def ignore_returns_tables(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """An Alembic ``include_name`` hook for the host's own migrations.

    Pass it as ``Migrate(app, db, include_name=ignore_returns_tables)`` so the
    host's autogenerate does not offer to drop the returns tables.
    """
    return not (type_ == "table" and is_returns_table(name))


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    return ScriptDirectory.from_config(config).get_current_head()
