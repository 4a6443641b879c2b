"""Storage: the core's ports (repositories, unit of work) on SQLModel and SQLAlchemy async.

Works the same on SQLite (aiosqlite, the default) and PostgreSQL (asyncpg). Typical wiring::

    engine = create_engine(settings.database_url)
    await check_schema_current(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(create_session_factory(engine))
"""

import importlib
from typing import TYPE_CHECKING, Any

# Imported on first use (PEP 562): `import storage.models` or a command that never opens a
# database need not load SQLAlchemy's engine, alembic and every repository.
_WHERE = {
    "async_url": "storage.engine",
    "create_engine": "storage.engine",
    "create_session_factory": "storage.engine",
    "safe_url": "storage.engine",
    "SchemaAhead": "storage.migrate",
    "SchemaBehind": "storage.migrate",
    "SchemaError": "storage.migrate",
    "check_schema_current": "storage.migrate",
    "current_revisions": "storage.migrate",
    "head_revisions": "storage.migrate",
    "upgrade": "storage.migrate",
    "upgrade_sync": "storage.migrate",
    "SqlUnitOfWork": "storage.unit_of_work",
    "SqlUnitOfWorkFactory": "storage.unit_of_work",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


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
