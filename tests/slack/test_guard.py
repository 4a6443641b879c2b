"""The error report reaches the person through Slack's own response_url, never a URL of the
sender's choosing."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.slack_response import SlackResponse

from bot.slack.guard import error_text, tell_user


class _Respond:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __call__(self, *, text: str, **_: Any) -> None:
        self.sent.append(text)


class _Client(AsyncWebClient):
    def __init__(self) -> None:
        super().__init__(token="xoxb-test", base_url="http://127.0.0.1:4000/api/")
        self.ephemerals: list[dict[str, Any]] = []

    async def chat_postEphemeral(self, **kwargs: Any) -> Any:  # noqa: N802
        self.ephemerals.append(kwargs)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/actions/T1/2/abc",
        "http://127.0.0.1:4000/response/R1",
    ],
)
async def test_slacks_response_url_is_used(url: str) -> None:
    respond, client = _Respond(), _Client()
    body = {"response_url": url, "user": {"id": "U1"}, "channel": {"id": "C1"}}
    await tell_user(body, respond, client, "oops")  # type: ignore[arg-type]
    assert respond.sent == ["oops"] and client.ephemerals == []


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/actions/T1/2/abc",
        "https://hooks.slack.com.evil.example/x",
        "https://evil.example/hooks.slack.com",
        "http://127.0.0.1:4001/response/R1",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1",
    ],
)
async def test_any_other_response_url_is_ignored_for_an_ephemeral(url: str) -> None:
    respond, client = _Respond(), _Client()
    body = {"response_url": url, "user": {"id": "U1"}, "channel": {"id": "C1"}}
    await tell_user(body, respond, client, "oops")  # type: ignore[arg-type]
    assert respond.sent == []
    assert client.ephemerals == [{"channel": "C1", "user": "U1", "text": "oops"}]


async def test_a_foreign_url_in_response_urls_is_ignored_too() -> None:
    respond, client = _Respond(), _Client()
    body = {
        "response_urls": [{"response_url": "https://evil.example/x"}],
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
    }
    await tell_user(body, respond, client, "oops")  # type: ignore[arg-type]
    assert respond.sent == [] and len(client.ephemerals) == 1


def slack_refusal(code: str) -> SlackApiError:
    return SlackApiError(  # type: ignore[no-untyped-call]
        "refused",
        SlackResponse(
            client=None,
            http_verb="POST",
            api_url="",
            req_args={},
            data={"ok": False, "error": code},
            headers={},
            status_code=200,
        ),
    )


@pytest.mark.parametrize("code", ["expired_trigger_id", "user_not_found"])
def test_a_stale_trigger_or_an_unknown_person_is_said_plainly_without_a_traceback(
    code: str, caplog: pytest.LogCaptureFixture
) -> None:
    text = error_text(slack_refusal(code))

    assert "reference" not in text
    assert "Try again" in text or "nothing was done" in text
    assert all(record.exc_info is None for record in caplog.records)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_any_other_refusal_is_ours_to_look_at(caplog: pytest.LogCaptureFixture) -> None:
    text = error_text(slack_refusal("not_authed"))

    assert "reference" in text
    assert [r.exc_info is not None for r in caplog.records if r.levelname == "ERROR"] == [True]


def test_an_unexpected_error_never_claims_that_nothing_changed() -> None:
    """The use case may have committed before a reply to Slack failed: saying "nothing
    changed" would have people repeat what is already done."""
    text = error_text(RuntimeError("the reply to Slack failed after the commit"))

    assert "nothing" not in text.lower()
    assert "already saved stays saved" in text and "/ai-incident status" in text
