"""The external upload flow behind slack_sdk's files_upload_v2, and files.info.

Step one hands out an upload URL on the emulator; the raw bytes are POSTed there; step three
shares the file into a channel as a message, with the initial comment as its text.
"""

from __future__ import annotations

from slack_sandbox.errors import ApiError
from slack_sandbox.methods.chat import postable_channel
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
