"""How many Slack Web API calls the demo's incident costs, by method.

Run from the repository root: `python -m bench.slack_calls [--out DIR]`.

It runs `ai-incident demo` (bot.demo.story.run_demo: the legal-RAG incident from declaration to
the posted postmortem, the real app against the Slack sandbox) and counts what the sandbox
received: every Web API method with its number of calls (and how many of the chat.update calls
edited the pinned incident card), then the raw POSTs (response_url
answers and file bytes, which are not Web API methods), and the totals. The demo's own output
is not printed. Counts are printed, never asserted; the demo is scripted and its clock jumps,
so two runs of one commit give the same table.

The emulator is picked up by wrapping the class the demo builds it from, so the bench runs
unchanged against older commits of the demo (to compare before and after a change).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bot.demo import story
from slack_sandbox import SlackEmulator

RAW_POSTS = ("response_url", "file_upload")


def run(out: Path) -> list[Any]:
    """Run the demo into `out`; return the calls the sandbox received, in order."""
    built: list[SlackEmulator] = []

    class Recorded(SlackEmulator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    demo = vars(story)
    demo["SlackEmulator"] = Recorded
    try:
        quiet = io.StringIO()
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            code = story.run_demo(out)
    finally:
        demo["SlackEmulator"] = SlackEmulator
    if code != 0 or len(built) != 1:
        raise SystemExit(f"the demo did not run cleanly (exit {code}, {len(built)} sandboxes)")
    return list(built[0].calls)


def table(calls: list[Any]) -> str:
    methods = Counter(c.method for c in calls if c.method not in RAW_POSTS)
    raw = Counter(c.method for c in calls if c.method in RAW_POSTS)
    width = max(len(m) for m in [*methods, *raw, "Web API calls"])
    lines = [f"{'method':<{width}}  calls"]
    lines += [
        f"{m:<{width}}  {n:>5}" for m, n in sorted(methods.items(), key=lambda i: (-i[1], i[0]))
    ]
    pinned = {str(c.params.get("timestamp")) for c in calls if c.method == "pins.add"}
    on_card = sum(1 for c in calls if c.method == "chat.update" and c.params.get("ts") in pinned)
    lines.append(f"  (chat.update of the pinned card: {on_card})")
    lines.append(f"{'Web API calls':<{width}}  {sum(methods.values()):>5}")
    lines += [f"{m:<{width}}  {n:>5}" for m, n in sorted(raw.items())]
    lines.append(f"{'all requests':<{width}}  {len(calls):>5}")
    failed = [c for c in calls if not c.ok]
    if failed:
        errors = Counter(f"{c.method}: {c.error}" for c in failed)
        lines.append(
            "answered not ok (included above): "
            + ", ".join(f"{e} x{n}" for e, n in sorted(errors.items()))
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where the demo writes (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        calls = run(args.out or Path(scratch))
    print(table(calls))


if __name__ == "__main__":
    main()
