"""The environment names the app reads, so a deploy file cannot name a missing setting."""

from __future__ import annotations

from pydantic import AliasChoices, SecretStr

from bot.config import Settings


def settings_env_names() -> dict[str, bool]:
    """Each environment name Settings reads, and whether its value is a secret."""
    names: dict[str, bool] = {}
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        is_secret = SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
        for choice in choices:
            if isinstance(choice, str):
                names[choice] = is_secret
    return names
