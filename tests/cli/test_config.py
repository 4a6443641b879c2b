import pytest

from bot.config import SettingsError, load_settings

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-secret-value",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(__import__("os").environ):
        if name.startswith(("SLACK_", "AI_INCIDENT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(__import__("tempfile").mkdtemp())  # no stray .env
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_defaults(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.channel_prefix == "aiinc"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.slack_api_url == "https://slack.com/api/"


def test_slack_tokens_are_optional_until_a_command_requires_them(
    env: pytest.MonkeyPatch,
) -> None:
    env.delenv("SLACK_SIGNING_SECRET")
    settings = load_settings()
    assert settings.slack_signing_secret is None
    settings.require("slack_bot_token", purpose="this command")
    with pytest.raises(SettingsError) as caught:
        settings.require("slack_bot_token", "slack_signing_secret", purpose="serve (HTTP mode)")
    assert str(caught.value) == (
        "setting SLACK_SIGNING_SECRET is missing: serve (HTTP mode) needs it "
        "(set it in the environment or in .env)"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token-secret"),
        ("SLACK_API_URL", "ftp://example"),
        ("AI_INCIDENT_CHANNEL_PREFIX", "Bad Prefix"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
    ],
)
def test_malformed_setting_is_one_line_naming_it_without_the_value(
    env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"setting {name} is malformed")
    assert "\n" not in message
    assert value not in message


def test_secrets_do_not_print(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert "secret-value" not in repr(settings)
    assert "secret-value" not in str(settings.model_dump())
