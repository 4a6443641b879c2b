"""`ai-incident cases export ID --format jsonl|promptfoo [--out FILE]`: an incident's regression
cases as an eval runner reads them; `ai-incident cases push ID --dataset NAME`: the same cases
into a Langfuse dataset.

JSONL is one self-describing case per line; promptfoo is a test file (`tests: file://…` in
promptfooconfig.yaml) whose asserts come from the expected behaviour. The file goes to stdout, or
to FILE; what was exported goes to stderr, so stdout stays the file alone. The cases count as in
the eval set from the first export on; exporting again gives the same bytes and changes nothing.
Only the database is needed (AI_INCIDENT_DATABASE_URL), and for a push the Langfuse project
(AI_INCIDENT_LANGFUSE_HOST, _PUBLIC_KEY, _SECRET_KEY). A push upserts one dataset item per case,
keyed by the case's id: pushing again creates nothing new.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO, TypeVar

import httpx

from bot.cases_langfuse import DATASET_NAME_MAX, LangfuseDatasets, LangfuseError
from bot.cli.failures import EXIT_FAILED
from bot.config import Settings, SettingsError, load_langfuse_settings
from bot.core.cases.model import RegressionCase
from bot.core.cases.service import CaseService, ExportFormat
from bot.core.errors import DomainError
from storage.engine import DatabaseUnavailable, create_engine, create_session_factory
from storage.migrate import SchemaError, check_schema_current
from storage.unit_of_work import SqlUnitOfWorkFactory

T = TypeVar("T")


def _note(message: str) -> None:
    print(f"ai-incident: {message}", file=sys.stderr)


async def with_cases(url: str, work: Callable[[CaseService], Awaitable[T]]) -> T:
    """`work` on the cases service of the database at `url` (at this version's schema)."""
    await check_schema_current(url)
    engine = create_engine(url)
    try:
        return await work(CaseService(uow=SqlUnitOfWorkFactory(create_session_factory(engine))))
    finally:
        await engine.dispose()


def run_export(number: int, *, fmt: str, out: Path | None, settings: Settings) -> int:
    # The file is opened before anything is marked exported (a path that cannot be written
    # must not leave the cases counted as in the eval set), and beside FILE so that a failed
    # export leaves an earlier FILE as it was.
    partial = out.with_name(f".{out.name}.partial") if out else None
    target: TextIO
    try:
        target = partial.open("w", encoding="utf-8", newline="\n") if partial else sys.stdout
    except OSError as error:
        _note(f"cannot write {out}: {error.strerror or error}")
        return EXIT_FAILED

    async def export(cases: CaseService) -> tuple[str, int]:
        text = await cases.export(number, ExportFormat(fmt))
        return text, len(await cases.list(number))

    try:
        try:
            text, count = asyncio.run(with_cases(settings.database_url, export))
        except (SchemaError, DomainError, DatabaseUnavailable) as error:
            _note(error.message if isinstance(error, DomainError) else str(error))
            if partial is not None:
                target.close()
                partial.unlink(missing_ok=True)
            return EXIT_FAILED
        target.write(text)
    finally:
        if partial is not None:
            target.close()
    if partial is not None and out is not None:
        partial.replace(out)
    if count == 0:
        _note(f"incident #{number} has no regression cases yet: the {fmt} file is empty")
    else:
        where = f" to {out}" if out else ""
        _note(f"exported {count} regression case(s) of incident #{number} as {fmt}{where}")
    return 0


def run_push(
    number: int,
    *,
    dataset: str,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    name = dataset.strip()
    if not name or len(name) > DATASET_NAME_MAX or not name.isprintable():
        _note(f"--dataset must be a name of 1 to {DATASET_NAME_MAX} printable characters")
        return EXIT_FAILED
    try:
        langfuse_settings = load_langfuse_settings()
    except SettingsError as error:
        _note(str(error))
        return EXIT_FAILED
    langfuse = LangfuseDatasets(
        host=langfuse_settings.host,
        public_key=langfuse_settings.public_key,
        secret_key=langfuse_settings.secret_key,
        transport=transport,
    )

    async def push(cases: CaseService) -> list[RegressionCase]:
        found = [view.case for view in await cases.list(number)]
        if found:
            await langfuse.push(name, found)
            # Marked only once Langfuse has every item: a failed push leaves them as they were.
            await cases.mark_pushed(keys=[case.key for case in found], dataset=name)
        return found

    try:
        pushed = asyncio.run(with_cases(settings.database_url, push))
    except (SchemaError, DomainError, LangfuseError) as error:
        _note(error.message if isinstance(error, DomainError) else str(error))
        return EXIT_FAILED
    if not pushed:
        _note(f"incident #{number} has no regression cases yet: nothing was pushed")
    else:
        _note(
            f"pushed {len(pushed)} regression case(s) of incident #{number} to the Langfuse "
            f"dataset {name!r} at {langfuse_settings.host}"
        )
    return 0
