"""`ai-incident cases push ID --dataset NAME`: the cases as items of a Langfuse dataset, keyed by
case id so a re-push creates nothing new; tested against a local fake of Langfuse's public API,
never the network."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.cli import main
from bot.cli.cases import run_push
from bot.config import load_langfuse_settings, load_settings
from storage.migrate import upgrade_sync
from tests.cli.test_cli_cases import CASES, _seed, fresh_database, stored

PUBLIC, SECRET = "pk-lf-test-public", "sk-lf-test-secret-do-not-print"


@dataclass
class FakeLangfuse:
    """Datasets by name and items by id, as Langfuse keeps them (items upsert on their id, and
    an id belongs to one dataset)."""

    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/public/v2/datasets", self._dataset, methods=["POST"]),
                Route("/api/public/dataset-items", self._item, methods=["POST"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{PUBLIC}:{SECRET}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _dataset(self, request: Request) -> JSONResponse:
        self.requests.append(request.url.path)
        if not self._authorized(request):
            return JSONResponse({"message": "Invalid credentials"}, status_code=401)
        body = await request.json()
        self.datasets.setdefault(body["name"], body)
        return JSONResponse({"name": body["name"], "id": f"ds-{body['name']}"})

    async def _item(self, request: Request) -> JSONResponse:
        self.requests.append(request.url.path)
        if not self._authorized(request):
            return JSONResponse({"message": "Invalid credentials"}, status_code=401)
        body = await request.json()
        if body["datasetName"] not in self.datasets:
            return JSONResponse({"message": "Dataset not found"}, status_code=404)
        earlier = self.items.get(body["id"])
        if earlier is not None and earlier["datasetName"] != body["datasetName"]:
            return JSONResponse({"message": "id used in another dataset"}, status_code=400)
        self.items[body["id"]] = body
        return JSONResponse(body)


@pytest.fixture
def langfuse() -> FakeLangfuse:
    return FakeLangfuse()


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    database = fresh_database(monkeypatch, tmp_path)
    upgrade_sync(database)
    asyncio.run(_seed(database))
    monkeypatch.setenv("AI_INCIDENT_LANGFUSE_HOST", "https://langfuse.test/")
    monkeypatch.setenv("AI_INCIDENT_LANGFUSE_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("AI_INCIDENT_LANGFUSE_SECRET_KEY", SECRET)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return database


def to(fake: FakeLangfuse) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app())


def test_a_push_upserts_one_item_per_case_and_a_re_push_creates_nothing(
    seeded: str, langfuse: FakeLangfuse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_push(
            1, dataset="legal-rag-regressions", settings=load_settings(), transport=to(langfuse)
        )
        == 0
    )
    first = {key: dict(item) for key, item in langfuse.items.items()}
    pushed = stored(seeded)
    assert (
        run_push(
            1, dataset="legal-rag-regressions", settings=load_settings(), transport=to(langfuse)
        )
        == 0
    )

    assert list(langfuse.datasets) == ["legal-rag-regressions"]
    assert list(langfuse.items) == [case.key for case in pushed]
    assert langfuse.items == first
    item = first[pushed[0].key]
    assert item["input"] == CASES[0]["input"]
    assert item["expectedOutput"] == {"kind": "must", "text": CASES[0]["expected"]}
    assert item["metadata"]["incident"] == 1 and item["metadata"]["slice"] == "case-law"
    assert item["metadata"]["attributes"] == {"gen_ai.request.model": "gpt-4o-2024-11-20"}
    assert all(c.dataset == "legal-rag-regressions" and c.in_eval_set for c in pushed)
    assert [c.pushed_at for c in stored(seeded)] == [c.pushed_at for c in pushed]
    assert "pushed 3 regression case(s) of incident #1 to the Langfuse dataset " in (
        capsys.readouterr().err
    )


def test_wrong_keys_are_one_line_mark_nothing_and_never_print_the_secret(
    seeded: str,
    langfuse: FakeLangfuse,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("AI_INCIDENT_LANGFUSE_SECRET_KEY", "sk-lf-wrong-secret")
    caplog.set_level(logging.DEBUG)

    assert (
        run_push(
            1, dataset="legal-rag-regressions", settings=load_settings(), transport=to(langfuse)
        )
        == 2
    )

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Langfuse refused the keys (HTTP 401)" in err
    assert "sk-lf-wrong-secret" not in err + caplog.text
    assert langfuse.items == {}
    assert all(c.pushed_at is None and c.dataset is None for c in stored(seeded))


def test_a_failure_half_way_marks_nothing(seeded: str, langfuse: FakeLangfuse) -> None:
    # An id belongs to one dataset in Langfuse: the first case is already elsewhere.
    langfuse.datasets["other"] = {"name": "other"}
    first_key = stored(seeded)[0].key
    langfuse.items[first_key] = {"id": first_key, "datasetName": "other"}

    assert (
        run_push(
            1, dataset="legal-rag-regressions", settings=load_settings(), transport=to(langfuse)
        )
        == 2
    )

    assert all(c.pushed_at is None for c in stored(seeded))


def test_unreachable_or_unconfigured_langfuse_is_one_line(
    seeded: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert (
        run_push(1, dataset="d", settings=load_settings(), transport=httpx.MockTransport(refuse))
        == 2
    )
    assert capsys.readouterr().err == (
        "ai-incident: cannot reach Langfuse at https://langfuse.test: ConnectError\n"
    )

    monkeypatch.delenv("AI_INCIDENT_LANGFUSE_PUBLIC_KEY")
    assert main(["cases", "push", "1", "--dataset", "d"]) == 2
    assert capsys.readouterr().err == (
        "ai-incident: setting AI_INCIDENT_LANGFUSE_PUBLIC_KEY is missing\n"
    )
    assert main(["cases", "push", "1", "--dataset", "  "]) == 2
    assert "--dataset must be a name" in capsys.readouterr().err


def test_nothing_to_push_says_so(
    seeded: str, langfuse: FakeLangfuse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_push(2, dataset="d", settings=load_settings(), transport=to(langfuse)) == 0

    assert langfuse.requests == []
    assert "incident #2 has no regression cases yet: nothing was pushed" in capsys.readouterr().err


def test_the_langfuse_keys_never_print(seeded: str) -> None:
    settings = load_langfuse_settings()

    assert settings.host == "https://langfuse.test"
    assert settings.secret_key.get_secret_value() == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
