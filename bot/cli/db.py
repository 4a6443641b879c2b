"""`ai-incident db upgrade`: bring the database to this version's schema.

Safe to run from several replicas at once: on PostgreSQL the migration holds an advisory lock
(storage/migrate.py), so one migrates and the others find nothing to do.
"""

from __future__ import annotations

import asyncio

from bot.config import Settings
from storage.migrate import upgrade


def db_upgrade(settings: Settings) -> int:
    result = asyncio.run(upgrade(settings.database_url))
    print(result.describe())
    return 0
