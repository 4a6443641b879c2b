"""Settings, read from the environment (and a `.env` file in the working directory).

Every command reads the same Settings, so a `.env` that configures `serve` configures `db upgrade`
and `postmortem` too. Nothing is required at parse time that not every command needs: the Slack
tokens are optional here, and each command demands the ones it uses (`Settings.require`). A
missing or malformed setting stops start-up with one line that names the variable; secrets are
`SecretStr` so they never print, not even in that line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./ai-incident.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class _FromEnvironment(BaseSettings):
    # `.env` is looked up in the working directory when the settings are read, for every command.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    @classmethod
    def env_name(cls, field_name: str) -> str:
        """The variable a field is read from (`slack_bot_token` -> SLACK_BOT_TOKEN)."""
        alias = cls.model_fields[field_name].validation_alias
        if isinstance(alias, str):
            return alias
        if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
            return alias.choices[0]
        return field_name.upper()


class Settings(_FromEnvironment):
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    # As the user spells it (postgres://, sqlite:///...): storage.engine.async_url is the one
    # normalisation, applied by everything that connects; the command line checks it at start.
    # It is not checked here because the Slack edge imports these settings and must not import
    # storage (import-linter).
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias="AI_INCIDENT_DATABASE_URL"
    )
    announce_channel: str | None = Field(
        default=None, validation_alias="AI_INCIDENT_ANNOUNCE_CHANNEL"
    )
    channel_prefix: str = Field(default="aiinc", validation_alias="AI_INCIDENT_CHANNEL_PREFIX")
    api_token: SecretStr | None = Field(default=None, validation_alias="AI_INCIDENT_API_TOKEN")
    webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="AI_INCIDENT_WEBHOOK_SECRET"
    )
    langfuse_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET"
    )
    runbooks_dir: Path | None = Field(default=None, validation_alias="AI_INCIDENT_RUNBOOKS_DIR")
    # Who may steer any incident besides its commander: user ids (U…, W…) and user-group ids
    # (S…), comma-separated.
    admins: str = Field(default="", validation_alias="AI_INCIDENT_ADMINS")
    pin_emoji: str = Field(
        default="pushpin", validation_alias=AliasChoices("AI_INCIDENT_PIN_EMOJI", "pin_emoji")
    )
    # Off by default: an archived channel is read-only, and people often keep talking after
    # the close (action items, the retro).
    archive_on_close: bool = Field(default=False, validation_alias="AI_INCIDENT_ARCHIVE_ON_CLOSE")

    # How often each replica looks for Slack effects left by another (dead) replica or waiting
    # for a retry; effects of this replica's own commits start at once, not at the sweep.
    projector_sweep_seconds: float = Field(
        default=10, ge=0, validation_alias="AI_INCIDENT_PROJECTOR_SWEEP_SECONDS"
    )
    # Reminders: the tick, and how often each rule speaks (see bot/core/reminders.py).
    reminder_tick_seconds: float = Field(
        default=30, ge=0, validation_alias="AI_INCIDENT_REMINDER_TICK_SECONDS"
    )
    remind_unowned_first_minutes: float = Field(
        default=10, gt=0, validation_alias="AI_INCIDENT_REMIND_UNOWNED_FIRST_MINUTES"
    )
    remind_unowned_hours: float = Field(
        default=24, gt=0, validation_alias="AI_INCIDENT_REMIND_UNOWNED_HOURS"
    )
    remind_overdue_hours: float = Field(
        default=24, gt=0, validation_alias="AI_INCIDENT_REMIND_OVERDUE_HOURS"
    )
    remind_stale_update_s1_minutes: float = Field(
        default=30, gt=0, validation_alias="AI_INCIDENT_REMIND_STALE_UPDATE_S1_MINUTES"
    )
    remind_stale_update_s2_minutes: float = Field(
        default=60, gt=0, validation_alias="AI_INCIDENT_REMIND_STALE_UPDATE_S2_MINUTES"
    )
    remind_postmortem_hours: float = Field(
        default=72, gt=0, validation_alias="AI_INCIDENT_REMIND_POSTMORTEM_HOURS"
    )

    def require(self, *field_names: str, purpose: str) -> None:
        """SettingsError naming the first of `field_names` that is not set, and what needs it:
        each command demands the settings it uses, in one line at its start."""
        for field_name in field_names:
            if getattr(self, field_name) is None:
                raise SettingsError(
                    f"setting {self.env_name(field_name)} is missing: {purpose} needs it "
                    "(set it in the environment or in .env)"
                )

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("channel_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        import re

        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,19}", value):
            raise ValueError("must be 1-20 characters of lowercase a-z, 0-9, - or _")
        return value

    @field_validator("admins")
    @classmethod
    def _admins_shape(cls, value: str) -> str:
        import re

        ids = [part.strip() for part in value.split(",") if part.strip()]
        wrong = [i for i in ids if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", i)]
        if wrong:
            raise ValueError(
                "must be comma-separated Slack user ids (U…, W…) or user-group ids (S…)"
            )
        return ",".join(ids)

    @property
    def admin_user_ids(self) -> frozenset[str]:
        return frozenset(i for i in self.admins.split(",") if i and not i.startswith("S"))

    @property
    def admin_group_ids(self) -> frozenset[str]:
        return frozenset(i for i in self.admins.split(",") if i.startswith("S"))

    @field_validator("pin_emoji")
    @classmethod
    def _emoji_shape(cls, value: str) -> str:
        return value.strip(":")

    @field_validator("runbooks_dir")
    @classmethod
    def _runbooks_dir_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    # Logging (bot/observability/logging.py): the level, and "json" for one object per line.
    log_level: str = Field(
        default="INFO",
        pattern=r"(?i)^(debug|info|warning|error|critical)$",
        validation_alias="AI_INCIDENT_LOG_LEVEL",
    )
    log_format: str = Field(
        default="text", pattern=r"^(text|json)$", validation_alias="AI_INCIDENT_LOG_FORMAT"
    )


DEFAULT_LANGFUSE_HOST = "https://cloud.langfuse.com"


class LangfuseSettings(_FromEnvironment):
    """Where `ai-incident cases push` sends cases: a Langfuse project's public API. A section
    of its own, read the same way as Settings, because only that command needs its keys."""

    host: str = Field(default=DEFAULT_LANGFUSE_HOST, validation_alias="AI_INCIDENT_LANGFUSE_HOST")
    public_key: SecretStr = Field(validation_alias="AI_INCIDENT_LANGFUSE_PUBLIC_KEY")
    secret_key: SecretStr = Field(validation_alias="AI_INCIDENT_LANGFUSE_SECRET_KEY")

    @field_validator("host")
    @classmethod
    def _host_shape(cls, value: str) -> str:
        host = value.strip().rstrip("/")
        scheme, _, rest = host.partition("://")
        if scheme not in ("https", "http") or not rest:
            raise ValueError("must be the Langfuse base URL, e.g. https://cloud.langfuse.com")
        return host


def load_langfuse_settings(**overrides: object) -> LangfuseSettings:
    """The Langfuse settings; SettingsError with one line naming the first bad variable."""
    return _load(LangfuseSettings, overrides)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line naming the first bad variable."""
    return _load(Settings, overrides)


SettingsT = TypeVar("SettingsT", bound=_FromEnvironment)


def _load(section: type[SettingsT], overrides: dict[str, object]) -> SettingsT:
    try:
        return section(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = str(first["loc"][0]) if first["loc"] else ""
        name = section.env_name(loc) if loc in section.model_fields else loc
        if first["type"] == "missing":
            raise SettingsError(f"setting {name} is missing") from None
        # The input value is deliberately left out: it may be a secret.
        raise SettingsError(f"setting {name} is malformed: {first['msg']}") from None
