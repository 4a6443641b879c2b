"""Engine set-up that a person running the bot would notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import (
    DatabaseUnavailable,
    UnsupportedDatabaseUrl,
    async_url,
    connected,
    create_engine,
    normalised_url,
    safe_url,
)


def test_plain_urls_get_the_async_drivers() -> None:
    assert async_url("sqlite:///bot.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@db/bot").drivername == "postgresql+asyncpg"
    assert async_url("postgres://u@db/bot").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+psycopg2://u@db/bot").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+asyncpg://u@db/bot").drivername == "postgresql+asyncpg"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://bot:pw@db:5432/incidents",
        "postgresql://bot:pw@db:5432/incidents",
        "postgresql+psycopg2://bot:pw@db:5432/incidents",
        "postgresql+asyncpg://bot:pw@db:5432/incidents",
    ],
)
def test_every_postgresql_spelling_becomes_the_asyncpg_url(url: str) -> None:
    assert normalised_url(url) == "postgresql+asyncpg://bot:pw@db:5432/incidents"


def test_a_plain_sqlite_url_becomes_the_aiosqlite_url() -> None:
    assert normalised_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"


def test_safe_url_hides_the_password() -> None:
    shown = safe_url("postgresql+asyncpg://bot:s3cret-pw@db.internal:5432/incidents")
    assert "s3cret-pw" not in shown
    assert "db.internal" in shown


async def test_sqlite_file_is_created_in_wal_mode(tmp_path: Path) -> None:
    database = tmp_path / "ai-incident.db"
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with engine.connect() as connection:
            journal_mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    finally:
        await engine.dispose()
    assert database.exists()
    assert journal_mode == "wal"
    assert foreign_keys == 1


async def test_a_sqlite_file_in_a_missing_folder_is_one_line_and_no_folder_is_made(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data" / "nested"
    engine = create_engine(f"sqlite:///{folder / 'ai-incident.db'}")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            async with connected(engine):
                pass
    finally:
        await engine.dispose()
    assert str(caught.value).startswith(f"the folder {folder} of the SQLite database")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "url", ["mysql://root@db/x", "oracle://u@db/x", "not a url", "sqlite+pysqlcipher:///x.db"]
)
def test_other_databases_are_refused_by_one_normalisation(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseUrl):
        async_url(url)
    with pytest.raises(UnsupportedDatabaseUrl):
        create_engine(url)
