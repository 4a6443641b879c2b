"""The change ledger's vocabulary and its front door.

A change filed under the wrong axis sends a root-cause analysis down the wrong path; a change
accepted with a local time lands in the wrong hour and falls out of the digest; a rejected batch
that does not say which entry and field was wrong leaves a CI job failing with no clue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.changes.model import (
    MAX_BATCH,
    Change,
    ChangeKind,
    change_headline,
    change_timeline_event,
    concerns_service,
    parse_change_payload,
)
from bot.core.forms import validation_errors
from bot.core.timeline import Axis, TimelineKind, axis_of, is_control_plane


def a_change(**overrides: Any) -> dict[str, Any]:
    change: dict[str, Any] = {
        "source": "github-actions",
        "external_id": "deploy-4411",
        "kind": "model",
        "occurred_at": "2024-11-20T14:03:00Z",
        "service": "legal-research",
        "before": "gpt-4o-2024-08-06",
        "after": "gpt-4o-2024-11-20",
        "url": "https://github.com/acme/llm-config/pull/812",
        "actor": "release-bot",
        "attributes": {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o"},
    }
    change.update(overrides)
    return change


def errors_of(payload: object) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_change_payload(payload)
    return [{"field": e["field"], "reason": e["reason"]} for e in validation_errors(caught.value)]


def fields_of(payload: object) -> set[str]:
    return {error["field"] for error in errors_of(payload)}


# --- kinds and axes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "timeline_kind", "axis"),
    [
        (ChangeKind.MODEL, TimelineKind.MODEL_CHANGE, Axis.MODEL),
        (ChangeKind.ROUTING, TimelineKind.ROUTING_CHANGE, Axis.MODEL),
        (ChangeKind.PROMPT, TimelineKind.PROMPT_CHANGE, Axis.PROMPT),
        (ChangeKind.JUDGE, TimelineKind.JUDGE_CHANGE, Axis.JUDGE),
        (ChangeKind.INDEX, TimelineKind.INDEX_CHANGE, Axis.DATA),
        (ChangeKind.TRAFFIC, TimelineKind.TRAFFIC_SHIFT, Axis.DATA),
        (ChangeKind.TOOL, TimelineKind.TOOL_CHANGE, Axis.ENVIRONMENT),
        (ChangeKind.CONFIG, TimelineKind.CONFIG_CHANGE, Axis.ENVIRONMENT),
    ],
)
def test_each_kind_lands_on_its_timeline_kind_and_axis(
    kind: ChangeKind, timeline_kind: TimelineKind, axis: Axis
) -> None:
    assert kind.timeline_kind is timeline_kind
    assert kind.axis is axis
    # The axis comes from the timeline's single mapping, not a second copy.
    assert axis_of(kind.timeline_kind) is kind.axis


def test_change_kinds_and_control_plane_timeline_kinds_correspond_one_to_one() -> None:
    timeline_kinds = [kind.timeline_kind for kind in ChangeKind]
    assert len(set(timeline_kinds)) == len(ChangeKind)
    assert set(timeline_kinds) == {kind for kind in TimelineKind if is_control_plane(kind)}


# --- accepted input ---------------------------------------------------------------------------


def test_a_single_change_is_accepted_and_its_time_kept_in_utc() -> None:
    [change] = parse_change_payload(a_change(occurred_at="2024-11-20T15:03:00+01:00"))

    assert change.kind is ChangeKind.MODEL
    assert change.occurred_at == datetime(2024, 11, 20, 14, 3, tzinfo=UTC)
    assert change.occurred_at.utcoffset() == timedelta(0)
    assert change.attributes["gen_ai.request.model"] == "gpt-4o"


def test_a_batch_is_accepted_in_order() -> None:
    changes = parse_change_payload(
        {"changes": [a_change(external_id=f"deploy-{n}") for n in range(3)]}
    )
    assert [change.external_id for change in changes] == ["deploy-0", "deploy-1", "deploy-2"]


def test_blank_optional_fields_mean_absent_and_numeric_versions_read_as_text() -> None:
    [change] = parse_change_payload(
        a_change(kind="prompt", url="", actor="  ", before=3, after=4, summary="")
    )
    assert change.url is None
    assert change.actor is None
    assert change.summary is None
    assert (change.before, change.after) == ("3", "4")


def test_kind_is_read_without_regard_to_case() -> None:
    [change] = parse_change_payload(a_change(kind=" Index "))
    assert change.kind is ChangeKind.INDEX


def test_a_batch_of_the_maximum_size_is_accepted_and_one_more_is_not() -> None:
    full = [a_change(external_id=f"c-{n}") for n in range(MAX_BATCH)]
    assert len(parse_change_payload({"changes": full})) == MAX_BATCH

    assert fields_of({"changes": [*full, a_change(external_id="one-too-many")]}) == {"changes"}


# --- rejected input names the field -----------------------------------------------------------


def test_a_bad_entry_in_a_batch_is_named_by_its_position_and_field() -> None:
    batch = {"changes": [a_change(external_id=f"c-{n}") for n in range(5)]}
    batch["changes"][3]["kind"] = "vibes"

    [error] = errors_of(batch)

    assert error["field"] == "changes.3.kind"
    assert "'model'" in error["reason"]
    assert "'traffic'" in error["reason"]


def test_every_bad_entry_is_reported_not_just_the_first() -> None:
    batch = {
        "changes": [
            a_change(external_id="a", kind="nope"),
            a_change(external_id="b"),
            a_change(external_id="c", url="ftp://files.example.com/x"),
        ]
    }
    assert fields_of(batch) == {"changes.0.kind", "changes.2.url"}


@pytest.mark.parametrize(
    ("occurred_at", "reason_says"),
    [
        ("2024-11-20T14:03:00", "zone"),
        ("20/11/2024 14:03", "ISO-8601"),
        (1732111380, "ISO-8601"),
        (None, "ISO-8601"),
    ],
)
def test_occurred_at_must_be_iso_8601_with_a_zone(occurred_at: object, reason_says: str) -> None:
    [error] = errors_of(a_change(occurred_at=occurred_at))
    assert error["field"] == "occurred_at"
    assert reason_says in error["reason"]


@pytest.mark.parametrize(
    "url", ["ftp://files.example.com/x", "javascript:alert(1)", "https://", "https://a b.com"]
)
def test_url_must_be_an_http_link(url: str) -> None:
    assert fields_of(a_change(url=url)) == {"url"}


def test_a_misspelt_field_is_named_rather_than_dropped() -> None:
    payload = a_change()
    payload["occured_at"] = payload.pop("occurred_at")
    assert fields_of(payload) == {"occured_at", "occurred_at"}


def test_a_change_that_says_nothing_about_what_changed_is_refused() -> None:
    [error] = errors_of(a_change(before=None, after=None, summary=None))
    assert error["field"] == "summary"


def test_a_change_with_only_a_summary_is_enough() -> None:
    [change] = parse_change_payload(
        a_change(kind="traffic", before=None, after=None, summary="competitor blog drove traffic")
    )
    assert change.summary == "competitor blog drove traffic"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("summary", "x" * 501),
        ("before", "v" * 201),
        ("service", "s" * 151),
        ("external_id", "e" * 201),
        ("external_id", ""),
        ("source", "s" * 65),
        ("source", "my ci"),
        ("actor", "a" * 151),
    ],
)
def test_lengths_and_shapes_are_bounded(field: str, value: str) -> None:
    assert fields_of(a_change(**{field: value})) == {field}


def test_attributes_take_scalars_and_lists_but_not_nested_objects() -> None:
    [change] = parse_change_payload(
        a_change(
            attributes={
                "gen_ai.request.temperature": 0.2,
                "prompt.labels": ["production", "latest"],
                "embedding.retrained": False,
            }
        )
    )
    assert change.attributes["prompt.labels"] == ["production", "latest"]

    [error] = errors_of(a_change(attributes={"gen_ai.request": {"model": "gpt-4o"}}))
    assert error["field"] == "attributes"
    assert "gen_ai.request" in error["reason"]

    [error] = errors_of(a_change(attributes={"judge.kappa": float("nan")}))
    assert error["field"] == "attributes"


def test_the_same_change_twice_in_one_batch_is_named() -> None:
    batch = {"changes": [a_change(), a_change(external_id="other"), a_change()]}
    [error] = errors_of(batch)
    assert error["field"] == "changes.2.external_id"
    assert "changes.0" in error["reason"]


def test_an_empty_batch_and_a_non_object_body_are_refused() -> None:
    assert fields_of({"changes": []}) == {"changes"}
    [error] = errors_of(["not", "an", "object"])
    assert error == {"field": "body", "reason": "must be a JSON object"}
    assert fields_of({"changes": [a_change(), "oops"]}) == {"changes.1"}


def test_errors_never_echo_what_was_sent() -> None:
    token = "xoxb-123456789012-secret-value"
    errors = errors_of({"changes": [a_change(kind=token, url=token, occurred_at=token)]})
    assert len(errors) == 3
    assert token not in json.dumps(errors)


# --- reading a change -------------------------------------------------------------------------


def ledger_change(**overrides: Any) -> Change:
    [change_in] = parse_change_payload(a_change(**overrides))
    return change_in.to_change()


def test_headline_reads_kind_before_after_and_service() -> None:
    assert change_headline(ledger_change()) == (
        "model: gpt-4o-2024-08-06 → gpt-4o-2024-11-20 (legal-research)"
    )


def test_headline_falls_back_to_the_summary_and_keeps_it_beside_versions() -> None:
    only_summary = ledger_change(
        kind="index", before=None, after=None, summary="14,000 filings added to the corpus"
    )
    assert change_headline(only_summary) == (
        "index: 14,000 filings added to the corpus (legal-research)"
    )

    both = ledger_change(kind="prompt", before="v3", after="v4", summary="stricter citations")
    assert change_headline(both) == "prompt: v3 → v4 (legal-research) — stricter citations"


def test_headline_stays_one_bounded_line() -> None:
    long = ledger_change(summary="line one\nline two " + "x" * 480)
    headline = change_headline(long)
    assert "\n" not in headline
    assert len(headline) <= 300


def test_a_change_on_a_timeline_carries_its_axis_link_and_dedupe_key() -> None:
    change = ledger_change(kind="routing")
    recorded = datetime(2024, 11, 21, 9, 0, tzinfo=timezone(timedelta(hours=2)))

    event = change_timeline_event(change, incident_number=12, recorded_at=recorded, actor="U123")

    assert event.incident_number == 12
    assert event.kind is TimelineKind.ROUTING_CHANGE
    assert event.axis is Axis.MODEL
    assert event.occurred_at == change.occurred_at
    assert event.recorded_at == datetime(2024, 11, 21, 7, 0, tzinfo=UTC)
    assert event.dedupe_key == "change:github-actions:deploy-4411"
    assert event.permalink == "https://github.com/acme/llm-config/pull/812"
    assert event.actor == "U123"
    assert event.summary.startswith("routing: gpt-4o-2024-08-06 → gpt-4o-2024-11-20")
    assert event.details["changed_by"] == "release-bot"
    assert event.details["attributes"]["gen_ai.provider.name"] == "openai"


def test_a_change_read_back_without_a_zone_is_taken_as_utc() -> None:
    change = Change(
        source="s",
        external_id="1",
        kind=ChangeKind.CONFIG,
        occurred_at=datetime(2024, 11, 20, 14, 3),  # noqa: DTZ001 - what SQLite hands back
        summary="max_tokens 1024 → 512",
    )
    assert change.occurred_at == datetime(2024, 11, 20, 14, 3, tzinfo=UTC)


def test_service_matching_ignores_case_and_global_changes_concern_everyone() -> None:
    scoped = ledger_change(service="Legal-Research")
    provider_wide = ledger_change(service=None)

    assert concerns_service(scoped, "legal-research")
    assert not concerns_service(scoped, "support-bot")
    assert concerns_service(provider_wide, "support-bot")
    assert concerns_service(scoped, None)
