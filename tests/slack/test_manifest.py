"""The Slack app manifest is what a workspace admin pastes to install the bot.

A manifest Slack rejects, or one whose ids drift from the code, breaks installation or leaves a
slash command or shortcut that nothing answers; these tests catch both before a user does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.slack.ids import SLASH_COMMAND, CallbackId

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
SCOPES_DOC_PATH = REPO_ROOT / "docs" / "slack-scopes.md"
SCHEMA_FILE_NAME = "manifest.schema.1.0.0.json"
# Slack's published schema (MIT, its LICENSE beside it), kept in the repo so a bare clone tests.
SCHEMA_DIR = Path(__file__).resolve().parent / "manifest_schema"
# Bolt serves every kind of Slack request (commands, events, interactivity) on this one path.
SLACK_EVENTS_PATH = "/slack/events"
BOT_SOURCE_DIR = REPO_ROOT / "bot"
# slack_sdk's client methods are the Web API's names with `_` for `.` (`chat_postMessage`).
# `apps.*` is left out: Socket Mode calls it with the app-level token, not the bot's scopes.
WEB_API_CALL = re.compile(
    r"\.((?:auth|bots|chat|conversations|files|pins|reactions|team|usergroups|users|views)"
    r"_[A-Za-z0-9_]+)\("
)
# slack_sdk helpers that are several Web API calls under one name.
COMPOSITE_CALLS = {
    "files.upload.v2": {"files.getUploadURLExternal", "files.completeUploadExternal"},
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "manifest.yml must hold a mapping at the top level"
    return loaded


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    path = SCHEMA_DIR / SCHEMA_FILE_NAME
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _slash_command(manifest: dict[str, Any]) -> dict[str, Any]:
    commands = manifest["features"]["slash_commands"]
    assert len(commands) == 1, "the bot has exactly one slash command with subcommands"
    command: dict[str, Any] = commands[0]
    return command


def _documented_bot_scopes() -> list[str]:
    """The scopes the doc explains: its list items under the "Bot scopes" heading."""
    text = SCOPES_DOC_PATH.read_text(encoding="utf-8")
    section = re.search(r"^## Bot scopes\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section is not None, f"{SCOPES_DOC_PATH.name} has no '## Bot scopes' section"
    return re.findall(r"^- `([^`]+)` — \S", section.group(1), re.MULTILINE)


def _web_api_methods_called() -> set[str]:
    """Every Web API method some module under bot/ calls on a slack_sdk client."""
    called: set[str] = set()
    for path in BOT_SOURCE_DIR.rglob("*.py"):
        for name in WEB_API_CALL.findall(path.read_text(encoding="utf-8")):
            method = name.replace("_", ".")
            called |= COMPOSITE_CALLS.get(method, {method})
    return called


def _scope_table(first_column: str) -> dict[str, set[str]]:
    """The doc's table whose first column is headed `first_column`: its rows' scopes."""
    text = SCOPES_DOC_PATH.read_text(encoding="utf-8")
    table = re.search(
        rf"^\| {re.escape(first_column)} \| bot scopes it needs \|\n\|[-|]+\|\n((?:\|.*\n)+)",
        text,
        re.MULTILINE,
    )
    assert table is not None, f"{SCOPES_DOC_PATH.name} has no '{first_column}' scope table"
    rows: dict[str, set[str]] = {}
    for line in table.group(1).splitlines():
        subject, scopes = (cell.strip() for cell in line.strip("|").split("|"))
        rows[subject.replace("`", "")] = set(re.findall(r"`([^`]+)`", scopes))
    return rows


def test_manifest_is_valid_for_slack(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    problems = [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: e.json_path)
    ]
    assert not problems, "manifest.yml breaks Slack's schema:\n" + "\n".join(problems)


def test_slash_command_is_the_one_the_bot_handles(manifest: dict[str, Any]) -> None:
    command = _slash_command(manifest)
    assert command["command"] == SLASH_COMMAND
    # Unescaped, `role commander @ana` would arrive as plain text instead of a user id.
    assert command["should_escape"] is True


def test_usage_hint_names_the_core_subcommands(manifest: dict[str, Any]) -> None:
    hint = _slash_command(manifest)["usage_hint"]
    named = {part.split()[0] for part in hint.split(" | ")}
    assert {"open", "list", "status", "log", "role", "severity", "update", "help"} <= named


def test_timeline_shortcut_reaches_its_handler(manifest: dict[str, Any]) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    timeline = [s for s in shortcuts if s["callback_id"] == CallbackId.TIMELINE_SHORTCUT]
    assert len(timeline) == 1, (
        f"no shortcut with callback_id {CallbackId.TIMELINE_SHORTCUT.value!r}"
    )
    assert timeline[0]["type"] == "message"
    assert timeline[0]["name"] == "Add to incident timeline"


def test_regression_case_shortcut_reaches_its_handler(manifest: dict[str, Any]) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    found = [s for s in shortcuts if s["callback_id"] == CallbackId.CASE_SHORTCUT]
    assert len(found) == 1, f"no shortcut with callback_id {CallbackId.CASE_SHORTCUT.value!r}"
    assert found[0]["type"] == "message"
    assert found[0]["name"] == "Add as regression case"


def test_every_request_url_points_at_the_bolt_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [
        _slash_command(manifest)["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith(SLACK_EVENTS_PATH) for url in urls), urls
    assert settings["interactivity"]["is_enabled"] is True


def test_bot_events(manifest: dict[str, Any]) -> None:
    # Checking these against the listeners the app registers waits for bot/app.py; until then
    # the list is pinned so an added event is a deliberate change.
    bot_events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(bot_events) == ["app_home_opened", "reaction_added"]


def test_every_bot_scope_is_explained(manifest: dict[str, Any]) -> None:
    requested = manifest["oauth_config"]["scopes"]["bot"]
    documented = _documented_bot_scopes()
    assert sorted(requested) == sorted(documented)
    assert len(set(requested)) == len(requested), "a scope is listed twice"


def test_every_called_web_api_method_has_its_scopes_listed() -> None:
    # A new call without a row here would be a missing_scope error in a real workspace only.
    called = _web_api_methods_called()
    documented = set(_scope_table("method"))
    assert called - documented == set(), f"called but not in {SCOPES_DOC_PATH.name}"
    assert documented - called == set(), f"in {SCOPES_DOC_PATH.name} but called nowhere in bot/"


def test_granted_scopes_are_exactly_those_something_needs(manifest: dict[str, Any]) -> None:
    needed = set().union(*_scope_table("method").values())
    bot_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    for subject, scopes in _scope_table("event or feature").items():
        kind, _, name = subject.partition(" ")
        present = name in bot_events if kind == "event" else bool(manifest["features"].get(name))
        assert present, f"{subject} is in {SCOPES_DOC_PATH.name} but not in the manifest"
        needed |= scopes
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    assert granted - needed == set(), "granted, but no called method, event or feature needs it"
    assert needed - granted == set(), "needed by a call, event or feature, but not granted"
