"""Storage: the core's ports (repositories, unit of work) on SQLModel and SQLAlchemy async.

Works the same on SQLite (aiosqlite, the default) and PostgreSQL (asyncpg). Typical wiring::

    engine = create_engine(settings.database_url)
    await check_schema_current(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(create_session_factory(engine))
"""

from storage.engine import async_url, create_engine, create_session_factory, safe_url
from storage.migrate import (
    SchemaAhead,
    SchemaBehind,
    SchemaError,
    check_schema_current,
    current_revisions,
    head_revisions,
    upgrade,
    upgrade_sync,
)
from storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SchemaAhead",
    "SchemaBehind",
    "SchemaError",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "async_url",
    "check_schema_current",
    "create_engine",
    "create_session_factory",
    "current_revisions",
    "head_revisions",
    "safe_url",
    "upgrade",
    "upgrade_sync",
]
