"""`ai-incident --help` loads the command line only: no Bolt, no SQLAlchemy, no alembic."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

HEAVY = ("slack_bolt", "slack_sdk", "sqlalchemy", "sqlmodel", "alembic", "pydantic", "starlette")

PROBE = f"""
import contextlib, io, json, sys
ARGS = sys.argv[1:]
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as shown:
    try:
        code = main(ARGS)
    except SystemExit as done:
        code = done.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r} or m == "http.server")
print(json.dumps({{"code": code, "help": shown.getvalue(), "loaded": loaded}}))
"""


def _run(*args: str) -> dict[str, Any]:
    """`ai-incident ARGS` in a fresh interpreter: its exit code, what it printed, what it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=True
    )
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen


def test_help_imports_no_framework_and_no_database_library() -> None:
    seen = _run("--help")
    assert seen["code"] == 0
    assert "serve" in seen["help"] and "postmortem" in seen["help"]
    assert seen["loaded"] == []


def test_a_command_still_loads_what_it_uses() -> None:
    # The probe can tell: a command that reads the settings does load pydantic.
    seen = _run("runbooks", "check")
    assert seen["code"] == 0
    assert "pydantic" in seen["loaded"]
