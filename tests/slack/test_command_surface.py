"""The subcommands the app handles, the help text and the manifest's usage hint agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.slack.ids import SLASH_COMMAND
from bot.slack.listeners.slash_command import BY_NAME, SUBCOMMANDS, help_text

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def usage_hint() -> str:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = [c for c in manifest["features"]["slash_commands"] if c["command"] == SLASH_COMMAND]
    return str(command["usage_hint"])


def test_usage_hint_lists_exactly_the_handled_subcommands_with_their_usage() -> None:
    hinted = [part.strip() for part in usage_hint().split(" | ")]
    assert sorted(hinted) == sorted(s.usage for s in SUBCOMMANDS)


def test_help_text_names_every_subcommand_and_nothing_else() -> None:
    mentioned = set(re.findall(rf"`{SLASH_COMMAND} (\w+)", help_text()))
    assert mentioned == set(BY_NAME)


def test_every_subcommand_but_help_has_a_handler() -> None:
    assert all(s.handler is not None for s in SUBCOMMANDS if s.name != "help")
