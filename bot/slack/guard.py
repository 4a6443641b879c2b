"""One place where errors become messages people can act on.

Every listener is registered through `guarded`. Bolt's own error path cannot be used after
`ack()`: when a listener raises after acknowledging, Bolt may lose the acknowledgement and
answer Slack late (a race in its asyncio runner), so the person would see a failure even though
their request was accepted. Catching here keeps the ack intact and still reports the error —
domain errors as themselves, a forged button or form value (MalformedPayload) as not this bot's,
anything else as a reference to give an admin, never a traceback.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.async_app import AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import DomainError
from bot.observability.request_id import reference as request_reference
from bot.slack.payloads import MalformedPayload

log = logging.getLogger(__name__)

# Where Slack's response_urls point. The Web API's own host is trusted too: it is Slack's, or in
# the sandbox the emulator's, which serves both.
SLACK_HOOKS = ("https", "hooks.slack.com")
NOT_FROM_THIS_BOT = (
    ":warning: That request did not come from a message or form of this bot; nothing was done."
)

# Slack's refusals that say the request itself was stale or named what Slack does not know: a
# trigger older than its 3 seconds, a person or channel that is not there. They happen to real
# users (a slow network), so they are answered plainly and logged without a traceback.
STALE_OR_UNKNOWN = {
    "expired_trigger_id": "That form took too long to open (Slack allows 3 seconds). Try again.",
    "invalid_trigger_id": "That form took too long to open (Slack allows 3 seconds). Try again.",
    "user_not_found": "Slack does not know that person; nothing was done.",
    "channel_not_found": "Slack does not know that channel (or the bot is not in it); "
    "nothing was done.",
}

Listener = Callable[..., Awaitable[None]]


def guarded(listener: Listener) -> Callable[[AsyncArgs], Awaitable[None]]:
    """Wrap a plain listener (declaring the Bolt arguments it needs by name) so that its
    errors are reported to the person who acted, after an ack that is never lost."""
    names = inspect.getfullargspec(listener).args

    async def run(args: AsyncArgs) -> None:
        try:
            await listener(**{name: getattr(args, name) for name in names})
        except Exception as error:
            if args.ack is not None and args.ack.response is None:
                await args.ack()
            await report_error(error, body=args.body, respond=args.respond, client=args.client)

    run.__name__ = run.__qualname__ = getattr(listener, "__name__", "listener")
    return run


def error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return f":warning: {error.message}"
    if isinstance(error, MalformedPayload):
        # The sender's doing, not a bug of ours: worth a line, not a traceback.
        log.warning("refused a request not from this bot: %s", error.reason)
        return NOT_FROM_THIS_BOT
    code = _slack_refusal(error)
    if code in STALE_OR_UNKNOWN:
        log.warning("Slack refused a call: %s", code)
        return f":warning: {STALE_OR_UNKNOWN[code]}"
    # The request's id: the log records of the whole request carry it too.
    reference = request_reference()
    log.error("unhandled error (ref %s)", reference, exc_info=error)
    # Not "nothing changed": the use case may have committed before the error (a reply to
    # Slack failed, say); what committed reaches Slack through the projector on its own.
    return (
        ":x: Something went wrong on our side. Whatever was already saved stays saved and "
        "shows up in the channel on its own: check `/ai-incident status` before repeating it. "
        f"If it persists, give your admin the reference `{reference}`."
    )


def _slack_refusal(error: Exception) -> str | None:
    if not isinstance(error, SlackApiError):
        return None
    code = error.response.get("error") if error.response is not None else None
    return code if isinstance(code, str) else None


async def report_error(
    error: Exception,
    *,
    body: dict[str, Any],
    respond: AsyncRespond | None,
    client: AsyncWebClient,
) -> None:
    await tell_user(body, respond, client, error_text(error))


async def tell_user(
    body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient, text: str
) -> None:
    """Reach the person who acted: the response_url when there is one, else an ephemeral
    message in the channel the action came from, else a DM."""
    try:
        if respond is not None and _is_slacks(_response_url(body), client):
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user = _id_in(body, "user")
        if user is None:
            return
        channel = _id_in(body, "channel")
        if channel is not None:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        dm = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=dm["channel"]["id"], text=text)
    except SlackApiError as refused:
        # A person or channel Slack does not know (a forged id): nobody to tell.
        log.warning("could not tell the user about an error: %s", _slack_refusal(refused))
    except Exception:
        log.exception("could not tell the user about an error")


def _id_in(body: dict[str, Any], kind: str) -> str | None:
    """The user's or channel's id as Slack sends it: `{kind: {"id": …}}` or `{kind}_id`."""
    nested = body.get(kind)
    found = nested.get("id") if isinstance(nested, dict) else None
    found = found or body.get(f"{kind}_id")
    return found if isinstance(found, str) and found else None


def _response_url(body: dict[str, Any]) -> str | None:
    """The URL Bolt's `respond` posts to (its rule: response_url, else the first of
    response_urls)."""
    url = body.get("response_url")
    if url is None:
        urls = body.get("response_urls")
        first = urls[0] if isinstance(urls, list) and urls else None
        url = first.get("response_url") if isinstance(first, dict) else None
    return url if isinstance(url, str) else None


def _is_slacks(url: str | None, client: AsyncWebClient) -> bool:
    """Never post to a URL a request merely names: it must be Slack's own (defence in depth
    behind the signature check, which already keeps strangers' URLs out)."""
    if not url:
        return False
    try:
        target = urlsplit(url)
        api = urlsplit(client.base_url)
        trusted = {SLACK_HOOKS, (api.scheme, api.netloc)}
        return (target.scheme, target.netloc) in trusted
    except ValueError:
        return False
