"""The external upload flow behind slack_sdk's files_upload_v2, files.info and files.list.

Step one hands out an upload URL on the emulator; the raw bytes are POSTed there; step three
shares the file into a channel as a message, with the initial comment as its text. A file is
visible (info, list) only once step three completed it, as on Slack.
"""

from __future__ import annotations

import math

from slack_sandbox.errors import ApiError
from slack_sandbox.methods.chat import postable_channel
from slack_sandbox.methods.paging import MAX_LIMIT, page
from slack_sandbox.params import Params
from slack_sandbox.state import FileRecord, JsonDict
from slack_sandbox.workspace import Workspace


def get_upload_url(ws: Workspace, p: Params) -> JsonDict:
    filename = p.text("filename")
    length = p.number("length", -1)
    if length < 0:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: length"])
    if ws.base_url is None:
        raise RuntimeError("the emulator is not being served yet; start a SandboxServer first")
    record = FileRecord(
        id=ws.mint_id("F"),
        name=filename,
        title=filename,
        length=length,
        user=ws.identity.bot_user_id,
        created=ws.epoch(),
    )
    ws.files[record.id] = record
    return {"upload_url": f"{ws.base_url}/upload/{record.id}", "file_id": record.id}


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> None:
    record = ws.files.get(file_id)
    if record is None or record.completed:
        raise ApiError("file_not_found", status=404)
    record.content = content


def complete_upload(ws: Workspace, p: Params) -> JsonDict:
    entries = p.structured("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    records: list[FileRecord] = []
    for entry in entries:
        file_id = entry.get("id") if isinstance(entry, dict) else None
        record = ws.files.get(str(file_id))
        if record is None or record.content is None or record.completed:
            raise ApiError("file_not_found")
        if isinstance(entry, dict) and entry.get("title"):
            record.title = str(entry["title"])
        records.append(record)
    targets = [p.text("channel_id")] if p.has("channel_id") else p.text_list("channels")
    comment = p.optional_text("initial_comment")
    thread_ts = p.optional_text("thread_ts")
    channels = [postable_channel(ws, ref) for ref in targets]
    for record in records:
        record.completed = True
        record.initial_comment = comment
    for channel in channels:
        message = ws.post(
            channel,
            user=ws.identity.bot_user_id,
            text=comment or "",
            blocks=[],
            thread_ts=thread_ts,
            files=[r.id for r in records],
        )
        for record in records:
            record.shares.append((channel.id, message.ts))
            ws.log(f"    [file: {record.title} ({len(record.content or b'')} bytes)]")
    base = ws.base_url or ""
    return {"files": [r.to_slack(base_url=base) for r in records]}


def info(ws: Workspace, p: Params) -> JsonDict:
    record = ws.files.get(p.text("file", missing_error="file_not_found"))
    if record is None or not record.completed:
        raise ApiError("file_not_found")
    return {"file": record.to_slack(base_url=ws.base_url or ""), "comments": []}


# files.list `types`: Slack's categories, by the file types the sandbox can hold. Uploads through
# the external flow are hosted files, never posts, snippets or Google docs, so those match none.
_TYPE_FILETYPES: dict[str, frozenset[str]] = {
    "images": frozenset({"png", "jpg", "jpeg", "gif", "bmp", "webp", "svg"}),
    "pdfs": frozenset({"pdf"}),
    "zips": frozenset({"zip"}),
    "snippets": frozenset(),
    "spaces": frozenset(),
    "posts": frozenset(),
    "gdocs": frozenset(),
}
DEFAULT_COUNT = 100


def list_files(ws: Workspace, p: Params) -> JsonDict:
    """files.list: newest first, filtered by channel, user, creation time and type.

    Paged the documented way (`count` / `page`, answered with `paging`) or, when `cursor` or
    `limit` is given, with a cursor (answered with `response_metadata.next_cursor`).
    """
    channel_id = p.optional_text("channel")
    if channel_id is not None and channel_id not in ws.channels:
        raise ApiError("channel_not_found")
    user_id = p.optional_text("user")
    if user_id is not None:
        ws.user(user_id)
    ts_from = _epoch(p, "ts_from")
    ts_to = _epoch(p, "ts_to")
    wanted = _filetypes(p)

    def matches(record: FileRecord) -> bool:
        if not record.completed:
            return False
        if channel_id is not None and all(c != channel_id for c, _ in record.shares):
            return False
        if user_id is not None and record.user != user_id:
            return False
        if ts_from is not None and record.created < ts_from:
            return False
        if ts_to is not None and record.created > ts_to:
            return False
        return wanted is None or record.filetype in wanted

    # Stored in upload order; a stable sort keeps the later upload first within one second.
    found = sorted(
        (r for r in reversed(ws.files.values()) if matches(r)),
        key=lambda r: r.created,
        reverse=True,
    )
    base = ws.base_url or ""
    if p.has("cursor") or p.has("limit"):
        chunk, cursor = page(found, p)
        return {
            "files": [r.to_slack(base_url=base) for r in chunk],
            "response_metadata": {"next_cursor": cursor},
        }
    count = min(max(p.number("count", DEFAULT_COUNT), 1), MAX_LIMIT)
    number = max(p.number("page", 1), 1)
    start = (number - 1) * count
    return {
        "files": [r.to_slack(base_url=base) for r in found[start : start + count]],
        "paging": {
            "count": count,
            "total": len(found),
            "page": number,
            "pages": math.ceil(len(found) / count),
        },
    }


def _epoch(p: Params, name: str) -> float | None:
    value = p.optional_text(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise ApiError(
            "invalid_arguments", [f"[ERROR] {name} must be a Unix timestamp [json-pointer:/{name}]"]
        ) from exc


def _filetypes(p: Params) -> frozenset[str] | None:
    """The file types `types` asks for; None when it asks for all of them."""
    names = p.text_list("types") or ["all"]
    if "all" in names:
        if any(n != "all" and n not in _TYPE_FILETYPES for n in names):
            raise ApiError("unknown_type")
        return None
    wanted: set[str] = set()
    for name in names:
        if name not in _TYPE_FILETYPES:
            raise ApiError("unknown_type")
        wanted |= _TYPE_FILETYPES[name]
    return frozenset(wanted)
