"""`ai-incident postmortem ID [--format md|json]`: an incident's postmortem on stdout.

A closed incident's postmortem is the one stored at close; an open incident's is a draft
compiled now from what is recorded (nothing is stored). Which of the two it is goes to stderr,
so stdout stays the document alone and can be redirected to a file. Only the database is
needed (AI_INCIDENT_DATABASE_URL), and AI_INCIDENT_RUNBOOKS_DIR for a team's template: no Slack
token, so names print as Slack user ids in a draft. A database that cannot be reached propagates
(storage.engine.DatabaseUnavailable) and main() prints it as one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.cli.failures import EXIT_FAILED
from bot.config import Settings
from bot.core.errors import DomainError
from bot.core.postmortem.reader import PostmortemDocument, PostmortemReader
from storage.engine import create_engine, create_session_factory
from storage.migrate import SchemaError, check_schema_current
from storage.unit_of_work import SqlUnitOfWorkFactory


def incident_number(text: str) -> int:
    """`12` or `#12`."""
    try:
        number = int(text.strip().lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an incident number, e.g. 12") from None
    if number < 1:
        raise argparse.ArgumentTypeError("incident numbers start at 1")
    return number


def _note(message: str) -> None:
    print(f"ai-incident: {message}", file=sys.stderr)


def _describe(document: PostmortemDocument) -> str:
    number = document.incident.number
    compiled = f"{document.postmortem.compiled_at:%Y-%m-%d %H:%M} UTC"
    if document.stored:
        return f"incident #{number} is closed: its postmortem as stored ({compiled})"
    if document.incident.is_open:
        return (
            f"incident #{number} is still open: a draft compiled now from what is recorded "
            "(not stored)"
        )
    return f"incident #{number} is closed but no postmortem was stored: compiled now"


async def _document(
    number: int, database_url: str, template_dir: Path | None
) -> PostmortemDocument:
    await check_schema_current(database_url)
    engine = create_engine(database_url)
    try:
        reader = PostmortemReader(
            uow=SqlUnitOfWorkFactory(create_session_factory(engine)), template_dir=template_dir
        )
        return await reader.document(number)
    finally:
        await engine.dispose()


def run_postmortem(number: int, *, fmt: str, settings: Settings) -> int:
    runbooks = settings.runbooks_dir
    template_dir = runbooks / "templates" if runbooks else None
    try:
        document = asyncio.run(_document(number, settings.database_url, template_dir))
    except (SchemaError, DomainError) as error:
        _note(error.message if isinstance(error, DomainError) else str(error))
        return EXIT_FAILED
    _note(_describe(document))
    if document.postmortem.template_problem:
        _note(
            "the team's template failed, the built-in one was used: "
            + document.postmortem.template_problem
        )
    if fmt == "json":
        print(json.dumps(document.postmortem.data, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(document.postmortem.markdown)
    return 0
