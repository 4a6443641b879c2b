"""The rig itself: a run in which Slack refused a call or the app hit an unhandled error fails,
even when everything the test asserted held; a test that means it says so with a marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from bot.demo.rehearsal import Rehearsal
from bot.slack.guard import error_text
from tests.rig import Strictness, sqlite_file_url, strict_rehearsal

STRICT = Strictness()


async def post_a_header_slack_refuses(rig: Rehearsal) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    bad = [{"type": "header", "text": {"type": "mrkdwn", "text": "*headers are plain text*"}}]
    with pytest.raises(SlackApiError):
        await rig.runtime.deps.slack.chat_postMessage(channel=general.id, text="x", blocks=bad)


async def test_a_call_the_sandbox_rejected_fails_the_run(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"rejected chat\.postMessage: invalid_blocks"):
        async with strict_rehearsal(
            strictness=STRICT, database_url=sqlite_file_url(tmp_path)
        ) as rig:
            await post_a_header_slack_refuses(rig)


async def test_an_unhandled_error_the_app_logged_fails_the_run(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"unhandled error \(ref \w+\).*boom"):
        async with strict_rehearsal(strictness=STRICT, database_url=sqlite_file_url(tmp_path)):
            error_text(RuntimeError("boom"))  # what a listener's guard does with a crash


async def test_a_clean_run_passes(tmp_path: Path) -> None:
    async with strict_rehearsal(strictness=STRICT, database_url=sqlite_file_url(tmp_path)) as rig:
        general = rig.emulator.channel_by_name("general")
        assert general is not None
        await rig.slack.slash("help", user="U0ALICE", channel=general.id)
        await rig.slack.settle()
    assert rig.emulator.calls  # the app did talk to Slack, and nothing of it was refused


async def test_what_a_test_allows_does_not_fail_it(tmp_path: Path) -> None:
    lenient = Strictness(allow_rejections=True, allow_unhandled_errors=True)
    async with strict_rehearsal(strictness=lenient, database_url=sqlite_file_url(tmp_path)) as rig:
        await post_a_header_slack_refuses(rig)
        error_text(RuntimeError("boom"))
    assert rig.emulator.rejections


async def test_an_allowance_covers_only_what_it_names(tmp_path: Path) -> None:
    errors_only = Strictness(allow_unhandled_errors=True)
    with pytest.raises(pytest.fail.Exception, match="rejected"):
        async with strict_rehearsal(
            strictness=errors_only, database_url=sqlite_file_url(tmp_path)
        ) as rig:
            await post_a_header_slack_refuses(rig)
            error_text(RuntimeError("boom"))


@pytest.mark.allows_slack_rejections
def test_the_markers_set_the_allowances(request: pytest.FixtureRequest) -> None:
    assert Strictness.of(request.node) == Strictness(allow_rejections=True)


RIG_TESTS = """
import pytest
from tests.e2e.test_strict_rig import post_a_header_slack_refuses

async def test_refused(rig):
    await post_a_header_slack_refuses(rig)

@pytest.mark.allows_slack_rejections
async def test_refused_on_purpose(rig):
    await post_a_header_slack_refuses(rig)
"""


def test_the_rig_fixture_fails_a_passing_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("pytest_plugins = ['tests.conftest']")
    pytester.makepyfile(test_rig_use=RIG_TESTS)
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_refused *"])
