"""Alembic's entry point for this project's migrations.

There is no alembic.ini: storage.migrate builds the Config in code and passes either an open
connection (`config.attributes["connection"]`, the normal route) or a URL
(`config.attributes["url"]`, or the `sqlalchemy.url` main option). The URL is never read from a
file, so a password lives only in the environment that supplied it.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import async_url, create_engine
from storage.models import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass config.attributes['url'] (see storage.migrate)")
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can alter little in place; batch mode rebuilds the table when it must.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    """Print the SQL instead of running it (`--sql`)."""
    context.configure(
        url=async_url(_url()),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_with_new_engine(_url()))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
