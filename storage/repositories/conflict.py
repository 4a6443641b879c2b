"""Insert-unless-present, in one statement, on either backend.

A duplicate must not raise: on PostgreSQL a failed INSERT aborts the whole transaction, and the
use case around it still has work to commit. `INSERT ... ON CONFLICT DO NOTHING` skips the row
instead, and SQLite and PostgreSQL both speak it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_unless_present(
    session: AsyncSession,
    *,
    entity: type[SQLModel],
    values: dict[str, Any],
    unique_columns: Sequence[Mapped[Any]],
    returning: Mapped[Any],
) -> Any | None:
    """Insert one row and return its `returning` column (e.g. the new id), or None when
    `unique_columns` already hold those values and nothing was written.

    Only a conflict on `unique_columns` is absorbed: any other violation is a bug and raises.
    `returning` must be a column the database always fills (a key), so None means "skipped".
    """
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        pg_statement = postgresql.insert(entity).values(values)
        statement: Any = pg_statement.on_conflict_do_nothing(index_elements=list(unique_columns))
    elif dialect == "sqlite":
        lite_statement = sqlite.insert(entity).values(values)
        statement = lite_statement.on_conflict_do_nothing(index_elements=list(unique_columns))
    else:
        raise NotImplementedError(f"no insert-unless-present for the {dialect!r} dialect")
    row = (await session.exec(statement.returning(returning))).first()
    return None if row is None else row[0]


async def insert_many_unless_present(
    session: AsyncSession,
    *,
    entity: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    unique_columns: Sequence[Mapped[Any]],
    returning: Sequence[Mapped[Any]],
) -> list[tuple[Any, ...]]:
    """Insert many rows with one `INSERT ... ON CONFLICT DO NOTHING RETURNING` and return the
    `returning` columns of the rows written (in no promised order: match them by key). A row
    whose `unique_columns` are already there — in the table, or earlier in `rows` — is skipped.

    The rows go as one executemany: SQLAlchemy's "insertmanyvalues" sends them as multi-row
    VALUES pages of at most 1,000 rows, which keeps every page under both backends' bound
    parameter limits (SQLite 32,766, asyncpg 32,767) for tables of up to 32 columns.
    """
    if not rows:
        return []
    dialect = session.bind.dialect.name if session.bind is not None else ""
    if dialect == "postgresql":
        pg_statement = postgresql.insert(entity)
        statement: Any = pg_statement.on_conflict_do_nothing(index_elements=list(unique_columns))
    elif dialect == "sqlite":
        lite_statement = sqlite.insert(entity)
        statement = lite_statement.on_conflict_do_nothing(index_elements=list(unique_columns))
    else:
        raise NotImplementedError(f"no insert-unless-present for the {dialect!r} dialect")
    await session.flush()  # the ORM's pending writes go first, as session.exec would do
    connection = await session.connection()
    result = await connection.execute(statement.returning(*returning), list(rows))
    return [tuple(row) for row in result.all()]
