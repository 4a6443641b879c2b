"""The digest as Block Kit: inside Slack's limits for any ledger, the long tail counted, and
producers' words shown as text, never as Slack markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.changes.digest import (
    MAX_ITEMS_LIMIT,
    Digest,
    DigestGroup,
    build_digest,
    compute_window,
)
from bot.core.changes.model import Change, ChangeKind
from bot.core.incidents.model import Category, Incident, Severity, Status
from bot.slack.messages.changes import (
    MAX_BLOCKS,
    add_button_value,
    change_added_text,
    digest_blocks,
    digest_text,
    live_changes_blocks,
    parse_add_button_value,
)
from bot.slack.payloads import MalformedPayload
from slack_sandbox.validation import validate_message

NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=1)


def incident(**overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "number": 7,
        "title": "Citations that do not exist",
        "severity": Severity.S2,
        "category": Category.SILENT_DRIFT,
        "ai_feature": "legal-research-rag",
        "channel_id": "C0INCIDENT",
        "regression_started_at": START,
        "declared_at": NOW,
    }
    return Incident(**(fields | overrides))


def ledger(size: int) -> list[Change]:
    kinds = list(ChangeKind)
    return [
        Change(
            id=index + 1,
            source="prompt-registry",
            external_id=f"event-{index}",
            kind=kinds[index % len(kinds)],
            occurred_at=START - timedelta(minutes=index),
            service="legal-research-rag",
            summary="x" * 500,  # the longest summary a producer may send
            before="b" * 200,
            after="a" * 200,
            url="https://example.com/" + "p" * 900,
            actor="deploy-bot",
        )
        for index in range(size)
    ]


def sections(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == "section"]


def as_json(digest: Digest, **kwargs: Any) -> list[dict[str, Any]]:
    return [block.to_dict() for block in digest_blocks(digest, **kwargs)]


@pytest.mark.parametrize("max_items", [1, 20, MAX_ITEMS_LIMIT])
def test_a_digest_of_a_huge_ledger_is_a_message_slack_accepts(max_items: int) -> None:
    changes = ledger(5000)
    digest = build_digest(
        changes,
        regression_start=START,
        now=NOW,
        service="legal-research-rag",
        max_items=max_items,
        days=90,
    )
    blocks = as_json(digest, incident=incident())

    validate_message(digest_text(digest, incident=incident()), blocks)  # raises if Slack would
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in sections(blocks))
    buttons = [b["accessory"] for b in sections(blocks) if "accessory" in b]
    assert len(buttons) == digest.shown
    assert all(len(button["value"]) <= 2000 for button in buttons)
    # The tail is counted, not dropped: shown plus summarised is the whole window.
    tail = blocks[-1]["elements"][0]["text"]
    assert tail.startswith(f"{digest.hidden} more not shown")
    assert digest.shown + digest.hidden == sum(map(digest.window.contains, changes)) > 4000


def test_even_a_digest_beyond_the_builders_limits_fits_and_says_what_did_not() -> None:
    changes = ledger(400)
    window = compute_window(regression_start=START, now=NOW, days=90)
    groups = [
        DigestGroup(axis=axis, changes=[c for c in changes if c.axis is axis])
        for axis in {c.axis for c in changes}
    ]
    digest = Digest(window=window, days=90, traffic_hours=48, service=None, groups=groups)

    blocks = as_json(digest, incident=incident())

    validate_message(digest_text(digest, incident=incident()), blocks)
    assert len(blocks) == MAX_BLOCKS
    shown = len([b for b in sections(blocks) if "accessory" in b])
    assert f"{400 - shown} more did not fit in one message" in blocks[-1]["elements"][0]["text"]
    # Every axis keeps a place: a busy one does not crowd a quiet one out.
    for group in groups:
        assert any(f"*{group.label}*" in b["text"]["text"] for b in sections(blocks))


def test_producers_words_cannot_ping_a_channel_or_forge_a_link() -> None:
    sneaky = Change(
        id=1,
        source="ci",
        external_id="1",
        kind=ChangeKind.PROMPT,
        occurred_at=START - timedelta(hours=1),
        summary="<!channel> rolled back & <@U0BOSS> <https://evil.example|docs>",
        url="https://example.com/a|b>c<d",
    )
    digest = build_digest([sneaky], regression_start=START, now=NOW)
    text = str(as_json(digest, incident=incident()))
    assert "&lt;!channel&gt; rolled back &amp; &lt;@U0BOSS&gt;" in text
    assert "<!channel>" not in text and "<@U0BOSS>" not in text
    assert "<https://example.com/a%7Cb%3Ec%3Cd|link>" in text
    added = change_added_text(sneaky, added_by="U0ALICE")
    assert "<!channel>" not in added and added.startswith(":pushpin: <@U0ALICE>")


def test_a_link_too_long_to_read_is_left_to_the_api() -> None:
    long_link = ledger(1)[0].model_copy(update={"url": "https://example.com/" + "p" * 1500})
    digest = build_digest([long_link], regression_start=START, now=NOW, days=90)
    assert "example.com" not in str(as_json(digest, incident=incident()))


def test_buttons_only_where_they_can_act() -> None:
    changes = ledger(3)
    digest = build_digest(changes, regression_start=START, now=NOW, days=90)
    on_timeline = frozenset({changes[0].dedupe_key})

    open_blocks = as_json(digest, incident=incident(), on_timeline=on_timeline)
    closed = as_json(digest, incident=incident(status=Status.CLOSED))
    whole_ledger = as_json(digest, incident=None)

    values = [b["accessory"]["value"] for b in sections(open_blocks) if "accessory" in b]
    assert sorted(parse_add_button_value(v) for v in values) == [(7, 2), (7, 3)]
    assert "on the timeline" in str(open_blocks)
    assert not [b for b in sections(closed) + sections(whole_ledger) if "accessory" in b]


def test_an_empty_digest_says_how_to_fill_the_ledger() -> None:
    digest = build_digest([], regression_start=START, now=NOW)
    blocks = as_json(digest, incident=incident())
    assert "Nothing in the change ledger" in str(blocks) and "/ai-incident change" in str(blocks)
    assert "nothing in the change ledger" in digest_text(digest, incident=incident())


def test_a_live_batch_lists_ten_and_counts_the_rest() -> None:
    blocks = [b.to_dict() for b in live_changes_blocks(incident(), ledger(25), recorded_by=None)]
    validate_message("x", blocks)
    assert len(sections(blocks)) == 1 + 10
    assert "15 more, all on the timeline" in str(blocks[-1])


@pytest.mark.parametrize("value", ["7", "7:x", ":3", "a:b", ""])
def test_a_button_value_that_names_no_change_is_refused(value: str) -> None:
    with pytest.raises(MalformedPayload):
        parse_add_button_value(value)
    assert parse_add_button_value(add_button_value(12, 3456)) == (12, 3456)
