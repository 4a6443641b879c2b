"""The schema: `ai-incident db upgrade` builds it from nothing, and start-up can tell when a
database is not at this version's schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import create_engine, sqlite_file
from storage.migrate import (
    SchemaAhead,
    SchemaBehind,
    check_schema_current,
    current_revisions,
    head_revisions,
    upgrade,
)
from storage.models import metadata


async def test_upgrade_from_empty_makes_the_schema_current(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SchemaBehind, match=r"run `ai-incident db upgrade`"):
        await check_schema_current(database_url)

    # An installed package is run from anywhere: the migrations must not depend on the cwd.
    monkeypatch.chdir(tmp_path)
    await upgrade(database_url)

    await check_schema_current(database_url)
    heads = head_revisions()
    assert heads and await current_revisions(database_url) == heads


async def test_upgrading_an_up_to_date_database_changes_nothing(migrated_url: str) -> None:
    await upgrade(migrated_url)
    await check_schema_current(migrated_url)


async def test_empty_database_message_says_what_to_do(database_url: str) -> None:
    file = sqlite_file(database_url)
    if file is not None:
        file.touch()  # SQLite: an existing, empty database (a missing file is the next test)
    with pytest.raises(SchemaBehind) as raised:
        await check_schema_current(database_url)
    needed = ", ".join(sorted(head_revisions()))
    assert str(raised.value) == (
        f"database schema is at no revision (an empty database), this version needs {needed}: "
        "run `ai-incident db upgrade`"
    )


async def test_a_missing_sqlite_file_is_behind_and_is_not_created(tmp_path: Path) -> None:
    file = tmp_path / "absent.db"
    with pytest.raises(SchemaBehind) as raised:
        await check_schema_current(f"sqlite:///{file}")
    assert str(raised.value).startswith(f"database file {file} does not exist")
    assert not _has_files(tmp_path)


def _has_files(folder: Path) -> bool:
    return any(folder.iterdir())


async def test_database_from_a_newer_version_is_not_mistaken_for_current(
    migrated_url: str,
) -> None:
    engine = create_engine(migrated_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await engine.dispose()

    with pytest.raises(SchemaAhead, match="9999"):
        await check_schema_current(migrated_url)


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_models_match_the_migrations(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []
