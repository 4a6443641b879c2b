"""The demo's change ledger: what the legal-RAG team's systems recorded before the incident.

Case study 1 of the seed: nothing changed in the app, the retrieval pipeline or the model in
eight months — but six weeks before the hallucinated citations, the corpus got 14,000 new court
filings and the embedding model was not retrained for them. Two unrelated, more recent changes
sit beside it, as they would in any real ledger. They reach the ledger the way producers send
them: one signed POST to /api/v1/changes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.api.auth import signature_headers
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId
from bot.slack.messages.changes import add_button_value

# A Standard Webhooks secret (whsec_<base64>) of a phrase, not random bytes: it guards nothing.
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby13ZWJob29rLXNlY3JldC1ub3QtYS1yZWFsLW9uZQ=="
FEATURE = "legal-research-rag"
CORPUS_UPDATE = "court-filings-2024-q3"
CORPUS_UPDATE_AGE = timedelta(weeks=6)  # before the declaration
# The opening digest looks 7 days back from the regression start; this reaches the corpus update.
WIDE_DAYS = 45


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def ledger_changes(*, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "source": "index-pipeline",
            "external_id": CORPUS_UPDATE,
            "kind": "index",
            "occurred_at": _stamp(now - CORPUS_UPDATE_AGE),
            "service": FEATURE,
            "summary": "14,000 new court filings added to the corpus; embedding model not "
            "retrained, vector index not rebuilt",
            "before": "court-filings 2024-Q2 (212,400 documents)",
            "after": "court-filings 2024-Q3 (226,400 documents)",
            "url": "https://git.example.com/legal/index-pipeline/-/pipelines/8812",
            "actor": "index-pipeline",
            "attributes": {
                "corpus.name": "court-filings",
                "corpus.version": "2024-Q3",
                "corpus.documents_added": 14000,
                "embedding.model": "text-embedding-3-large",
                "embedding.retrained": False,
            },
        },
        {
            "source": "github-actions",
            "external_id": "court-calendar-v3",
            "kind": "tool",
            "occurred_at": _stamp(now - timedelta(days=5)),
            "service": FEATURE,
            "summary": "court-calendar lookup tool moved to API v3 (hearing dates only)",
            "before": "court-calendar API v2",
            "after": "court-calendar API v3",
            "url": "https://github.example.com/legal/research-assistant/pull/412",
            "actor": "deploy-bot",
            "attributes": {"gen_ai.tool.name": "court_calendar", "tool.api_version": "v3"},
        },
        {
            "source": "prompt-registry",
            "external_id": "contract-summarizer@production:v9",
            "kind": "prompt",
            "occurred_at": _stamp(now - timedelta(days=4)),
            "service": "contract-summarizer",
            "summary": "shorter summaries for the mobile app",
            "before": "v8",
            "after": "v9",
            "attributes": {"prompt.name": "contract-summarizer", "prompt.label": "production"},
        },
    ]


async def seed_ledger(rig: Rehearsal, *, now: datetime) -> dict[str, int]:
    """POST the team's changes, signed as a CI job signs them; returns ledger ids by
    external id."""
    body = json.dumps({"changes": ledger_changes(now=now)}).encode()
    response = await rig.http.post(
        "/api/v1/changes",
        content=body,
        headers={
            **signature_headers(body, DEMO_WEBHOOK_SECRET, delivery_id="demo-ledger-seed"),
            "Content-Type": "application/json",
        },
    )
    response.raise_for_status()
    rig.emulator.record_user_action(
        "producers",
        "(the index pipeline, CI and the prompt registry, over the past six weeks) sent 3 "
        "changes to POST /api/v1/changes, signed with AI_INCIDENT_WEBHOOK_SECRET: the "
        "court-filings corpus update (six weeks ago), a court-calendar tool API bump and a "
        "prompt change of another feature",
    )
    return {change["external_id"]: change["id"] for change in response.json()["changes"]}


async def add_from_digest(
    rig: Rehearsal, *, incident_number: int, channel: str, change_id: int, user: str
) -> None:
    """Click "Add to timeline" beside a change in the latest digest of the channel."""
    [*_, digest] = [m for m in rig.emulator.messages(channel) if m.text.startswith("What changed")]
    await rig.slack.click(
        ActionId.DIGEST_ADD_TO_TIMELINE,
        user=user,
        channel=channel,
        message=digest.ts,
        value=add_button_value(incident_number, change_id),
    )
    await rig.slack.settle()
