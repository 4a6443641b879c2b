"""Cold start: process start to the first /healthz 200, the bot beside a bare Bolt app; and
`ai-incident --help`.

Run from the repository root:

    python -m bench.cold_start [--runs 7] [--against DIR]

Each run spawns, in turn (interleaved, run by run): `ai-incident serve` of this tree (a Slack
sandbox, an upgraded SQLite file), of `--against DIR` if given (e.g. an export of main), and the
bare Bolt app of bench/bare_bolt_app.py, all under uvicorn, and times spawn to /healthz 200.
Then `ai-incident --help` of each tree, as many times. Prints every figure, the medians, the
ratio to the bare app, and `python -X importtime` top offenders for `--help` and for what
`serve` imports. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._serving import (
    HERE,
    environment,
    free_port,
    run_command,
    sandbox,
    serve_settings,
    serving,
    stop,
    wait_healthy,
)


def bare_start(env: dict[str, str], cwd: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_bolt_app", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return wait_healthy(process, f"http://127.0.0.1:{port}/healthz", started)
    finally:
        stop(process)


def help_time(env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=cwd, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def importtime(env: dict[str, str], cwd: Path, code: str, top: int) -> list[str]:
    """The `top` modules by cumulative import time (µs) when running `code`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = (
            part.strip() for part in line.removeprefix("import time:").split("|", 2)
        )
        rows.append((int(cumulative), int(own), name))
    rows.sort(reverse=True)
    return [
        f"{cumulative / 1000:8.1f} ms cumulative {own / 1000:7.1f} ms own  {name}"
        for cumulative, own, name in rows[:top]
    ]


HELP = """
from bot.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", metavar="DIR", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    trees = {"this tree": HERE}
    if args.against is not None:
        trees[f"against ({args.against})"] = args.against.resolve()
    starts: dict[str, list[float]] = {name: [] for name in [*trees, "bare Bolt app"]}
    helps: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as folder, sandbox() as slack:
        cwd = Path(folder)
        envs = {}
        for name, tree in trees.items():
            url = f"sqlite:///{cwd / (name.split()[0] + '.db')}"
            envs[name] = environment(tree, serve_settings(slack, url))
            run_command(tree, ["db", "upgrade"], envs[name], cwd)
        bare_env = environment(HERE, serve_settings(slack, "sqlite://"))
        for number in range(args.runs):
            for name, tree in trees.items():
                with serving(tree, envs[name], cwd) as served:
                    starts[name].append(served.healthy_after)
            starts["bare Bolt app"].append(bare_start(bare_env, cwd))
            for name in trees:
                helps[name].append(help_time(envs[name], cwd))
            shown = "  ".join(f"{name} {values[-1]:.3f}s" for name, values in starts.items())
            print(f"run {number + 1}: to healthy: {shown}")
        bare = statistics.median(starts["bare Bolt app"])
        print("\nstart to /healthz 200, medians:")
        for name, values in starts.items():
            median = statistics.median(values)
            print(f"  {name:45} {median:.3f} s   {median / bare:.2f}x the bare app")
        print("\n`ai-incident --help` (python -m bot --help), medians:")
        for name, values in helps.items():
            print(f"  {name:45} {statistics.median(values) * 1000:.0f} ms")
        for name in trees:
            print(f"\nimport time, {name}: `ai-incident --help`")
            code = HELP
            print("\n".join(importtime(envs[name], cwd, code, args.top)))
            print(f"\nimport time, {name}: what `serve` imports (bot.cli.serve, bot.runtime)")
            print(
                "\n".join(
                    importtime(envs[name], cwd, "import bot.cli.serve, bot.runtime", args.top)
                )
            )


if __name__ == "__main__":
    main()
