"""Replicas that start together all run `db upgrade`: each succeeds, exactly one migrates."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from storage.engine import normalised_url
from storage.migrate import UpgradeResult, current_revisions, head_revisions, upgrade

EMPTY: frozenset[str] = frozenset()


async def test_two_upgrades_at_once_both_succeed_and_one_migrates(database_url: str) -> None:
    heads = frozenset(head_revisions())

    first, second = await asyncio.gather(upgrade(database_url), upgrade(database_url))

    results = sorted([first, second], key=lambda result: result.migrated)
    assert results == [UpgradeResult(heads, heads), UpgradeResult(EMPTY, heads)]
    assert await current_revisions(database_url) == set(heads)


async def test_two_db_upgrade_commands_at_once_print_who_migrated(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "AI_INCIDENT_"))
    }
    env["AI_INCIDENT_DATABASE_URL"] = normalised_url(database_url)
    commands = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "db",
            "upgrade",
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await command.communicate() for command in commands]

    assert [command.returncode for command in commands] == [0, 0], outputs
    printed = sorted(out.decode() for out, _ in outputs)
    heads = ", ".join(sorted(head_revisions()))
    assert printed == [
        f"database is up to date (at {heads})\n",
        f"migrated the database from no revision (an empty database) to {heads}\n",
    ]
