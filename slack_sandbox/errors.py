"""The one way an emulated Web API method says no: an `ok: false` answer with Slack's error code."""

from __future__ import annotations

from collections.abc import Sequence


class ApiError(Exception):
    """Raised inside the emulator; becomes `{"ok": false, "error": code, ...}` on the wire.

    `messages` are Slack's `response_metadata.messages` lines (e.g. "[ERROR] ... [json-pointer:
    /blocks/0/text]"); `rejected` marks refusals of malformed content, which the emulator keeps
    as rejections so a test can assert the app never sent Slack anything it would refuse.
    """

    def __init__(
        self,
        error: str,
        messages: Sequence[str] = (),
        *,
        rejected: bool = False,
        status: int = 200,
    ) -> None:
        super().__init__(error if not messages else f"{error}: {'; '.join(messages)}")
        self.error = error
        self.messages = tuple(messages)
        self.rejected = rejected
        self.status = status
