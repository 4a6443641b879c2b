"""Every notice the core hands out has Slack wording, and people's words in it cannot ping."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.core.events import Notice
from bot.core.incidents.model import HowDetected, Role, Severity
from bot.core.incidents.notices import RoleAssigned, SeverityChanged, StakeholderUpdate
from bot.core.postmortem.analysis import ActionCategory
from bot.core.postmortem.notices import (
    ActionAdded,
    ActionAssigned,
    ActionCompleted,
    ActionDropped,
    ClosingSummary,
    DetectionRecorded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
from bot.core.reminders.notices import ItemOverdue, ItemUnowned, ReminderFacts
from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.core.runbooks.notices import LeverPulled
from bot.core.timeline import Axis
from bot.slack.messages.notices import notice_text
from bot.slack.messages.reminders import reminder_text

WORDS = "ship it <!channel> & <@U0ALL>"  # typed by someone, meant as text
SAFE = "ship it &lt;!channel&gt; &amp; &lt;@U0ALL&gt;"
C, N = "C0INC", 7
SUMMARY = ClosingSummary(
    number=N,
    actor="U0A",
    time_to_detect_seconds=3_600,
    time_to_mitigate_seconds=None,
    action_items=2,
    eval_set_items=1,
    open_items=1,
    review_flags=0,
    overridden=(),
    template_problem=WORDS,
)

# One of each notice, carrying people's words wherever the notice has any.
NOTICES: list[Notice] = [
    RoleAssigned(channel_id=C, user_id="U0B", role=Role.COMMS),
    SeverityChanged(channel_id=C, previous=Severity.S2, severity=Severity.S1, actor="U0A"),
    StakeholderUpdate(channel_id=C, actor="U0A", text=WORDS),
    LeverPulled(
        channel_id=C, lever_title="Disable citations", authorized_by="U0A", trade_off=WORDS
    ),
    DetectionRecorded(
        channel_id=C,
        number=N,
        actor="U0A",
        how=HowDetected.USER_REPORT,
        signal=WORDS,
        time_to_detect_seconds=None,
    ),
    ScopeContradictsSeverity(channel_id=C, number=N, severity=Severity.S3, explanation=WORDS),
    RootCauseRecorded(
        channel_id=C, number=N, actor="U0A", axes=(Axis.DATA, Axis.MODEL), first_axis=Axis.DATA
    ),
    ActionAdded(
        channel_id=C,
        number=N,
        actor="U0A",
        position=1,
        category=ActionCategory.CODE,
        title=WORDS,
        owner_id=None,
        due=date(2026, 1, 2),
    ),
    ActionAssigned(channel_id=C, number=N, actor="U0A", position=1, owner_id="U0B", title=WORDS),
    ActionCompleted(
        channel_id=C, number=N, actor="U0A", position=1, title=WORDS, artefact_url="https://x"
    ),
    ActionDropped(channel_id=C, number=N, actor="U0A", position=1, title=WORDS),
    CaseCaptured(
        channel_id=C,
        number=N,
        actor="U0A",
        key="aiinc-7-0123456789ab",
        input=WORDS,
        slice=WORDS,
        total=3,
    ),
    CaseCaptured(
        channel_id=C,
        number=N,
        actor=None,
        key="aiinc-7-0123456789ab",
        input=WORDS,
        slice=WORDS,
        total=1,
    ),
    GateRunReported(
        channel_id=C,
        number=N,
        suite=WORDS,
        commit="abc1234",
        url=None,
        passed=7,
        total=7,
        failing=(),
    ),
    GateRunReported(
        channel_id=C,
        number=N,
        suite=WORDS,
        commit="abc123",
        url="https://ci.example/1",
        passed=1,
        total=2,
        failing=("aiinc-7-0123456789ab",),
    ),
]


def _all_notice_types(base: type[Notice] = Notice) -> set[type[Notice]]:
    found: set[type[Notice]] = set()
    for sub in base.__subclasses__():
        found |= {sub} | _all_notice_types(sub)
    return found


def test_every_notice_type_is_worded_here() -> None:
    assert {type(n) for n in NOTICES} == _all_notice_types()


@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: type(n).__name__)
def test_people_s_words_in_a_notice_cannot_ping_anyone(notice: Notice) -> None:
    text = notice_text(notice)

    assert "<!channel>" not in text and "<@U0ALL>" not in text
    if WORDS in repr(notice):
        assert SAFE in text


def test_reminders_escape_item_titles() -> None:
    cases: list[tuple[ReminderKind, ReminderFacts]] = [
        (ReminderKind.UNOWNED_ITEM, ItemUnowned(number=N, title=WORDS)),
        (ReminderKind.OVERDUE_ITEM, ItemOverdue(number=N, title=WORDS, due=date(2026, 1, 2))),
    ]
    for kind, facts in cases:
        reminder = DueReminder(key="k", kind=kind, incident_number=N, facts=facts)
        assert SAFE in reminder_text(reminder)


def test_a_captured_case_names_its_key_slice_input_and_the_count() -> None:
    text = notice_text(
        CaseCaptured(
            channel_id=C,
            number=N,
            actor="U0ALICE",
            key="aiinc-7-0123456789ab",
            input="Which filings\nchanged section 12 " + "in January " * 20,
            slice="January filings",
            total=3,
        )
    )

    assert text.startswith(
        ":test_tube: <@U0ALICE> added regression case `aiinc-7-0123456789ab` "
        "(slice: January filings): Which filings changed section 12 in January"
    )
    assert text.endswith("… — 3 cases so far.")


def test_a_gate_run_says_all_pass_or_names_the_failing_cases() -> None:
    def run(passed: int, failing: tuple[str, ...], url: str | None = None) -> str:
        return notice_text(
            GateRunReported(
                channel_id=C,
                number=N,
                suite="legal-rag-gate",
                commit="abc1234",
                url=url,
                passed=passed,
                total=7,
                failing=failing,
            )
        )

    assert run(7, ()) == ":white_check_mark: Gate run legal-rag-gate at `abc1234`: 7/7 pass."
    assert run(5, ("aiinc-7-a", "aiinc-7-b")) == (
        ":x: Gate run legal-rag-gate at `abc1234`: 5/7 pass; failing: `aiinc-7-a`, `aiinc-7-b`."
    )
    assert "<https://ci.example/run/9|legal-rag-gate>" in run(7, (), url="https://ci.example/run/9")


def test_a_gate_run_says_which_gate_item_it_verified_or_why_none() -> None:
    def run(verified: tuple[int, ...], missing: int) -> str:
        return notice_text(
            GateRunReported(
                channel_id=C,
                number=N,
                suite="legal-rag-gate",
                commit="abc1234",
                url="https://ci.example/run/9",
                passed=3,
                total=3,
                failing=(),
                verified=verified,
                missing=missing,
            )
        )

    assert run((2,), 0).endswith("Verified gate action item #2 and marked it done.")
    assert "2 of the incident's cases were not in this run" in run((), 2)
