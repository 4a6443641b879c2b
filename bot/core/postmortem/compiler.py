"""Compiling the postmortem from what responders recorded.

The JSON form is built first and the Markdown is rendered from it, never from the models
directly, so the two can't say different things. Times that summarise the incident are
computed here, each with the basis it was computed from, because "time-to-mitigate: 3 h" means
little until you know whether the clock started at the first alarm or at the declaration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.core.cases.model import CaseView, LastVerdict
from bot.core.postmortem.analysis import ActionCategory, ActionItem, SliceImpact, as_utc, axis_label
from bot.core.postmortem.diagram import DiagramEvent, diagram_data
from bot.core.postmortem.draft import CloseOverride, PostmortemInput
from bot.core.postmortem.flags import RULE_BY_CODE, Flag, review
from bot.core.postmortem.formatting import iso, number
from bot.core.postmortem.render import render_markdown
from bot.core.postmortem.story import bookkeeping_summary, is_bookkeeping
from bot.core.timeline import TimelineEvent, TimelineKind, axis_of, is_control_plane

__all__ = ["CloseOverride", "Postmortem", "PostmortemInput", "build_data", "compile_postmortem"]

SCHEMA = "ai-incident.postmortem/1"
# "What changed" lists the control-plane events; past this many it points at the timeline.
MAX_CHANGES_LISTED = 25
# The cases table quotes each input and expectation this far; the whole case is in the export.
CASE_TEXT_ABRIDGED = 80
_FULL_HASH = re.compile(r"^[0-9a-f]{40}$")
# Which kinds give up their day in a crowded diagram first: chat before the response's moves,
# the response's moves before the control-plane changes that explain the incident.
_DIAGRAM_RANK = {
    TimelineKind.SLACK_MESSAGE: 0,
    TimelineKind.NOTE: 1,
    TimelineKind.UPDATE: 2,
    TimelineKind.ALERT: 3,
    TimelineKind.ROLE: 4,
    TimelineKind.STATUS: 5,
    TimelineKind.DETECTION: 6,
    TimelineKind.SEVERITY: 7,
    TimelineKind.PHASE: 8,
    TimelineKind.STABILIZATION: 9,
    TimelineKind.MITIGATION: 10,
}
_CHANGE_RANK = 11
# details["event"] of the lines that record a milestone the diagram already draws.
_MILESTONE_OF = {
    "regression_started": "Regression started",
    "declared": "Incident declared",
    "mitigated": "Mitigated",
    "closed": "Closed",
}
# What a diagram entry standing for several events of one kind calls them.
_PLURAL = {
    TimelineKind.NOTE: "notes",
    TimelineKind.STATUS: "status changes",
    TimelineKind.PHASE: "phase moves",
    TimelineKind.ROLE: "role changes",
    TimelineKind.SEVERITY: "severity changes",
    TimelineKind.UPDATE: "stakeholder updates",
    TimelineKind.ALERT: "alerts",
    TimelineKind.DETECTION: "detection reports",
    TimelineKind.STABILIZATION: "stabilization levers",
    TimelineKind.MITIGATION: "mitigation events",
    TimelineKind.SLACK_MESSAGE: "pinned messages",
}


class Postmortem(BaseModel):
    model_config = ConfigDict(frozen=True)

    markdown: str
    data: dict[str, Any]
    flags: list[Flag]
    compiled_at: datetime
    # Why a team's replaced template was not used, for the caller to show; None when it was
    # used or when there is none.
    template_problem: str | None = None


def compile_postmortem(
    draft: PostmortemInput, *, template_dir: Path | None = None, now: datetime
) -> Postmortem:
    """The postmortem as it stands: its JSON form, its Markdown and its open review flags.

    Works on a draft (a preview while the incident runs) as well as at close: whatever is not
    recorded yet reads "_not recorded_"."""
    flags = review(draft)
    data = build_data(draft, flags=flags, now=now)
    markdown, problem = render_markdown(data, template_dir=template_dir)
    return Postmortem(
        markdown=markdown, data=data, flags=flags, compiled_at=as_utc(now), template_problem=problem
    )


def _utc(moment: datetime) -> datetime:
    """`as_utc`, with a quick way out for a time in UTC already (most are)."""
    return moment if moment.tzinfo is UTC else as_utc(moment)


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


class _Builder:
    """Turns one draft into the JSON form; one method per section."""

    def __init__(self, draft: PostmortemInput) -> None:
        self.draft = draft
        self.incident = draft.incident
        self.names = draft.user_names
        self.events = sorted(draft.timeline, key=lambda e: _utc(e.occurred_at))
        # Per person, the same value for every line they wrote: an incident has a few dozen
        # people and may have 100,000 lines.
        self._people: dict[str, dict[str, str]] = {}
        self._names: dict[str, str] = {}
        self._kinds: dict[tuple[TimelineKind, Any], tuple[str, str | None, str | None, bool]] = {}

    def person(self, user_id: str | None) -> dict[str, str] | None:
        if not user_id:
            return None
        return {"id": user_id, "name": self.names.get(user_id) or user_id}

    def summary(self, event: TimelineEvent) -> str:
        """The event's summary with the people it names as `@name`."""
        return event.named_summary(lambda user_id: "@" + (self.names.get(user_id) or user_id))

    def incident_part(self) -> dict[str, Any]:
        inc = self.incident
        owner = inc.commander_id or inc.reporter_id

        def utc_iso(moment: datetime | None) -> str | None:
            return iso(as_utc(moment)) if moment else None

        return {
            "number": inc.number,
            "title": inc.title,
            "severity": inc.severity.value,
            "severity_label": inc.severity.label,
            "category": inc.category.value,
            "category_label": inc.category.label,
            "ai_feature": inc.ai_feature,
            "description": inc.description,
            "status": inc.status.value,
            "runbook": inc.runbook,
            "owner": self.person(owner),
            "commander": self.person(inc.commander_id),
            "reporter": self.person(inc.reporter_id),
            "declared_at": utc_iso(inc.declared_at),
            "closed_at": utc_iso(inc.closed_at),
        }

    def times(self) -> dict[str, Any]:
        draft = self.draft
        declared = as_utc(self.incident.declared_at)
        started, alarm, mitigated = (
            draft.regression_started_at(),
            draft.first_alarm_at(),
            draft.mitigated_at(),
        )
        closed = as_utc(self.incident.closed_at) if self.incident.closed_at else None
        detected, detected_basis = (alarm, "first_alarm") if alarm else (declared, "declared")
        resolve_from, resolve_basis = (
            (started, "regression_started") if started else (declared, "declared")
        )
        return {
            "regression_started_at": iso(started),
            "first_alarm_at": iso(alarm),
            "declared_at": iso(declared),
            "mitigated_at": iso(mitigated),
            "detection": {"at": iso(detected), "basis": detected_basis},
            "resolution": {"at": iso(closed)},
            "time_to_detect": {
                "seconds": _seconds(started, alarm),
                "from": "regression_started",
                "to": "first_alarm",
            },
            "time_to_mitigate": {
                "seconds": _seconds(detected, mitigated),
                "from": detected_basis,
                "to": "mitigated",
            },
            "time_to_resolve": {
                "seconds": _seconds(resolve_from, closed),
                "from": resolve_basis,
                "to": "closed",
            },
        }

    def detection(self) -> dict[str, Any]:
        detection = self.draft.detection
        how = (detection.how if detection else None) or self.incident.how_detected
        return {
            "recorded": detection is not None,
            "how": how.value if how else None,
            "how_label": how.label if how else None,
            "signal": detection.signal if detection else None,
            "signal_url": detection.signal_url if detection else None,
            "what_we_missed": detection.what_we_missed if detection else None,
            "alarm_ignored_or_misrouted": (
                detection.alarm_ignored_or_misrouted if detection else None
            ),
        }

    @staticmethod
    def slice_row(row: SliceImpact) -> dict[str, Any]:
        return {
            "id": row.id,
            "slice": row.slice,
            "metric": row.metric,
            "baseline": row.baseline,
            "incident_value": row.incident_value,
            "delta": row.delta,
            "delta_pct": row.delta_pct,
            "higher_is_better": row.higher_is_better,
            "regressed": row.regressed,
            "users_affected": row.users_affected,
        }

    def scope(self) -> dict[str, Any]:
        rows = self.draft.slices
        counts = [row.users_affected for row in rows if row.users_affected is not None]
        regressed = [row for row in rows if row.regressed]
        return {
            "rows": [self.slice_row(row) for row in rows],
            "users_affected": sum(counts) if counts else None,
            # False when some rows give no count: the total is then a lower bound.
            "users_affected_complete": bool(rows) and len(counts) == len(rows),
            "regressed_slices": [row.slice for row in regressed],
        }

    def root_cause(self) -> dict[str, Any]:
        root = self.draft.root_cause
        if root is None:
            return {
                "recorded": False,
                "axes": [],
                "first_axis": None,
                "why_not_caught": None,
                "why_not_caught_label": None,
                "why_not_caught_text": None,
                "contributing_factors": [],
                "layer": None,
                "layer_label": None,
            }
        first = root.first_axis if root.first_axis in root.chosen_axes else None
        return {
            "recorded": True,
            "axes": [
                {
                    "axis": f.axis.value,
                    "label": axis_label(f.axis),
                    "first": f.axis is first,
                    "what_changed": f.what_changed,
                    "evidence_url": f.evidence_url,
                }
                # The axis that moved first leads: it is the one to read first.
                for f in sorted(root.axes, key=lambda f: f.axis is not first)
            ],
            "first_axis": first.value if first else None,
            "why_not_caught": root.why_not_caught.value if root.why_not_caught else None,
            "why_not_caught_label": root.why_not_caught.label if root.why_not_caught else None,
            "why_not_caught_text": root.why_not_caught_text,
            "contributing_factors": [
                {"value": c.value, "label": c.label} for c in root.contributing_factors
            ],
            "layer": root.layer.value if root.layer else None,
            "layer_label": root.layer.label if root.layer else None,
        }

    def action(self, position: int, item: ActionItem) -> dict[str, Any]:
        record = item.calibration
        return {
            "number": position,
            "id": item.id,
            "category": item.category.value,
            "category_label": item.category.label,
            "title": item.title,
            "owner": self.person(item.owner_id),
            "due": item.due.isoformat() if item.due else None,
            "status": item.status.value,
            "artefact_url": item.artefact_url,
            "calibration": record.model_dump() if record else None,
            "created_at": iso(item.created_at),
            "done_at": iso(item.done_at),
        }

    def remediation(self) -> list[dict[str, Any]]:
        return [
            {
                "category": category.value,
                "label": category.label,
                "action_numbers": [
                    n for n, item in self.draft.numbered_actions() if item.category is category
                ],
            }
            for category in ActionCategory
        ]

    def resolution(self) -> dict[str, Any]:
        resolution = self.draft.resolution
        return {
            "recorded": resolution is not None,
            "summary": resolution.summary if resolution else None,
            "exit_criteria_met": list(resolution.exit_criteria_met) if resolution else [],
        }

    def name(self, user_id: str) -> str:
        name = self._names.get(user_id)
        if name is None:
            name = self._names[user_id] = "@" + (self.names.get(user_id) or user_id)
        return name

    def actor(self, user_id: str | None) -> dict[str, str] | None:
        """`person`, one dict per person shared by their lines (the JSON form is read only)."""
        if not user_id:
            return None
        found = self._people.get(user_id)
        if found is None:
            name = self.names.get(user_id) or user_id
            found = self._people[user_id] = {"id": user_id, "name": name}
        return found

    def credit(self, event: TimelineEvent) -> tuple[str, str | None]:
        """Who made what the line records (a person, else the system it came from) and, when
        someone else put it on the timeline, who did. A ledger change carries its author in
        `changed_by`; its actor is whoever clicked "Add to timeline", perhaps weeks later."""
        details = event.details
        if "change_id" in details or "changed_by" in details:
            author = details.get("changed_by")
            by = self._author(str(author)) if author else self.system(event.source)
            adder = event.actor if event.actor and event.actor != author else None
            return by, self.name(adder) if adder else None
        by = self.name(event.actor) if event.actor else self.system(event.source)
        adder = details.get("added_by")
        if adder and adder != event.actor:
            return by, self.name(str(adder))
        return by, None

    @staticmethod
    def system(source: str) -> str:
        # A line with no person behind it and no outside source is the bot's own doing.
        return "the bot" if source == "slack" else source

    def _author(self, author: str) -> str:
        # A ledger author is a Slack user only when we know them by name; a CI bot or an
        # email address is written as the source system gave it.
        return self.name(author) if author in self.names else author

    def event(self, event: TimelineEvent) -> dict[str, Any]:
        kind = event.kind
        look = self._kinds.get((kind, event.axis))
        if look is None:
            axis = event.axis or axis_of(kind)
            look = self._kinds[(kind, event.axis)] = (
                kind.value,
                axis.value if axis else None,
                axis_label(axis) if axis else None,
                is_control_plane(kind),
            )
        kind_value, axis_value, label, control_plane = look
        details = event.details
        if details:
            by, added_by = self.credit(event)
        else:  # nothing recorded beside the line: its actor made it (`credit`, made quick)
            by, added_by = (
                self.name(event.actor) if event.actor else self.system(event.source),
                None,
            )
        return {
            "at": iso(event.occurred_at),
            "kind": kind_value,
            "event": details.get("event"),
            "axis": axis_value,
            "axis_label": label,
            "control_plane": control_plane,
            "key": not is_bookkeeping(event),
            "actor": self.actor(event.actor),
            "source": event.source,
            "by": by,
            "added_by": added_by,
            "summary": self.summary(event) if details.get("user_ids") else event.summary,
            "permalink": event.permalink,
        }

    def milestones(self) -> list[tuple[str, str, datetime]]:
        closed = self.incident.closed_at
        candidates = [
            ("regression_started", "Regression started", self.draft.regression_started_at()),
            ("first_alarm", "First credible alarm", self.draft.first_alarm_at()),
            ("declared", "Incident declared", as_utc(self.incident.declared_at)),
            ("mitigated", "Mitigated", self.draft.mitigated_at()),
            ("closed", "Closed", as_utc(closed) if closed else None),
        ]
        return sorted(
            [(key, label, at) for key, label, at in candidates if at is not None],
            key=lambda m: m[2],
        )

    def four_questions(self, sections: dict[str, Any]) -> dict[str, Any]:
        """Seed 002's four questions, answered from the sections already built, so each
        answer is self-contained in the JSON and says what the sections say."""
        detection, root_cause = sections["detection"], sections["root_cause"]
        events = sections["timeline"]["events"]
        regressed = [row for row in self.draft.slices if row.regressed]
        changes = [e for e in events if e["control_plane"]]
        return {
            "output_vs_expected": {
                "observed": self.incident.description,
                "against_baseline": [
                    {
                        "slice": row.slice,
                        "metric": row.metric,
                        "expected": row.baseline,
                        "observed": row.incident_value,
                    }
                    for row in regressed
                ],
            },
            "what_changed": {
                "axes": root_cause["axes"],
                "control_plane_events": changes[:MAX_CHANGES_LISTED],
                "more": max(len(changes) - MAX_CHANGES_LISTED, 0),
            },
            "isolated_or_systematic": {"summary": self.scope_summary()},
            "detection_gap": {
                "what_we_missed": detection["what_we_missed"],
                "alarm_ignored_or_misrouted": detection["alarm_ignored_or_misrouted"],
                "why_not_caught_label": root_cause["why_not_caught_label"],
                "why_not_caught_text": root_cause["why_not_caught_text"],
                "time_to_detect_seconds": sections["times"]["time_to_detect"]["seconds"],
            },
        }

    def scope_summary(self) -> str | None:
        """One factual sentence on breadth; the slices decide, not an impression."""
        rows = self.draft.slices
        if not rows:
            return None
        regressed = [row for row in rows if row.regressed]
        if not regressed:
            sentence = f"No recorded slice is worse than its baseline ({len(rows)} recorded)."
        else:
            names = ", ".join(
                f"{row.slice} ({row.metric} {number(row.baseline)} → {number(row.incident_value)})"
                for row in regressed
            )
            sentence = (
                f"Worse than baseline on {len(regressed)} of {len(rows)} recorded slices: {names}."
            )
        counts = [row.users_affected for row in rows if row.users_affected is not None]
        if counts:
            # Rows without a count make the total a lower bound, and it must read as one.
            bound = "" if len(counts) == len(rows) else "At least "
            sentence += f" {bound}{sum(counts):,} users affected."
        return sentence

    def diagram(
        self, milestones: Iterable[tuple[str, str, datetime]], rows: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """`rows` are `event`'s JSON form of `self.events`, one for one."""
        # No "#": Mermaid reads it as the start of a comment.
        number_text = f"{self.incident.number} - " if self.incident.number is not None else ""
        events = []
        # What a kind (and axis) is drawn as is the same for every event of it: worked out once.
        looks: dict[tuple[TimelineKind, Any], tuple[str, str, str, int]] = {}
        for event, row in zip(self.events, rows, strict=True):
            if not row["key"]:
                continue
            look = looks.get((event.kind, event.axis))
            if look is None:
                axis = event.axis or axis_of(event.kind)
                rank = _DIAGRAM_RANK.get(event.kind, _CHANGE_RANK)
                if axis and is_control_plane(event.kind):
                    look = (f"axis:{axis.value}", "changes", f"[{axis_label(axis)}] ", rank)
                else:
                    look = (event.kind.value, _PLURAL.get(event.kind, "events"), "", rank)
                looks[(event.kind, event.axis)] = look
            group, plural, prefix, rank = look
            marker = row["event"]
            events.append(
                DiagramEvent(
                    at=_utc(event.occurred_at),
                    group=group,
                    plural=plural,
                    text=row["summary"],
                    prefix=prefix,
                    rank=rank,
                    milestone=_MILESTONE_OF.get(str(marker)) if marker is not None else None,
                    day=row["at"][:10],
                )
            )
        return diagram_data(
            title=f"Incident {number_text}{self.incident.title}",
            milestones=[(at, label) for _, label, at in milestones],
            events=events,
        )


def _abridged(text: str, limit: int = CASE_TEXT_ABRIDGED) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def short_commit(commit: str) -> str:
    """A full git hash as git shows it (7 characters); a tag or short hash as given."""
    return commit[:7] if _FULL_HASH.match(commit) else commit


def _latest(views: Sequence[CaseView]) -> LastVerdict | None:
    verdicts = [view.last for view in views if view.last is not None]
    return max(verdicts, key=lambda v: (v.reported_at, v.run_id)) if verdicts else None


def regression_cases(views: Sequence[CaseView]) -> dict[str, Any]:
    """The cases the incident leaves behind, whether they reached the eval set, and what the
    latest gate run said about them, with a one-line summary a reader takes in at once."""
    slices = sorted({view.case.slice for view in views if view.case.slice})
    datasets = sorted({view.case.dataset for view in views if view.case.dataset})
    exported = sum(1 for view in views if view.case.exported_at is not None)
    in_eval_set = sum(1 for view in views if view.case.in_eval_set)
    latest = _latest(views)
    last_run: dict[str, Any] | None = None
    if latest is not None:
        in_run = [v for v in views if v.last is not None and v.last.run_id == latest.run_id]
        last_run = {
            "suite": latest.suite,
            "commit": latest.commit,
            "url": latest.url,
            "reported_at": iso(latest.reported_at),
            "included": len(in_run),
            "passed": sum(1 for v in in_run if v.last is not None and v.last.passed),
        }
    return {
        "total": len(views),
        "slices": slices,
        "exported": exported,
        "datasets": datasets,
        "in_eval_set": in_eval_set,
        "last_run": last_run,
        "summary": _cases_summary(len(views), slices, exported, datasets, in_eval_set, last_run),
        "cases": [_case_row(view) for view in views],
    }


def _cases_summary(
    total: int,
    slices: list[str],
    exported: int,
    datasets: list[str],
    in_eval_set: int,
    last_run: dict[str, Any] | None,
) -> str:
    if total == 0:
        return "Regression cases: none captured."
    parts = [f"{total} captured"]
    if slices:
        parts[0] += f" ({len(slices)} slice{'s' if len(slices) != 1 else ''})"
    where = [f"in dataset {', '.join(datasets)}"] if datasets else []
    if exported:
        where.append("exported" if exported == total else f"{exported} of {total} exported")
    if not where:
        where.append("not in the eval set yet")
    elif in_eval_set < total:
        where.append(f"{total - in_eval_set} not in the eval set yet")
    parts.append(" / ".join(where))
    if last_run is None:
        parts.append("no gate run yet")
    else:
        verdict = f"{last_run['passed']}/{last_run['included']} pass"
        if last_run["included"] < total:
            verdict += f" ({total - last_run['included']} not in that run)"
        parts.append(f"last gate run at commit {short_commit(last_run['commit'])}: {verdict}")
    return "Regression cases: " + ", ".join(parts) + "."


def _case_row(view: CaseView) -> dict[str, Any]:
    case, last = view.case, view.last
    return {
        "key": case.key,
        "input": case.input,
        "input_abridged": _abridged(case.input),
        "observed": case.observed,
        "expected": {
            "kind": case.expectation.value,
            "label": case.expectation.label,
            "text": case.expected,
            "abridged": _abridged(case.expected),
        },
        "slice": case.slice,
        "risk": case.risk.value,
        "trace_url": case.trace_url,
        "attributes": case.versions.attributes(),
        "source": case.source.value,
        "source_url": case.source_url,
        "in_eval_set": case.in_eval_set,
        "exported_at": iso(case.exported_at),
        "dataset": case.dataset,
        "verdict": None if last is None else ("pass" if last.passed else "fail"),
        "last_run": None
        if last is None
        else {
            "suite": last.suite,
            "commit": last.commit,
            "commit_short": short_commit(last.commit),
            "url": last.url,
            "reported_at": iso(last.reported_at),
        },
    }


def build_data(draft: PostmortemInput, *, flags: list[Flag], now: datetime) -> dict[str, Any]:
    """The JSON form of the postmortem: plain values only, times as ISO 8601 UTC."""
    builder = _Builder(draft)
    milestones = builder.milestones()
    override = draft.close_override
    events = [builder.event(e) for e in builder.events]
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "compiled_at": iso(now),
        "incident": builder.incident_part(),
        "times": builder.times(),
        "detection": builder.detection(),
        "scope": builder.scope(),
        "root_cause": builder.root_cause(),
        "remediation": builder.remediation(),
        "action_items": [builder.action(n, item) for n, item in draft.numbered_actions()],
        "regression_cases": regression_cases(draft.cases),
        "resolution": builder.resolution(),
        "timeline": {
            "milestones": [
                {"key": k, "label": label, "at": iso(at)} for k, label, at in milestones
            ],
            # Every event, bookkeeping included: the full log.
            "events": events,
            # The events that tell the story, and the bookkeeping summed up per phase.
            "key_events": [e for e in events if e["key"]],
            "bookkeeping": bookkeeping_summary(builder.events, builder.name),
        },
        "diagram": builder.diagram(milestones, events),
        "flags": [flag.model_dump() for flag in flags],
        "close_override": _override(override, builder) if override else None,
    }
    data["four_questions"] = builder.four_questions(data)
    return data


def _override(override: CloseOverride, builder: _Builder) -> dict[str, Any]:
    return {
        "by": builder.person(override.by),
        "at": iso(override.at),
        "flags": [
            {"code": code, "title": RULE_BY_CODE[code].title if code in RULE_BY_CODE else code}
            for code in override.flags
        ],
        "reason": override.reason,
    }
