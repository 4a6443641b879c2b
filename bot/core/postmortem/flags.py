"""Review flags: the anti-patterns of DOMAIN.md as named checks on a postmortem draft.

A postmortem can have every section filled and still fail to prevent the next regression: a
root cause with no axis, an alert with no regression case, a judge "to be calibrated" with no
labelled set, blame where conditions belong. Each check here names one such pattern, says
where it is and what would fix it. Blocking flags (no axis, an axis without evidence, no
eval-set item) stop a close unless someone explicitly closes anyway, and that is recorded.

The rules are a table (`RULES`): a code, a title, whether it blocks, and a function that finds
the cases. Adding a check means adding a row, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.core.forms import url_problem
from bot.core.incidents.model import HowDetected
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    WhyNotCaught,
    as_utc,
    axis_label,
)
from bot.core.postmortem.draft import PostmortemInput
from bot.core.postmortem.formatting import duration, utc
from bot.core.timeline import Axis, TimelineEvent, axis_of, is_control_plane

# DOMAIN.md: a calibration record needs "about twenty labels at least".
MIN_CALIBRATION_LABELS = 20


class Flag(BaseModel):
    """One open problem of a postmortem draft. `where` names the place to fix it, as
    `<form>.<field>` (e.g. `root_cause.evidence_url.prompt`, `action_items.3`), with action
    items numbered as in the postmortem's table."""

    model_config = ConfigDict(frozen=True)

    code: str
    title: str
    detail: str
    blocking: bool
    where: str


@dataclass(frozen=True)
class Finding:
    detail: str
    where: str


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    blocking: bool
    find: Callable[[PostmortemInput], Iterable[Finding]]


# --- the text a responder wrote --------------------------------------------------------------


def written_text(draft: PostmortemInput) -> Iterator[tuple[str, str]]:
    """(where, text) for every free text of the analysis.

    The timeline is left out on purpose: it records what people said while it happened; the
    review is of the account written afterwards."""
    incident = draft.incident
    yield "incident.title", incident.title
    if incident.description:
        yield "incident.description", incident.description
    if draft.detection:
        for name in ("signal", "what_we_missed", "alarm_ignored_or_misrouted"):
            text = getattr(draft.detection, name)
            if text:
                yield f"detection.{name}", text
    if draft.root_cause:
        for finding in draft.root_cause.axes:
            if finding.what_changed:
                yield f"root_cause.what_changed.{finding.axis.value}", finding.what_changed
        if draft.root_cause.why_not_caught_text:
            yield "root_cause.why_not_caught_text", draft.root_cause.why_not_caught_text
    for number, item in draft.numbered_actions():
        yield f"action_items.{number}.title", item.title
    if draft.resolution:
        yield "resolution.summary", draft.resolution.summary
        for index, criterion in enumerate(draft.resolution.exit_criteria_met, start=1):
            yield f"resolution.exit_criteria_met.{index}", criterion


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


# --- root cause ------------------------------------------------------------------------------


def _no_axis(draft: PostmortemInput) -> Iterator[Finding]:
    if draft.root_cause is None or not draft.root_cause.axes:
        yield Finding(
            "No root-cause axis is chosen. Pick one or more of model, prompt, judge, data, "
            "environment, with the one that moved first; 'the model got worse' leaves no path "
            "to prevention.",
            "root_cause.axes",
        )


def _axis_without_what_changed(draft: PostmortemInput) -> Iterator[Finding]:
    for finding in draft.root_cause.axes if draft.root_cause else []:
        if not (finding.what_changed or "").strip():
            yield Finding(
                f"{axis_label(finding.axis)} is chosen but nothing says what changed on it.",
                f"root_cause.what_changed.{finding.axis.value}",
            )


def _axis_without_evidence(draft: PostmortemInput) -> Iterator[Finding]:
    for finding in draft.root_cause.axes if draft.root_cause else []:
        url = (finding.evidence_url or "").strip()
        if not url or url_problem(url):
            yield Finding(
                f"{axis_label(finding.axis)} has no usable evidence link. Tie it to a trace, "
                "commit, config or provider notice, not to memory.",
                f"root_cause.evidence_url.{finding.axis.value}",
            )


def _first_axis_missing(draft: PostmortemInput) -> Iterator[Finding]:
    root = draft.root_cause
    if root is None or len(root.axes) < 2:
        return
    if root.first_axis is None or root.first_axis not in root.chosen_axes:
        yield Finding(
            f"{len(root.axes)} axes moved but which moved first is not recorded; that is the "
            "one the next gate has to watch.",
            "root_cause.first_axis",
        )


def _why_not_caught_missing(draft: PostmortemInput) -> Iterator[Finding]:
    root = draft.root_cause
    if root is None or not root.axes:
        return
    if root.why_not_caught is None:
        yield Finding(
            "Why the evals did not catch it is not recorded (eval coverage gap, threshold band, "
            "calibration drift or other).",
            "root_cause.why_not_caught",
        )
    elif root.why_not_caught is WhyNotCaught.OTHER and not root.why_not_caught_text:
        yield Finding(
            "'Other' is chosen for why we did not catch it, with no explanation.",
            "root_cause.why_not_caught_text",
        )


# --- the story: root cause against the timeline ---------------------------------------------


def _first_change_by_axis(draft: PostmortemInput) -> dict[Axis, TimelineEvent]:
    """The earliest control-plane change on the timeline for each axis."""
    # One pass, no sort: of changes at the same moment, the one listed first wins.
    first: dict[Axis, tuple[datetime, TimelineEvent]] = {}
    for event in draft.timeline:
        if is_control_plane(event.kind):
            axis = event.axis or axis_of(event.kind)
            if axis is not None:
                at = as_utc(event.occurred_at)
                if axis not in first or at < first[axis][0]:
                    first[axis] = (at, event)
    return {axis: event for axis, (_, event) in first.items()}


def _change(event: TimelineEvent) -> str:
    return f"{utc(as_utc(event.occurred_at))}, {_quote(event.summary)}"


def _first_moved(draft: PostmortemInput) -> tuple[Axis, TimelineEvent] | None:
    """The axis called first and its earliest change, when the timeline has one."""
    root = draft.root_cause
    if root is None or root.first_axis is None or root.first_axis not in root.chosen_axes:
        return None
    change = _first_change_by_axis(draft).get(root.first_axis)
    return (root.first_axis, change) if change is not None else None


_FORM_PRECISION = timedelta(minutes=1)


def _first_axis_changed_after_start(draft: PostmortemInput) -> Iterator[Finding]:
    first, started = _first_moved(draft), draft.regression_started_at()
    if first is None or started is None:
        return
    axis, change = first
    late = as_utc(change.occurred_at) - started
    # Forms take times to the minute: a change inside the start's minute is the start itself.
    if late >= _FORM_PRECISION:
        yield Finding(
            f"{axis_label(axis)} is recorded as the axis that moved first, but its earliest "
            f"change on the timeline ({_change(change)}) came {duration(late.total_seconds())} "
            f"after the regression started ({utc(started)}). A change cannot start a "
            "regression already under way: correct the regression start or the first axis.",
            "root_cause.first_axis",
        )


def _earlier_change_on_other_axis(draft: PostmortemInput) -> Iterator[Finding]:
    first, root = _first_moved(draft), draft.root_cause
    if first is None or root is None:
        return
    axis, change = first
    changes = _first_change_by_axis(draft)
    for other in root.chosen_axes:
        earlier = changes.get(other)
        if (
            other is axis
            or earlier is None
            or as_utc(earlier.occurred_at) >= as_utc(change.occurred_at)
        ):
            continue
        gap = as_utc(change.occurred_at) - as_utc(earlier.occurred_at)
        yield Finding(
            f"{axis_label(axis)} is recorded as the axis that moved first ({_change(change)}), "
            f"but {axis_label(other)}, also chosen, changed {duration(gap.total_seconds())} "
            f"earlier ({_change(earlier)}). Record {axis_label(other)} as first, or say why "
            "its change took effect later.",
            "root_cause.first_axis",
        )


def _detect_time_from_declared_start(draft: PostmortemInput) -> Iterator[Finding]:
    first, started, alarm = (
        _first_moved(draft),
        draft.regression_started_at(),
        draft.first_alarm_at(),
    )
    if first is None or started is None or alarm is None or alarm < started:
        return
    if not draft.regression_start_as_declared():
        return  # a start worked out after the declaration was chosen on purpose
    axis, change = first
    age = alarm - as_utc(change.occurred_at)
    time_to_detect = alarm - started
    if age > time_to_detect:
        yield Finding(
            f"Time-to-detect reads {duration(time_to_detect.total_seconds())}, counted from the "
            f"regression start as declared ({utc(started)}), but the {axis_label(axis)} change "
            f"that moved first ({_change(change)}) was {duration(age.total_seconds())} old at "
            f"the first alarm ({utc(alarm)}). If the regression began with that change, that "
            "is the time-to-detect: revise the regression start in Detection, or say why the "
            "change took effect later.",
            "detection.regression_started_at",
        )


# --- remediation -----------------------------------------------------------------------------


def _live(draft: PostmortemInput, category: ActionCategory | None = None) -> list[ActionItem]:
    return [
        item
        for item in draft.action_items
        if item.is_live and (category is None or item.category is category)
    ]


def _no_eval_set_item(draft: PostmortemInput) -> Iterator[Finding]:
    if not _live(draft, ActionCategory.EVAL_SET):
        yield Finding(
            "Nothing in the action items adds to the eval set. An incident that adds no "
            "regression case was misunderstood: add the failing pattern to the eval set so the "
            "next one blocks CI.",
            "action_items",
        )


# "page" alone is left out: "update the landing page" is not an alarm.
_ALERT = re.compile(r"\b(alert|alarm|pager)(s|ing|ed)?\b", re.IGNORECASE)


def _alert_without_case(draft: PostmortemInput) -> Iterator[Finding]:
    if _live(draft, ActionCategory.EVAL_SET):
        return  # a regression case is there for the alarm to guard
    for number, item in draft.numbered_actions():
        if item.is_live and _ALERT.search(item.title):
            yield Finding(
                f"Action #{number} {_quote(item.title)} adds an alarm with no regression case "
                "beside it; an alarm without a case fires once and goes silent.",
                f"action_items.{number}",
            )


# The verb, not the noun: "calibration drift" describes a cause, "we will calibrate" promises.
_CALIBRATE = re.compile(r"\b(re-?)?calibrat(e|es|ed|ing)\b", re.IGNORECASE)


def _calibration_without_record(draft: PostmortemInput) -> Iterator[Finding]:
    has_record = any(item.calibration for item in _live(draft))
    for number, item in draft.numbered_actions():
        if item.category is ActionCategory.CALIBRATION and item.is_live and not item.calibration:
            state = "is marked done" if item.status is ActionStatus.DONE else "plans a calibration"
            yield Finding(
                f"Action #{number} {_quote(item.title)} {state} without a calibration record "
                f"(at least {MIN_CALIBRATION_LABELS} labels, Cohen's kappa, TPR, TNR, judge "
                "version). Calibration without a labelled set is wishful.",
                f"action_items.{number}",
            )
    if has_record or _live(draft, ActionCategory.CALIBRATION):
        return  # the calibration items above already carry the message
    root = draft.root_cause
    judge_moved = root is not None and (
        Axis.JUDGE in root.chosen_axes or root.why_not_caught is WhyNotCaught.CALIBRATION_DRIFT
    )
    if judge_moved:
        yield Finding(
            "The judge is part of the root cause but no action item carries a calibration "
            "record. Add a calibration item: labels, kappa, TPR, TNR against the human labels, "
            "judge version.",
            "root_cause.axes",
        )
        return
    for where, text in written_text(draft):
        if _CALIBRATE.search(text):
            yield Finding(
                f"{_quote(text)} promises a calibration with no calibration record. Add a "
                "calibration action item with its record.",
                where,
            )
            return


def _calibration_too_few_labels(draft: PostmortemInput) -> Iterator[Finding]:
    for number, item in draft.numbered_actions():
        record = item.calibration
        if item.is_live and record is not None and record.labels < MIN_CALIBRATION_LABELS:
            yield Finding(
                f"Action #{number}'s calibration rests on {record.labels} labels; label about "
                f"{MIN_CALIBRATION_LABELS} at least before trusting kappa, TPR and TNR.",
                f"action_items.{number}",
            )


def _without_owner(draft: PostmortemInput) -> Iterator[Finding]:
    for number, item in draft.numbered_actions():
        if item.status is ActionStatus.OPEN and not item.owner_id:
            yield Finding(
                f"Action #{number} {_quote(item.title)} has no owner.", f"action_items.{number}"
            )


def _without_due_date(draft: PostmortemInput) -> Iterator[Finding]:
    for number, item in draft.numbered_actions():
        if item.status is ActionStatus.OPEN and item.due is None:
            yield Finding(
                f"Action #{number} {_quote(item.title)} has no due date.", f"action_items.{number}"
            )


def _done_without_artefact(draft: PostmortemInput) -> Iterator[Finding]:
    for number, item in draft.numbered_actions():
        url = (item.artefact_url or "").strip()
        if item.status is ActionStatus.DONE and (not url or url_problem(url)):
            yield Finding(
                f"Action #{number} {_quote(item.title)} is done with no artefact (a PR, a "
                "dataset diff, a calibration record); without one it is decoration.",
                f"action_items.{number}",
            )


# --- regression cases and the gate -----------------------------------------------------------


def _eval_set_done_without_case(draft: PostmortemInput) -> Iterator[Finding]:
    if draft.cases:
        return
    for number, item in draft.numbered_actions():
        if item.category is ActionCategory.EVAL_SET and item.status is ActionStatus.DONE:
            yield Finding(
                f"Action #{number} {_quote(item.title)} is done, yet no regression case was "
                "captured: nothing says which failing example the eval set now holds. Capture "
                "it with /ai-incident case (or “Add as regression case” on the message).",
                f"action_items.{number}",
            )


def _cases_never_gated(draft: PostmortemInput) -> Iterator[Finding]:
    unrun = [view.case.key for view in draft.cases if view.last is None]
    if not unrun:
        return
    total = len(draft.cases)
    if len(unrun) == total:
        which = f"None of the {total} regression cases has been run by a gate yet."
    else:
        listed = ", ".join(unrun[:5]) + ("…" if len(unrun) > 5 else "")
        verb = "was" if len(unrun) == 1 else "were"
        which = (
            f"{len(unrun)} of the {total} regression cases {verb} never run by a gate ({listed})."
        )
    yield Finding(
        f"{which} Until CI reports a run that includes them, nothing shows the next instance "
        "would be blocked.",
        "cases",
    )


def _gate_fails_case(draft: PostmortemInput) -> Iterator[Finding]:
    failing = [view for view in draft.cases if view.last is not None and not view.last.passed]
    if failing:
        runs = sorted({f"{v.last.suite}@{v.last.commit[:12]}" for v in failing if v.last})
        keys = ", ".join(view.case.key for view in failing[:5])
        yield Finding(
            f"The last gate run fails {len(failing)} of the {len(draft.cases)} regression "
            f"cases ({keys}{'…' if len(failing) > 5 else ''}; {', '.join(runs)}): the failure "
            "this incident was about still gets through.",
            "cases",
        )


# --- language --------------------------------------------------------------------------------

_BLAME_PHRASES = re.compile(
    r"\b(?:human|operator|pilot) error\b"
    r"|\bshould have been more (?:careful|diligent|attentive|thorough)\b"
    r"|\bshould have known better\b"
    r"|\b(?:careless(?:ly|ness)?|negligen(?:t|ce)|sloppy|incompeten(?:t|ce)|lazy)\b"
    r"|\b[\w.-]+['\u2019]s fault\b|\bfault of\b|\bat fault\b"
    r"|\bblam(?:e|ed|es|ing)\b"
    r"|\bdropped the ball\b|\bnot paying attention\b",
    re.IGNORECASE,
)
# A person reference next to a causal verb, in one sentence, names a person as the cause.
_MENTION = re.compile(r"(?<![\w.])@[A-Za-z][\w.-]*")
_CAUSAL = re.compile(
    r"\b(?:caused|causing|cause of|broke|broken by|mistake|forgot|neglected|failed to|"
    r"should have|messed up|screwed up|did not check|didn['\u2019]t check)\b",
    re.IGNORECASE,
)


def _person_pattern(draft: PostmortemInput) -> re.Pattern[str] | None:
    names: set[str] = set()
    for name in draft.user_names.values():
        name = name.strip().lstrip("@")
        if len(name) >= 3:
            names.add(name)
            first = name.split()[0]
            if len(first) >= 3 and first != name:
                names.add(first)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _blame(draft: PostmortemInput) -> Iterator[Finding]:
    people = _person_pattern(draft)
    for where, text in written_text(draft):
        hits: list[str] = [m.group(0) for m in _BLAME_PHRASES.finditer(text)]
        for sentence in _sentences(text):
            named = _MENTION.search(sentence) or (people.search(sentence) if people else None)
            if named and _CAUSAL.search(sentence):
                hits.append(sentence.strip())
        if hits:
            quoted = ", ".join(_quote(hit) for hit in dict.fromkeys(hits))
            yield Finding(
                f"Blame language in {where}: {quoted}. Blameless means asking what conditions "
                "made this outcome likely, not who.",
                where,
            )


_EMPTY_ADJECTIVE = re.compile(
    r"\b(?:significant(?:ly)?|major|huge(?:ly)?|dramatic(?:ally)?|massive(?:ly)?|"
    r"substantial(?:ly)?|tremendous(?:ly)?|enormous(?:ly)?|drastic(?:ally)?|"
    r"considerabl[ey]|sharp(?:ly)?|vast(?:ly)?)\b",
    re.IGNORECASE,
)
# Uses of those words that are measurements or names, not hand-waving.
_NOT_EMPTY = re.compile(
    r"\bstatistically significant\b|\bmajor (?:version|release|update)s?\b", re.IGNORECASE
)
_DIGIT = re.compile(r"\d")


def _empty_adjectives(draft: PostmortemInput) -> Iterator[Finding]:
    for where, text in written_text(draft):
        words: list[str] = []
        for sentence in _sentences(text):
            if _DIGIT.search(sentence):
                continue  # the number is there; the adjective is just emphasis
            words += [m.group(0) for m in _EMPTY_ADJECTIVE.finditer(_NOT_EMPTY.sub("", sentence))]
        if words:
            listed = ", ".join(f"“{w}”" for w in dict.fromkeys(w.lower() for w in words))
            yield Finding(
                f"{listed} in {where} with no number beside it. Put the measured delta there "
                "(e.g. refusal rate 100% → 5%).",
                where,
            )


# --- scope and detection ---------------------------------------------------------------------


def _no_scope(draft: PostmortemInput) -> Iterator[Finding]:
    if not draft.slices:
        yield Finding(
            "No slice rows: the scope is being assumed global. Record each affected slice with "
            "its baseline and incident metric; scope is what sets the severity.",
            "scope",
        )


def _no_detection(draft: PostmortemInput) -> Iterator[Finding]:
    if draft.detection is None:
        yield Finding(
            "Detection is not recorded: how we learned, which signal fired, what we missed.",
            "detection",
        )


def _time_to_detect_unknown(draft: PostmortemInput) -> Iterator[Finding]:
    if draft.detection is None:
        return  # the missing detection is already flagged
    started, alarm = draft.regression_started_at(), draft.first_alarm_at()
    if started is None or alarm is None:
        missing = "the regression start" if started is None else "the first credible alarm"
        yield Finding(
            f"Time-to-detect can't be computed: {missing} is not recorded.",
            "detection.regression_started_at" if started is None else "detection.first_alarm_at",
        )
    elif alarm < started:
        yield Finding(
            "The first alarm is recorded before the regression started; one of the two times "
            "is wrong.",
            "detection.first_alarm_at",
        )


def _detection_gap_unrecorded(draft: PostmortemInput) -> Iterator[Finding]:
    detection = draft.detection
    if detection is None:
        return
    how = detection.how or draft.incident.how_detected
    caught_by_people = how in (HowDetected.USER_REPORT, HowDetected.INTERNAL_OBSERVATION)
    if caught_by_people and not (detection.what_we_missed or "").strip():
        yield Finding(
            f"Detected by {how.label.lower() if how else 'a person'}, yet nothing says which "
            "signal should have fired first.",
            "detection.what_we_missed",
        )


RULES: tuple[Rule, ...] = (
    Rule("no_root_cause_axis", "No root-cause axis", True, _no_axis),
    Rule(
        "axis_without_what_changed",
        "An axis with no “what changed”",
        True,
        _axis_without_what_changed,
    ),
    Rule("axis_without_evidence", "An axis with no evidence", True, _axis_without_evidence),
    Rule(
        "first_axis_not_recorded",
        "Which axis moved first is not recorded",
        False,
        _first_axis_missing,
    ),
    Rule(
        "first_axis_changed_after_start",
        "The axis that moved first changed after the regression started",
        False,
        _first_axis_changed_after_start,
    ),
    Rule(
        "earlier_change_on_other_axis",
        "Another chosen axis changed before the one called first",
        False,
        _earlier_change_on_other_axis,
    ),
    Rule(
        "why_not_caught_missing",
        "“Why we did not catch it” is missing",
        False,
        _why_not_caught_missing,
    ),
    Rule("no_eval_set_action", "No eval-set action item", True, _no_eval_set_item),
    Rule(
        "alert_without_regression_case",
        "An alert with no regression case",
        False,
        _alert_without_case,
    ),
    Rule(
        "calibration_without_record",
        "Calibration with no calibration record",
        False,
        _calibration_without_record,
    ),
    Rule(
        "calibration_too_few_labels",
        "Calibration on too few labels",
        False,
        _calibration_too_few_labels,
    ),
    Rule("action_without_owner", "Action item with no owner", False, _without_owner),
    Rule("action_without_due_date", "Action item with no due date", False, _without_due_date),
    Rule(
        "action_done_without_artefact",
        "Action item done with no artefact",
        False,
        _done_without_artefact,
    ),
    Rule(
        "eval_set_done_without_case",
        "Eval-set item done with no regression case",
        False,
        _eval_set_done_without_case,
    ),
    Rule("cases_never_gated", "Regression cases never run by a gate", False, _cases_never_gated),
    Rule("gate_fails_case", "The last gate run fails a regression case", False, _gate_fails_case),
    Rule("blame_language", "Blame language", False, _blame),
    Rule("empty_adjective", "An adjective where a number belongs", False, _empty_adjectives),
    Rule("scope_assumed_global", "No scope rows: scope assumed global", False, _no_scope),
    Rule("no_detection", "Detection not recorded", False, _no_detection),
    Rule("time_to_detect_unknown", "Time-to-detect unknown", False, _time_to_detect_unknown),
    Rule(
        "time_to_detect_from_declared_start",
        "The change called first is older than the declared regression start",
        False,
        _detect_time_from_declared_start,
    ),
    Rule(
        "detection_gap_not_recorded", "Detection gap not recorded", False, _detection_gap_unrecorded
    ),
)

RULE_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def review(draft: PostmortemInput) -> list[Flag]:
    """Every open flag of the draft, blocking ones first, in the order of `RULES`."""
    flags = [
        Flag(
            code=rule.code, title=rule.title, detail=f.detail, blocking=rule.blocking, where=f.where
        )
        for rule in RULES
        for f in rule.find(draft)
    ]
    return sorted(flags, key=lambda flag: not flag.blocking)


def blocking(flags: Iterable[Flag]) -> list[Flag]:
    """The flags that stop a close unless someone explicitly closes anyway."""
    return [flag for flag in flags if flag.blocking]
