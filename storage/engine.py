"""Engines and sessions, tuned per backend so the rest of the code need not know which one runs.

SQLite is the single-process default and PostgreSQL the multi-replica option; both are reached
through SQLAlchemy's async drivers (aiosqlite, asyncpg).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# A writer waits this long for another writer's transaction instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Users paste URLs the way their other tools spell them; map those onto the async drivers.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def async_url(url: str | URL) -> URL:
    """The URL with its driver switched to the async one (`postgresql://` -> asyncpg)."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def safe_url(url: str | URL) -> str:
    """The URL as it may appear in a log line or an error: password masked."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for `url`, with the backend's settings applied."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    # Replicas behind a load balancer outlive database restarts and idle-connection reapers.
    return create_async_engine(parsed, pool_pre_ping=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: use cases render the saved incident afterwards.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def _create_sqlite_engine(url: URL) -> AsyncEngine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling starts no transaction for a SELECT; SQLAlchemy
    # takes over BEGIN instead (see _begin_immediate), the recipe in SQLAlchemy's SQLite docs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers run while one writer writes; the file keeps the mode once set.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # Take the write lock up front. A deferred transaction that reads and then writes must
    # upgrade its lock, and when two do that at once one fails with "database is locked"
    # without waiting; BEGIN IMMEDIATE makes the second one wait (busy_timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
