"""Engine set-up that a person running the bot would notice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.engine import async_url, create_engine, safe_url


def test_plain_urls_get_the_async_drivers() -> None:
    assert async_url("sqlite:///bot.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@db/bot").drivername == "postgresql+asyncpg"
    assert async_url("postgres://u@db/bot").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+asyncpg://u@db/bot").drivername == "postgresql+asyncpg"


def test_safe_url_hides_the_password() -> None:
    shown = safe_url("postgresql+asyncpg://bot:s3cret-pw@db.internal:5432/incidents")
    assert "s3cret-pw" not in shown
    assert "db.internal" in shown


async def test_sqlite_file_in_a_missing_folder_is_created_in_wal_mode(tmp_path: Path) -> None:
    database = tmp_path / "data" / "nested" / "ai-incident.db"
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
