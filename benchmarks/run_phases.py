"""Where a ``pytest -n W`` run's time goes outside its scenarios: the runner against pytest-bdd +
pytest-playwright on the same generated suite (``throughput.py``'s projects and peer venv).

    .venv/bin/python -m benchmarks.run_phases [--scenarios 4] [--rounds 3] [--warmup 1] [--hog 0] [--workers 2]

Each run loads ``benchmarks/files/bench_phases.py`` (``-p bench_phases``: a timestamp at each hook),
and the script prints, in seconds from the spawn of pytest: when the controller reached its
``pytest_configure`` (the runner's own configure, the shared browser server's start, runs before
it: its hooks are tryfirst too), when the first scenario started on a worker, the scenarios' span,
the idle gaps between a worker's scenarios, and from the last scenario's end to the exit. Runs
alternate, e2e first, after ``--warmup`` unmeasured rounds (the first run of each writes its bytecode
caches, as a laptop's first run does). ``--hog N`` runs N busy loops beside them (``bench_project.CpuHog``).
The script only measures; it exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_project import DEV_PLUGINS_OFF, FILES, CpuHog, DemoAppProcess, Project, clean_up, table
from benchmarks.throughput import DEFAULT_CHROMIUM, PEER_CONFTEST, PEER_PIN, make_peer_project, peer_python
from runner.browser.chromium import QUIET_ARGS

COLUMNS = ["run", "at configure", "first scenario", "scenarios", "idle gaps", "last to exit", "whole run"]


def _phases(path: Path, spawned: float, exited: float) -> list[str]:
    events = [json.loads(line) for line in path.read_text().splitlines()]
    controller = [e for e in events if e["worker"] == "controller"]
    workers = [e for e in events if e["worker"] != "controller"]
    starts = [e["t"] for e in workers if e["what"] == "item start"]
    ends = [e["t"] for e in workers if e["what"] == "item end"]
    gaps = 0.0
    for worker in {e["worker"] for e in workers}:
        seq = sorted((e["t"], e["what"]) for e in workers if e["worker"] == worker and e["what"].startswith("item"))
        pairs = zip(seq, seq[1:], strict=False)
        gaps += sum(b - a for (a, wa), (b, wb) in pairs if wa == "item end" and wb == "item start")
    configure = min(e["t"] for e in controller if e["what"] == "configure")
    return [
        f"{configure - spawned:.2f}",
        f"{min(starts) - spawned:.2f}",
        f"{max(ends) - min(starts):.2f}",
        f"{gaps:.2f}",
        f"{exited - max(ends):.2f}",
        f"{exited - spawned:.2f}",
    ]


def _run(kind: str, root: Path, python: str, args: list[str], env: dict[str, str]) -> list[str]:
    phases = root / ".bench-phases.jsonl"
    phases.unlink(missing_ok=True)
    command = [python, "-m", "pytest", "-p", "bench_phases", "-p", "no:cacheprovider", "-q", *args]
    spawned = time.time()
    done = subprocess.run(command, cwd=root, env={**env, "BENCH_PHASES": str(phases)}, capture_output=True, text=True)
    exited = time.time()
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return [kind, *_phases(phases, spawned, exited)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first (bytecode caches written)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hog", type=int, default=0, help="busy loops beside the runs (default 0)")
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    peer_venv = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "e2e-bench"
    peer = peer_python(peer_venv / f"peer-{PEER_PIN.replace('==', '-')}")
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-phases-"))
    e2e = Project(work / "e2e", args.scenarios, suite="pages", fail_every=10**6)
    peer_project = make_peer_project(work / "peer", args.scenarios, 10**6, PEER_CONFTEST)
    for root in (e2e.root, peer_project.root):
        shutil.copyfile(FILES / "bench_phases.py", root / "bench_phases.py")
    rows = []
    with DemoAppProcess() as app, CpuHog(args.hog) as hog:
        print(
            f"{args.scenarios} scenarios, -n {args.workers}, {args.warmup} warm-up and {args.rounds} measured "
            f"round(s); {hog.describe()}",
            flush=True,
        )
        n = ["-n", str(args.workers)]
        e2e_env = e2e.env(E2E_BASE_URL=app.url, E2E_CHROMIUM=args.chromium)
        peer_env = {**os.environ, "BENCH_CHROMIUM": args.chromium, "BENCH_CHROMIUM_ARGS": json.dumps(list(QUIET_ARGS))}
        peer_args = [*n, "--screenshot", "on", "--tracing", "retain-on-failure", "--base-url", app.url, "test_bench.py"]
        for round_no in range(args.warmup + args.rounds):
            measured = [
                _run("e2e (default)", e2e.root, sys.executable, [*n, *DEV_PLUGINS_OFF, "features"], e2e_env),
                _run("pytest-playwright", peer_project.root, peer, peer_args, peer_env),
            ]
            if round_no >= args.warmup:
                rows += measured
    print(table(COLUMNS, rows))
    clean_up(work, args.keep)


if __name__ == "__main__":
    main()
