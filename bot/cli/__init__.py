"""`ai-incident ...`: serve, demo, db upgrade (and more as features land).

Every failure a user can fix ends in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings

EXIT_USAGE = 2


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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "demo":
        from bot.demo.story import run_demo

        return run_demo(args.out)
    if args.command == "postmortem":
        from bot.cli.postmortem import run_postmortem

        return run_postmortem(args.number, fmt=args.format)
    if args.command == "cases":
        from bot.cli.cases import run_export, run_push

        if args.cases_command == "push":
            return run_push(args.number, dataset=args.dataset)
        return run_export(args.number, fmt=args.format, out=args.out)
    try:
        if args.command == "db":
            return _db_upgrade()
        if args.command == "runbooks":
            return _check_runbooks(args.dir)
        if args.command == "serve":
            return _serve(load_settings(), socket=args.socket, host=args.host, port=args.port)
    except SettingsError as exc:
        return _fail(str(exc))
    return EXIT_USAGE


def _database_url() -> str:
    """`db upgrade` needs only the database, not the Slack tokens."""
    import os

    from bot.config import DEFAULT_DATABASE_URL

    return os.environ.get("AI_INCIDENT_DATABASE_URL", DEFAULT_DATABASE_URL)


def _db_upgrade() -> int:
    from storage.migrate import upgrade

    asyncio.run(upgrade(_database_url()))
    print("database is up to date")
    return 0


def _check_runbooks(directory: Path | None) -> int:
    import os

    from bot.core.runbooks.loader import check_runbooks, format_problems

    if directory is None and os.environ.get("AI_INCIDENT_RUNBOOKS_DIR"):
        directory = Path(os.environ["AI_INCIDENT_RUNBOOKS_DIR"])
    if directory is not None and not directory.is_dir():
        return _fail(f"{directory} is not a directory")
    problems = check_runbooks(directory)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        return 1
    print("runbooks are valid")
    return 0


def _serve(settings: Settings, *, socket: bool, host: str, port: int) -> int:
    from bot.core.runbooks.loader import check_runbooks, format_problems
    from storage.migrate import SchemaError, check_schema_current

    problems = check_runbooks(settings.runbooks_dir)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        return _fail("refusing to start with invalid runbooks (see above)")
    try:
        asyncio.run(check_schema_current(settings.database_url))
    except SchemaError as exc:
        return _fail(str(exc))
    if socket and settings.slack_app_token is None:
        return _fail("setting SLACK_APP_TOKEN is missing (Socket Mode needs an xapp- token)")
    asyncio.run(_run_server(settings, socket=socket, host=host, port=port))
    return 0


async def _run_server(settings: Settings, *, socket: bool, host: str, port: int) -> None:
    import uvicorn

    from bot.runtime import build_runtime

    runtime = build_runtime(settings)
    server = uvicorn.Server(uvicorn.Config(runtime.http, host=host, port=port, log_level="info"))
    try:
        if socket:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(
                runtime.bolt, settings.slack_app_token.get_secret_value()
            )
            await handler.connect_async()  # type: ignore[no-untyped-call]
            try:
                await server.serve()  # the REST API and probes still listen on the port
            finally:
                await handler.close_async()  # type: ignore[no-untyped-call]
        else:
            await server.serve()
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    raise SystemExit(main())
