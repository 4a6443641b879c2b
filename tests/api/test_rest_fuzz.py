"""Malformed input to every REST endpoint gets a 4xx naming the field, never a 5xx or a traceback.

Hypothesis builds requests around valid ones: one field, parameter or header at a time is
swapped for something hostile (times at the edges of the calendar, digits that are not ASCII,
numbers past 64 bits, NUL and other control characters, JSON nested thousands deep, wrong
types), plus bodies that are no JSON at all. Derandomized, so CI runs the same requests every
time. It runs on SQLite; tests/api/test_rest_postgres.py covers what only PostgreSQL refuses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import BEARER, a_change, iso, now, signed
from tests.e2e.test_change_webhooks import a_notification, a_prompt_event, an_alert
from tests.rig import API_TOKEN, WEBHOOK_SECRET, Strictness, sqlite_file_url, strict_rehearsal

NUMBER_PATHS = (
    "/api/v1/incidents/{}",
    "/api/v1/incidents/{}/timeline",
    "/api/v1/incidents/{}/postmortem.md",
    "/api/v1/incidents/{}/postmortem.json",
)

HOSTILE_TEXT = [
    "",
    " ",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2024-02-30T00:00:00Z",
    "2024-11-20T14:03:00",
    "²",
    "١٢٣",
    "-1",
    "0",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 400,
    "1e309",
    "NaN",
    "\x00",
    "a\x00b",
    "\ud800",
    "line\nbreak",
    "<!channel>",
    "x" * 5000,
]
HOSTILE_NUMBERS = [-1, 0, 2**31, 2**63, 2**64, -(2**63) - 1, 10**400, 1.5, 1e308]
HOSTILE_VALUES: list[Any] = [
    *HOSTILE_TEXT,
    *HOSTILE_NUMBERS,
    None,
    True,
    [],
    {},
    [None],
    {"": None},
]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    headers: Mapping[str, str | bytes] = field(default_factory=dict)

    def raw_headers(self) -> dict[bytes, bytes]:
        """As bytes: a client may send any byte a header allows, not only ASCII."""
        return {
            name.encode(): value if isinstance(value, bytes) else value.encode()
            for name, value in self.headers.items()
        }


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _nested(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=10), children, max_size=4
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _nested,
    max_leaves=12,
)
hostile = st.sampled_from(HOSTILE_VALUES) | json_values
hostile_text = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40)


def _sendable(text: str) -> bool:
    """What a client can put on the wire: UTF-8, and no line breaks or NUL in a header."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return not any(c in text for c in "\r\n\x00")


url_text = hostile_text.filter(_sendable)


@st.composite
def spoiled(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """A valid document with one field (at any depth) swapped, dropped or added."""
    document: dict[str, Any] = json.loads(json.dumps(valid))
    target = document
    while True:
        keys = sorted(target)
        key = draw(st.sampled_from([*keys, "unexpected"]))
        child = target.get(key)
        if isinstance(child, dict) and child and draw(st.booleans()):
            target = child
            continue
        if isinstance(child, list) and child and isinstance(child[0], dict) and draw(st.booleans()):
            target = child[0]
            continue
        if key in target and draw(st.integers(0, 4)) == 0:
            del target[key]
        else:
            target[key] = draw(hostile)
        return document


def _incident() -> dict[str, Any]:
    return {
        "title": "Citation precision under 0.9",
        "ai_feature": "legal-research-rag",
        "severity": "S2",
        "category": "silent_drift",
        "how_detected": "dashboard_alert",
        "regression_started_at": iso(now() - timedelta(hours=2)),
        "description": "nightly eval",
        "runbook": "default",
        "idempotency_key": "fuzz",
    }


def _post(path: str, document: object | bytes, headers: Mapping[str, str | bytes]) -> Call:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return Call("POST", path, body=body, headers=headers)


@st.composite
def body_calls(draw: st.DrawFn) -> Call:
    path, valid = draw(
        st.sampled_from(
            [
                ("/api/v1/changes", {"changes": [a_change("sha-fuzz")]}),
                ("/api/v1/changes", a_change("sha-fuzz")),
                ("/api/v1/incidents", _incident()),
                ("/api/v1/webhooks/alertmanager", a_notification(an_alert())),
                ("/api/v1/webhooks/langfuse", a_prompt_event("evt-fuzz", 4, ["production"])),
            ]
        )
    )
    document: object | bytes = draw(
        st.one_of(
            spoiled(valid),
            spoiled(valid),
            spoiled(valid),
            json_values,
            st.builds(_deep, st.sampled_from([100, 1000, 5000, 100_000])),
            st.binary(max_size=40),
            st.sampled_from([b"\xff\xfe", b'{"a": NaN}', b'{"a": 1e999}', b"[" * 10]),
        )
    )
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    how = draw(st.sampled_from(["bearer", "signed", "idempotency"]))
    headers: Mapping[str, str | bytes]
    if how == "signed" and body.isascii():  # a signature is made over text
        headers = signed(body, delivery_id=f"msg_{draw(st.integers(0, 10**6))}")
    elif how == "idempotency":
        headers = {**BEARER, "Idempotency-Key": draw(url_text).encode()}
    else:
        headers = dict(BEARER)
    return _post(path, body, headers)


@st.composite
def header_calls(draw: st.DrawFn) -> Call:
    body = json.dumps(a_change("sha-headers")).encode()
    headers: dict[str, str | bytes] = {**signed(body)}
    name = draw(st.sampled_from([*headers, "authorization", "x-langfuse-signature"]))
    headers[name] = draw(url_text).encode()
    path = draw(st.sampled_from(["/api/v1/changes", "/api/v1/webhooks/langfuse"]))
    return _post(path, body, headers)


@st.composite
def query_calls(draw: st.DrawFn) -> Call:
    params = {
        name: draw(url_text)
        for name in draw(
            st.lists(st.sampled_from(["since", "until", "service", "kind", "limit"]), max_size=3)
        )
    }
    return Call("GET", "/api/v1/changes", params=params, headers=BEARER)


@st.composite
def number_calls(draw: st.DrawFn) -> Call:
    number = draw(st.sampled_from(["1", "0", str(2**31), str(2**63), str(2**64), "9" * 40]))
    return Call("GET", draw(st.sampled_from(NUMBER_PATHS)).format(number), headers=BEARER)


@st.composite
def webhook_param_calls(draw: st.DrawFn) -> Call:
    params = {"labels": draw(url_text), "langfuse_url": draw(url_text)}
    body = json.dumps(a_prompt_event("evt-params", 4, ["production"])).encode()
    return Call("POST", "/api/v1/webhooks/langfuse", body=body, params=params, headers=BEARER)


EDGE = "0001-01-01T00:00:00+14:00"
# What fuzzing found before this test existed: each stays covered whatever hypothesis draws.
FOUND_BEFORE = [
    Call("GET", "/api/v1/changes", params={"since": EDGE}, headers=BEARER),
    Call("GET", "/api/v1/changes", params={"until": "9999-12-31T23:59:59-14:00"}, headers=BEARER),
    Call("GET", "/api/v1/changes", params={"limit": "²"}, headers=BEARER),
    _post("/api/v1/changes", a_change("edge", occurred_at=EDGE), dict(BEARER)),
    _post("/api/v1/incidents", {"title": "t", "regression_started_at": EDGE}, dict(BEARER)),
    _post(
        "/api/v1/webhooks/langfuse",
        a_prompt_event("e", 4, ["production"], timestamp=EDGE),
        dict(BEARER),
    ),
    _post("/api/v1/changes", _deep(100_000), dict(BEARER)),
    Call("GET", "/api/v1/incidents/" + str(2**63), headers=BEARER),
    Call("GET", "/api/v1/incidents/" + str(2**31) + "/postmortem.md", headers=BEARER),
    _post("/api/v1/changes", a_change("nul\x00", summary="a\x00b"), dict(BEARER)),
]

calls = st.one_of(
    body_calls(), header_calls(), query_calls(), number_calls(), webhook_param_calls()
)


def _examples(found: list[Call]) -> Callable[[Callable[[Call], None]], Callable[[Call], None]]:
    def add(test: Callable[[Call], None]) -> Callable[[Call], None]:
        for call in found:
            test = example(call)(test)
        return test

    return add


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, Rehearsal]]:
    """The app on SQLite, on a loop of its own: hypothesis drives it from a plain function."""
    loop = asyncio.new_event_loop()
    context = strict_rehearsal(
        strictness=Strictness(),
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    )
    rig = loop.run_until_complete(context.__aenter__())
    try:
        yield loop, rig
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()


def test_no_rest_input_gets_a_5xx_or_logs_an_error(
    running: tuple[asyncio.AbstractEventLoop, Rehearsal],
) -> None:
    loop, rig = running
    errors = _Errors()
    logging.getLogger().addHandler(errors)

    async def send(call: Call) -> tuple[int, Any]:
        response = await rig.http.request(
            call.method,
            call.path,
            content=call.body,
            params=call.params,
            headers=call.raw_headers(),
        )
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return response.status_code, response.json() if is_json else response.text

    @settings(
        max_examples=400,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(calls)
    @_examples(FOUND_BEFORE)
    def answered_without_a_5xx(call: Call) -> None:
        errors.records.clear()
        status, body = loop.run_until_complete(send(call))
        assert status < 500, (call, status, body)
        assert not errors.records, (call, [r.getMessage() for r in errors.records])
        assert "Traceback" not in str(body)
        if status == 422:
            assert all(error["field"] and error["reason"] for error in body["errors"]), body

    try:
        answered_without_a_5xx()
    finally:
        logging.getLogger().removeHandler(errors)
