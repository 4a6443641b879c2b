"""`ai-incident ...`: serve, demo, db upgrade, runbooks check, postmortem, cases.

Every command reads the one Settings (environment and `.env`) and demands what it needs.
Every failure a user can fix ends in one line on stderr and a non-zero exit, never a traceback,
and before the command has changed anything.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.failures import EXIT_FAILED, StartupError

if TYPE_CHECKING:
    from bot.config import Settings

# Only argparse at import: `--help` and a usage error load nothing else. Each command imports
# what it uses when it runs (pydantic for the settings, SQLAlchemy for a database URL, alembic
# for a schema, Bolt for `serve`).

EXIT_USAGE = EXIT_FAILED


def _fail(message: str) -> int:
    print(f"ai-incident: {message}", file=sys.stderr)
    return EXIT_USAGE


def _incident_number(text: str) -> int:
    from bot.cli.postmortem import incident_number

    return incident_number(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ai-incident", description="A Slack bot that runs AI-quality incidents."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the bot (HTTP mode, or Socket Mode)")
    serve.add_argument("--socket", action="store_true", help="connect over Socket Mode")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)

    demo = commands.add_parser(
        "demo", help="run a scripted incident through the real app against the Slack sandbox"
    )
    demo.add_argument("--out", type=Path, default=Path("ai-incident-demo"))

    runbooks = commands.add_parser("runbooks", help="runbook files")
    runbook_commands = runbooks.add_subparsers(dest="runbooks_command", required=True)
    check = runbook_commands.add_parser(
        "check", help="validate the shipped runbooks and those in DIR (or AI_INCIDENT_RUNBOOKS_DIR)"
    )
    check.add_argument("dir", nargs="?", type=Path)

    postmortem = commands.add_parser(
        "postmortem", help="print an incident's postmortem (stored at close, or a draft)"
    )
    postmortem.add_argument("number", metavar="ID", type=_incident_number)
    postmortem.add_argument("--format", choices=("md", "json"), default="md")

    cases = commands.add_parser("cases", help="an incident's regression cases")
    case_commands = cases.add_subparsers(dest="cases_command", required=True)
    export = case_commands.add_parser(
        "export", help="write the cases as an eval runner reads them (marks them exported)"
    )
    export.add_argument("number", metavar="ID", type=_incident_number)
    export.add_argument("--format", choices=("jsonl", "promptfoo"), default="jsonl")
    export.add_argument("--out", metavar="FILE", type=Path, help="write here, not to stdout")
    push = case_commands.add_parser(
        "push", help="upsert the cases into a Langfuse dataset (AI_INCIDENT_LANGFUSE_*)"
    )
    push.add_argument("number", metavar="ID", type=_incident_number)
    push.add_argument("--dataset", metavar="NAME", required=True)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        # The demo brings its own settings (the sandbox's); the user's .env plays no part.
        configure_logging(None)
        from bot.demo.story import run_demo

        return run_demo(args.out)
    from bot.config import load_settings

    try:
        settings = load_settings()
        _check_database_url(settings)
        configure_logging(settings)
        return _run(args, settings)
    except Exception as exc:
        if isinstance(exc, _user_failures()):
            return _fail(str(exc))
        raise


def _user_failures() -> tuple[type[Exception], ...]:
    """What a user can fix, reported in one line: settings, the database, start-up checks, and
    the schema (only a command that loaded the migrations can meet a schema error)."""
    from bot.config import SettingsError
    from storage.engine import DatabaseUnavailable

    failures: list[type[Exception]] = [SettingsError, DatabaseUnavailable, StartupError]
    migrate = sys.modules.get("storage.migrate")
    if migrate is not None:
        failures.append(migrate.SchemaError)
    return tuple(failures)


def _check_database_url(settings: Settings) -> None:
    from bot.config import SettingsError
    from storage.engine import DATABASE_URL_SETTING, UnsupportedDatabaseUrl, async_url

    try:
        async_url(settings.database_url)
    except UnsupportedDatabaseUrl as error:
        raise SettingsError(f"setting {DATABASE_URL_SETTING} is malformed: {error}") from None


def configure_logging(settings: Settings | None) -> None:
    """The one place the command line sets up logging (None is the demo, which has no
    settings of its own: it prints its own transcript, so only warnings and errors are logged)."""
    from bot.observability.logging import configure_logging as configure

    if settings is None:
        configure("WARNING")
    else:
        configure(settings.log_level, settings.log_format)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from bot.cli.serve import serve

        return serve(settings, socket=args.socket, host=args.host, port=args.port)
    if args.command == "db":
        from bot.cli.db import db_upgrade

        return db_upgrade(settings)
    if args.command == "runbooks":
        return _check_runbooks(args.dir or settings.runbooks_dir)
    if args.command == "postmortem":
        from bot.cli.postmortem import run_postmortem

        return run_postmortem(args.number, fmt=args.format, settings=settings)
    if args.command == "cases":
        from bot.cli.cases import run_export, run_push

        if args.cases_command == "push":
            return run_push(args.number, dataset=args.dataset, settings=settings)
        return run_export(args.number, fmt=args.format, out=args.out, settings=settings)
    return EXIT_USAGE


def _check_runbooks(directory: Path | None) -> int:
    from bot.core.runbooks.loader import check_runbooks, format_problems

    if directory is not None and not directory.is_dir():
        return _fail(f"{directory} is not a directory")
    problems = check_runbooks(directory)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        return 1
    print("runbooks are valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
