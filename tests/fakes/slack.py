"""What the use cases ask of Slack, recorded instead of sent.

Each fake keeps every call as its method name and keyword arguments, and answers with a
plausible id or ts. Tests assert which effects were asked for (a card refreshed, a checklist
posted, a notice in a channel), not the wording of notices: that belongs to the Slack edge. The
methods take their arguments as `**call`, so the fakes keep fitting the ports while the
arguments the ports carry evolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.incidents.card import IncidentCard
from bot.core.incidents.chat_message import SlackMessage


class SlackUnavailable(Exception):
    """What a recording fake raises for a call a test told it to fail."""


@dataclass(frozen=True)
class Call:
    method: str
    kwargs: dict[str, Any]


class CallLog:
    """The calls a fake received, in order; `fail(method)` makes the next ones raise."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, int] = {}
        self._counter = 0

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def called(self, method: str) -> list[dict[str, Any]]:
        """The keyword arguments of each call to `method`, in order."""
        return [call.kwargs for call in self.calls if call.method == method]

    def fail(self, method: str, *, times: int = 1) -> None:
        self._failures[method] = self._failures.get(method, 0) + times

    def forget(self) -> None:
        """Drop what was recorded so far (to assert only on what a later step asks for)."""
        self.calls.clear()

    def _record(self, method: str, kwargs: dict[str, Any]) -> None:
        if self._failures.get(method):
            self._failures[method] -= 1
            raise SlackUnavailable(method)
        self.calls.append(Call(method, dict(kwargs)))

    def _next_ts(self) -> str:
        self._counter += 1
        return f"1767225600.{self._counter:06d}"


class RecordingNotifier(CallLog):
    """The Notifier, and the checklist and reminder notifiers the same Slack notifier is."""

    def __init__(self, *, announce_channel: str | None = None) -> None:
        super().__init__()
        # Messages `fetch_message` finds, by (channel, ts): what a pinned reaction points at.
        self.messages: dict[tuple[str, str], SlackMessage] = {}
        self.announce_channel = announce_channel
        # What each effect key posted (the metadata Slack would keep), for `find_post`.
        self.posted: dict[str, str] = {}

    async def create_channel(self, **call: Any) -> tuple[str, str]:
        self._record("create_channel", call)
        number = call["incident"].number
        return f"C0INC{number:04d}", f"aiinc-{number}"

    async def invite(self, **call: Any) -> None:
        self._record("invite", call)

    async def post_card(self, **call: Any) -> str:
        self._record("post_card", call)
        return self._posted(call)

    async def tell_declared(self, **call: Any) -> None:
        self._record("tell_declared", call)

    async def pin(self, **call: Any) -> None:
        self._record("pin", call)

    def card_digest(self, card: IncidentCard) -> str:
        return repr(card)

    async def update_card(self, **call: Any) -> str | None:
        self._record("update_card", call)
        return self.card_digest(call["card"])

    async def post_notice(self, **call: Any) -> str:
        self._record("post_notice", call)
        return self._posted(call)

    async def announce(self, **call: Any) -> str | None:
        self._record("announce", call)
        return self._posted(call)

    async def announce_escalation(self, **call: Any) -> str | None:
        self._record("announce_escalation", call)
        return self._posted(call)

    async def find_post(self, **call: Any) -> str | None:
        self._record("find_post", call)
        return self.posted.get(call["effect"])

    def _posted(self, call: dict[str, Any]) -> str:
        ts = self._next_ts()
        if call.get("effect"):
            self.posted[call["effect"]] = ts
        return ts

    async def permalink(self, **call: Any) -> str | None:
        self._record("permalink", call)
        return f"https://sandbox.slack.com/archives/{call['channel_id']}/p{call['ts']}"

    async def fetch_message(self, **call: Any) -> SlackMessage | None:
        self._record("fetch_message", call)
        return self.messages.get((call["channel_id"], call["ts"]))

    async def post_checklist(self, **call: Any) -> str:
        self._record("post_checklist", call)
        return self._posted(call)

    async def update_checklist(self, **call: Any) -> None:
        self._record("update_checklist", call)

    async def send_reminder(self, **call: Any) -> str:
        self._record("send_reminder", call)
        return self._next_ts()

    def notices_in(self, channel_id: str) -> int:
        """How many notices were posted in a channel (whatever they say)."""
        return sum(
            1 for call in self.called("post_notice") if call["notice"].channel_id == channel_id
        )


class RecordingChangeNotifier(CallLog):
    """The ChangeNotifier."""

    async def post_digest(self, **call: Any) -> None:
        self._record("post_digest", call)

    async def post_changes(self, **call: Any) -> None:
        self._record("post_changes", call)

    async def post_change_added(self, **call: Any) -> None:
        self._record("post_change_added", call)

    async def post_alerts(self, **call: Any) -> None:
        self._record("post_alerts", call)


class RecordingPublisher(CallLog):
    """The PostmortemPublisher."""

    async def upload_markdown(self, **call: Any) -> str:
        self._record("upload_markdown", call)
        return f"F0{len(self.calls):05d}"

    async def find_upload(self, **call: Any) -> str | None:
        self._record("find_upload", call)
        return None

    async def archive_channel(self, **call: Any) -> None:
        self._record("archive_channel", call)


class FakeUserDirectory(CallLog):
    """The UserDirectory: knows the names it is given, leaves other ids out."""

    def __init__(self, names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.names = dict(names or {})

    async def display_names(self, **call: Any) -> dict[str, str]:
        self._record("display_names", call)
        return {user: self.names[user] for user in call["user_ids"] if user in self.names}
