"""Schema migrations: bring a database to this version's schema, or tell that it is behind.

Alembic runs on a connection of our own async engine (passed through
`config.attributes["connection"]` inside `run_sync`), so it works the same from inside a running
event loop, on SQLite and PostgreSQL, and needs no alembic.ini: the script location is this
package's folder, found wherever the package is installed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import connected, create_engine, sqlite_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Replicas that start together each run `db upgrade`; on PostgreSQL the first takes this
# transaction-scoped advisory lock and migrates, the others wait for its commit and then find
# nothing to do. Any fixed 64-bit number works, as long as every version uses the same one.
MIGRATION_LOCK_KEY = 0x61692D696E63  # "ai-inc"


@dataclass(frozen=True)
class UpgradeResult:
    """Where the database was before `upgrade` and where it is now."""

    before: frozenset[str]
    after: frozenset[str]

    @property
    def migrated(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if not self.migrated:
            return f"database is up to date (at {_describe(set(self.after))})"
        before, after = _describe(set(self.before)), _describe(set(self.after))
        return f"migrated the database from {before} to {after}"


class SchemaError(Exception):
    """The database's schema is not the one this version of the code was written for."""


class SchemaBehind(SchemaError):
    """The database is empty or at an older revision; `ai-incident db upgrade` fixes it."""

    def __init__(
        self, current: set[str], needed: set[str], *, missing_file: Path | None = None
    ) -> None:
        where = (
            f"database file {missing_file} does not exist"
            if missing_file is not None
            else f"database schema is at {_describe(current)}"
        )
        super().__init__(
            f"{where}, this version needs {_describe(needed)}: run `ai-incident db upgrade`"
        )
        self.current = current
        self.needed = needed


class SchemaAhead(SchemaError):
    """The database was migrated by a newer version of ai-incident than this one."""

    def __init__(self, current: set[str], needed: set[str]) -> None:
        super().__init__(
            f"database schema is at {_describe(current)}, which this version does not know "
            f"(it needs {_describe(needed)}): run the newer ai-incident that migrated it"
        )
        self.current = current
        self.needed = needed


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code; `url` travels in `attributes`, never through a file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.attributes["url"] = url
    return config


def head_revisions() -> set[str]:
    """The revisions this version of the code expects the database to be at."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade(url: str) -> UpgradeResult:
    """Migrate the database at `url` to the newest schema, in one transaction.

    Raises DatabaseUnavailable (one line) when the database cannot be reached."""
    config = alembic_config(url)
    engine = create_engine(url)
    try:
        async with connected(engine) as connection, connection.begin():
            return await connection.run_sync(_upgrade_on, config)
    finally:
        await engine.dispose()


def upgrade_sync(url: str) -> UpgradeResult:
    """`upgrade` for callers without an event loop (the command line)."""
    return asyncio.run(upgrade(url))


async def current_revisions(url: str) -> set[str]:
    """The revisions the database is at; empty when it was never migrated."""
    engine = create_engine(url)
    try:
        async with connected(engine) as connection:
            return await connection.run_sync(_current_on)
    finally:
        await engine.dispose()


async def check_schema_current(url: str) -> None:
    """Raise SchemaBehind (or SchemaAhead) unless the database is exactly at head.

    A SQLite file that does not exist is behind, and is not created by looking at it."""
    needed = head_revisions()
    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise SchemaBehind(set(), needed, missing_file=file)
    current = await current_revisions(url)
    if current == needed:
        return
    known = {
        revision.revision
        for revision in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current - known:
        raise SchemaAhead(current, needed)
    raise SchemaBehind(current, needed)


def _upgrade_on(connection: Connection, config: Config) -> UpgradeResult:
    if connection.dialect.name == "postgresql":
        # Released at commit; read the revision only once it is held.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    before = frozenset(_current_on(connection))
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")
    return UpgradeResult(before=before, after=frozenset(_current_on(connection)))


def _current_on(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def _describe(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) if revisions else "no revision (an empty database)"
