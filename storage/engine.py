"""Engines and sessions, tuned per backend so the rest of the code need not know which one runs.

SQLite is the single-process default and PostgreSQL the multi-replica option; both are reached
through SQLAlchemy's async drivers (aiosqlite, asyncpg).
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

# A writer waits this long for another writer's transaction instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 30_000

DATABASE_URL_SETTING = "AI_INCIDENT_DATABASE_URL"

# Users paste URLs the way their other tools spell them; map those onto the async drivers.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}

# PostgreSQL's SQLSTATEs for a connection the server itself turned away.
_UNKNOWN_DATABASE = "3D000"
_AUTH_REJECTED = ("28000", "28P01")


class UnsupportedDatabaseUrl(ValueError):
    """Not a SQLite or PostgreSQL URL; the message says which URLs are."""


class DatabaseUnavailable(Exception):
    """The database cannot be used at all; the message is one line naming the fix."""


def async_url(url: str | URL) -> URL:
    """The URL with its driver switched to the async one (`postgresql://` -> asyncpg).

    The one place database URLs are normalised: settings, every command, create_engine and the
    migrations go through it, so a URL one of them accepts the others accept too."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabaseUrl(_SUPPORTED) from None
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise UnsupportedDatabaseUrl(_SUPPORTED)
    return parsed.set(drivername=driver)


_SUPPORTED = (
    "must be a SQLite or PostgreSQL URL, e.g. sqlite:///./ai-incident.db or "
    "postgresql://user:password@host:5432/name"
)


def normalised_url(url: str | URL) -> str:
    """`async_url` as a string, password included (for settings; never print it)."""
    return async_url(url).render_as_string(hide_password=False)


def safe_url(url: str | URL) -> str:
    """The URL as it may appear in a log line or an error: password masked."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for `url`, with the backend's settings applied."""
    parsed = async_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    _require_asyncpg()
    # Replicas behind a load balancer outlive database restarts and idle-connection reapers.
    return create_async_engine(parsed, pool_pre_ping=True)


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL and in-memory or `file:` databases."""
    parsed = async_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


@asynccontextmanager
async def connected(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of `engine`; failing to get one raises DatabaseUnavailable saying why.

    Only the connect is translated: an error in the work done on the connection is a bug or a
    real database error and keeps its own type."""
    file = sqlite_file(engine.url)
    if file is not None and not file.parent.is_dir():
        # Checked before connecting: SQLite's own answer is only "unable to open database file".
        raise DatabaseUnavailable(
            f"the folder {file.parent} of the SQLite database does not exist: create it "
            f"(mkdir -p {file.parent}) or fix {DATABASE_URL_SETTING}"
        )
    try:
        connection = await engine.connect()
    except Exception as error:
        raise DatabaseUnavailable(_why_unreachable(error, engine.url)) from error
    try:
        yield connection
    finally:
        await connection.close()


def _require_asyncpg() -> None:
    try:
        importlib.import_module("asyncpg")
    except ImportError:
        raise DatabaseUnavailable(
            f"{DATABASE_URL_SETTING} is a PostgreSQL URL but the asyncpg driver is not "
            "installed: pip install 'ai-incident[postgres]'"
        ) from None


def _why_unreachable(error: BaseException, url: URL) -> str:
    where = url.render_as_string(hide_password=True)
    causes = list(_causes(error))
    sqlstates = {getattr(cause, "sqlstate", None) for cause in causes}
    if _UNKNOWN_DATABASE in sqlstates:
        return (
            f"database {url.database!r} does not exist on {url.host}: create it "
            f"(createdb {url.database}) or fix {DATABASE_URL_SETTING}"
        )
    if sqlstates & set(_AUTH_REJECTED):
        return (
            f"PostgreSQL at {url.host} rejected user {url.username!r}: check the user and "
            f"password in {DATABASE_URL_SETTING}"
        )
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return f"database host {url.host!r} is not known: fix {DATABASE_URL_SETTING}"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return (
            f"nothing accepts connections at {url.host}:{url.port or 5432}: start PostgreSQL "
            f"there or fix {DATABASE_URL_SETTING}"
        )
    if any(isinstance(cause, TimeoutError) for cause in causes):
        return (
            f"the database at {where} did not answer in time: check that it is reachable "
            f"from here or fix {DATABASE_URL_SETTING}"
        )
    # The driver's own first line; drivers do not put the password in their messages.
    root = causes[-1]
    reason = (str(root).strip().splitlines() or [""])[0]
    return (
        f"cannot connect to the database at {where} ({type(root).__name__}: {reason}): "
        f"check {DATABASE_URL_SETTING}"
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: use cases render the saved incident afterwards.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# The execution option that marks a connection's transactions as reads only (see _begin).
READ_ONLY_OPTION = "ai_incident_read_only"


def read_only_session_factory(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Sessions like `sessions`' for units of work that only read: on SQLite their transaction
    starts with a plain (deferred) BEGIN, so a read never queues for the write lock behind
    writers; WAL gives it a consistent snapshot all the same. A write in such a unit would have
    to upgrade its lock and could fail at once under contention: only pure reads use these."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        return sessions
    options = {**sessions.kw, "bind": engine.execution_options(**{READ_ONLY_OPTION: True})}
    return async_sessionmaker(class_=sessions.class_, **options)


def _create_sqlite_engine(url: URL) -> AsyncEngine:
    # No folder is made for the file: a typo in the URL would otherwise leave a stray tree
    # behind; `connected` names the missing folder instead.
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin)
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


def _begin(connection: Connection) -> None:
    # Take the write lock up front. A deferred transaction that reads and then writes must
    # upgrade its lock, and when two do that at once one fails with "database is locked"
    # without waiting; BEGIN IMMEDIATE makes the second one wait (busy_timeout) instead.
    # A unit that only reads (read_only_session_factory) needs no lock: it must not wait for
    # every writer before it.
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
