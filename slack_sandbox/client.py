"""ScriptedSlack: plays Slack towards the app, as a person using the workspace would cause it.

Every request is signed with the app's signing secret (v0 scheme) and shaped like Slack's, with
fresh trigger_ids and response_urls minted in the emulator, so what the app does with them lands
there. What Slack itself does with the app's answer (show a slash command's ack, close a modal
or show its field errors) is applied to the emulator too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from slack_sandbox import payloads
from slack_sandbox.emulator import SlackEmulator
from slack_sandbox.render import describe_action
from slack_sandbox.settling import TaskWatch
from slack_sandbox.state import JsonDict
from slack_sandbox.view_state import Slot, check_submittable, initial_state, slots, state_for

_USER_TYPED = re.compile(r"(?<![<\w])@([a-z0-9](?:[a-z0-9._-]*[a-z0-9_-])?)")
_CHANNEL_TYPED = re.compile(r"(?<![<\w&])#([a-z0-9](?:[a-z0-9_-]*[a-z0-9_])?)")
_SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    """What a person does in the workspace, as the payloads Slack sends the app; how they reach
    the app (signed HTTP, or a Socket Mode envelope) is the subclass's `_form`, `_interaction`
    and `_json`, each answering with the app's reply as an HTTP response."""

    def __init__(
        self,
        *,
        emulator: SlackEmulator,
        team_id: str = "T0SANDBOX",
        tasks: TaskWatch | None = None,
    ) -> None:
        self.emulator = emulator
        self._team = payloads.Team(
            id=team_id,
            domain=team_id.lower(),
            app_id=emulator.app_id,
            bot_user_id=emulator.bot_user_id,
        )
        # Tasks that exist before the first request are not the app's per-request work; built
        # outside a loop, the baseline is taken at the first request.
        self._tasks = tasks or TaskWatch()
        self._tasks.start()

    # -- transport (the subclass's) ------------------------------------------------------------

    async def _form(
        self, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        raise NotImplementedError

    async def _interaction(self, payload: JsonDict) -> httpx.Response:
        raise NotImplementedError

    async def _json(
        self, body: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        raise NotImplementedError

    # -- who and where -----------------------------------------------------------------------

    def _user(self, user_id: str) -> JsonDict:
        for user in self.emulator.users:
            if user.id == user_id:
                return payloads.user_ref(self._team, user.id, user.name)
        raise LookupError(f"no user {user_id!r} in the sandbox; add it with add_user()")

    def _channel(self, channel_id: str) -> JsonDict:
        channel = self.emulator.channel(channel_id)
        if channel.is_im:
            name = "directmessage"
        else:
            name = "privategroup" if channel.is_private else channel.name
        return {"id": channel.id, "name": name}

    def _where(self, channel_id: str) -> str:
        channel = self.emulator.channel(channel_id)
        return "a DM" if channel.is_im else f"#{channel.name}"

    def _escape_mentions(self, text: str) -> str:
        users = {u.name: u.id for u in self.emulator.users}
        channels = {c.name: c.id for c in self.emulator.channels if not c.is_im}

        def user(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in _SPECIAL_MENTIONS:
                return f"<!{name}>"
            return f"<@{users[name]}|{name}>" if name in users else match.group(0)

        def channel(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"<#{channels[name]}|{name}>" if name in channels else match.group(0)

        return _CHANNEL_TYPED.sub(channel, _USER_TYPED.sub(user, text))

    # -- what a person does ------------------------------------------------------------------

    async def slash(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        command: str = "/ai-incident",
        escape: bool = True,
    ) -> httpx.Response:
        """Type `command text` in a channel; the ack body, if any, is shown like Slack does.

        With `escape` (the manifest's should_escape), `@bob` and `#general` typed in the text
        arrive as `<@U0BOB|bob>` and `<#C...|general>`, as Slack's client sends them.
        """
        if escape:
            text = self._escape_mentions(text)
        person = self._user(user)
        where = self._channel(channel)
        response_url = self.emulator.mint_response_url(channel_id=channel, user_id=user)
        form = payloads.slash_form(
            self._team,
            command=command,
            text=text,
            user_id=user,
            user_name=str(person["name"]),
            channel_id=channel,
            channel_name=str(where["name"]),
            trigger_id=self.emulator.mint_trigger_id(user=user),
            response_url=response_url,
        )
        typed = f"{command} {text}".strip()
        self.emulator.record_user_action(user, f"typed `{typed}` in {self._where(channel)}")
        response = await self._form(form)
        answer = _answer_body(response)
        if response.status_code == 200 and answer is not None:
            self.emulator.show_command_answer(response_url, answer)
        return response

    async def submit_view(
        self, view_id: str, values: Mapping[str, Any], *, user: str
    ) -> httpx.Response:
        """Fill in the modal and press its submit button.

        `values` is `{block_id: {action_id: value}}`, or flat `{action_id: value}`; python values
        are turned into Slack's state shape by element type. Inputs not given keep their initial
        value. What Slack's client would refuse (an empty required input, an option that is not
        offered) raises `SubmissionBlocked` before anything is sent.
        """
        view = self.emulator.slack_view(view_id)
        record = self.emulator.view(view_id)
        if not record.is_open:
            raise LookupError(
                f"modal {view_id!r} ({record.title!r}) is closed; nobody can submit it"
            )
        state_values = _state_values(slots(view["blocks"]), values)
        view["state"] = {"values": state_values}
        payload = payloads.view_submission(
            self._team,
            user=self._user(user),
            view=view,
            trigger_id=self.emulator.mint_trigger_id(user=user, view_id=view_id),
        )
        self.emulator.record_submission(view_id, user, state_values)
        response = await self._interaction(payload)
        if response.status_code == 200:
            self.emulator.submit_view(view_id, user, state_values, _answer_body(response))
        else:
            self.emulator.record_user_action(
                user,
                f'saw "We had some trouble connecting" on "{record.title}" '
                f"(the app answered {response.status_code})",
            )
        return response

    async def close_view(self, view_id: str, user: str) -> httpx.Response | None:
        """Dismiss the modal. Slack tells the app only when the view asked (notify_on_close)."""
        view = self.emulator.slack_view(view_id)
        stacked = len(
            [v for v in self.emulator.open_views() if v.root_view_id == view["root_view_id"]]
        )
        self.emulator.close_view(view_id)
        if not view.get("notify_on_close"):
            return None
        payload = payloads.view_closed(
            self._team, user=self._user(user), view=view, is_cleared=stacked > 1
        )
        return await self._interaction(payload)

    async def click(
        self,
        action_id: str,
        *,
        user: str,
        value: str | None = None,
        message: str | None = None,
        channel: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        selected_option: Any = None,
        selected_options: Any = None,
        selected_user: str | None = None,
        selected_conversation: str | None = None,
        selected_channel: str | None = None,
        selected_date: str | None = None,
    ) -> httpx.Response:
        """Click a button (or pick in a select) in a message (`channel` + `message` ts, ephemeral
        ones included) or in a modal (`view_id`). `value` / `block_id` pick among buttons that
        share an action_id. Raises LookupError when the person could not see such an element."""
        if view_id is not None:
            blocks, extra, container, state = self._view_source(view_id)
        elif message is not None and channel is not None:
            blocks, extra, container, state = self._message_source(channel, message, user)
        else:
            raise ValueError("click needs view_id, or channel and message")
        found_block, element = payloads.find_element(
            blocks, action_id, block_id=block_id, value=value
        )
        action = payloads.action_for(
            found_block,
            element,
            selected_option=selected_option,
            selected_options=selected_options,
            selected_user=selected_user,
            selected_conversation=selected_conversation,
            selected_channel=selected_channel,
            selected_date=selected_date,
        )
        payload = payloads.block_actions(
            self._team,
            user=self._user(user),
            action=action,
            trigger_id=self.emulator.mint_trigger_id(user=user, view_id=view_id),
            container=container,
            state_values=state,
            extra=extra,
        )
        place = f"in {self._where(channel)}" if channel is not None else "in a modal"
        block = next(b for b in blocks if _holds(b, element))
        self.emulator.record_user_action(user, f"{describe_action(block, element, action)} {place}")
        return await self._interaction(payload)

    def _view_source(self, view_id: str) -> tuple[list[JsonDict], JsonDict, JsonDict, JsonDict]:
        view = self.emulator.slack_view(view_id)
        state = view["state"]["values"] or _state_values(slots(view["blocks"]), {}, check=False)
        view["state"] = {"values": state}
        container = {"type": "view", "view_id": view_id}
        return list(view["blocks"]), {"view": view}, container, state

    def _message_source(
        self, channel: str, ts: str, user: str
    ) -> tuple[list[JsonDict], JsonDict, JsonDict, JsonDict]:
        container: JsonDict = {"type": "message", "message_ts": ts, "channel_id": channel}
        extra: JsonDict = {"channel": self._channel(channel)}
        try:
            stored = self.emulator.message(channel, ts)
            blocks, is_ephemeral = stored.blocks, False
            extra["message"] = stored.to_slack()
        except LookupError:
            ephemeral = self.emulator.ephemeral(ts)
            if ephemeral.user != user or ephemeral.channel != channel:
                raise LookupError(f"only {ephemeral.user} sees that ephemeral message") from None
            blocks, is_ephemeral = ephemeral.blocks, True
        container["is_ephemeral"] = is_ephemeral
        extra["response_url"] = self.emulator.mint_response_url(
            channel_id=channel, user_id=user, message_ts=ts, ephemeral_original=is_ephemeral
        )
        state = _state_values(slots(blocks), {}, check=False)
        return blocks, extra, container, state

    async def message_shortcut(
        self, callback_id: str, *, channel: str, message_ts: str, user: str
    ) -> httpx.Response:
        """Run a message shortcut ("..." menu) on a stored message."""
        stored = self.emulator.message(channel, message_ts)
        payload = payloads.message_action(
            self._team,
            user=self._user(user),
            callback_id=callback_id,
            trigger_id=self.emulator.mint_trigger_id(user=user),
            response_url=self.emulator.mint_response_url(channel_id=channel, user_id=user),
            channel=self._channel(channel),
            message={**stored.to_slack(), "team": self._team.id},
        )
        name = self.emulator.shortcuts.get(callback_id, callback_id)
        self.emulator.record_user_action(
            user, f"used the shortcut “{name}” on a message in {self._where(channel)}"
        )
        return await self._interaction(payload)

    async def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """Deliver an Events API event; `retry_num` marks it a redelivery, as Slack's headers do."""
        envelope = payloads.event_callback(
            self._team, event, event_id=event_id or payloads.new_event_id()
        )
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return await self._json(envelope, headers)

    async def react(
        self,
        channel: str,
        ts: str,
        *,
        user: str,
        reaction: str = "pushpin",
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> httpx.Response:
        """Add a reaction to a message and deliver the `reaction_added` event for it."""
        stored = self.emulator.message(channel, ts)
        if retry_num is None:
            self.emulator.add_reaction(channel, ts, user=user, reaction=reaction)
        event: JsonDict = {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": stored.user,
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
        return await self.event(event, event_id=event_id, retry_num=retry_num)

    async def open_app_home(self, user: str) -> httpx.Response:
        """The person opens the app's Home tab (`app_home_opened`)."""
        self.emulator.record_user_action(user, "opened the App Home")
        home = self.emulator.home_views.get(user)
        event: JsonDict = {"type": "app_home_opened", "user": user, "tab": "home"}
        channel = self.emulator.dm_channel_id(user)
        if channel is not None:
            event["channel"] = channel
        if home is not None:
            event["view"] = self.emulator.slack_view(home.id)
        return await self.event(event)

    # -- waiting -----------------------------------------------------------------------------

    # `timeout` is the name the e2e tests call; asyncio.timeout could not list the pending
    # tasks, which is what a failing test needs to see.
    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the app's background work for the requests so far has finished.

        Raises SettleTimeout listing the pending tasks, or an ExceptionGroup of what failed.
        """
        await self._tasks.settle(within=timeout)


class ScriptedSlack(SlackDriver):
    """The driver over signed HTTP, POSTing to the app's `/slack/events` as Slack does."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        signing_secret: str,
        emulator: SlackEmulator,
        team_id: str = "T0SANDBOX",
        events_path: str = "/slack/events",
    ) -> None:
        super().__init__(emulator=emulator, team_id=team_id)
        self._http = http
        self._secret = signing_secret
        self._events_path = events_path

    async def raw(
        self,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST `body` to the app as is; signed unless `sign=False`, at `timestamp` if given."""
        self._tasks.start()
        sent = dict(headers or {})
        if sign:
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            sent["X-Slack-Request-Timestamp"] = stamp
            sent["X-Slack-Signature"] = slack_signature(self._secret, stamp, body)
        try:
            return await self._http.post(self._events_path, content=body, headers=sent)
        finally:
            self._tasks.note_new_tasks()

    async def _form(
        self, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return await self.raw(urlencode(fields).encode(), {"Content-Type": FORM, **(headers or {})})

    async def _interaction(self, payload: JsonDict) -> httpx.Response:
        return await self._form({"payload": json.dumps(payload)})

    async def _json(
        self, body: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return await self.raw(json.dumps(body).encode(), {"Content-Type": JSON, **(headers or {})})

    async def url_verification(self, challenge: str) -> httpx.Response:
        body = {"token": payloads.VERIFICATION_TOKEN, "challenge": challenge}
        return await self._json({**body, "type": "url_verification"})

    async def ssl_check(self) -> httpx.Response:
        return await self._form({"ssl_check": "1", "token": payloads.VERIFICATION_TOKEN})


def _holds(block: JsonDict, element: JsonDict) -> bool:
    inside = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
    return any(candidate is element for candidate in inside)


def _answer_body(response: httpx.Response) -> Any:
    """The app's ack body: a JSON object, plain text as `{"text": ...}`, or None when empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return {"text": response.text}


def _state_values(found: list[Slot], values: Mapping[str, Any], *, check: bool = True) -> JsonDict:
    given = _by_slot(found, values)
    state: JsonDict = {}
    for slot in found:
        key = (slot.block_id, slot.action_id)
        entry = state_for(slot, given[key]) if key in given else initial_state(slot.element)
        if check:
            check_submittable(slot, entry)
        state.setdefault(slot.block_id, {})[slot.action_id] = entry
    return state


def _by_slot(found: list[Slot], values: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    """Accept `{block_id: {action_id: v}}` and flat `{action_id: v}`, in any mix."""
    block_ids = {slot.block_id for slot in found}
    given: dict[tuple[str, str], Any] = {}
    for key, value in values.items():
        if key in block_ids and isinstance(value, Mapping):
            for action_id, inner in value.items():
                if not any(s.block_id == key and s.action_id == action_id for s in found):
                    raise LookupError(f"block {key!r} has no input {action_id!r}")
                given[(key, str(action_id))] = inner
            continue
        matches = [s for s in found if s.action_id == key]
        if len(matches) != 1:
            known = sorted({s.action_id for s in found})
            problem = "is ambiguous" if matches else "is not an input of this view"
            raise LookupError(f"{key!r} {problem}; inputs: {known}; use {{block_id: {{...}}}}")
        given[(matches[0].block_id, key)] = value
    return given
