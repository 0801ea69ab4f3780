"""Signing in once per role against signing in in every scenario (issue 17's target: the
time the admin scenarios spend signing in is at most 0.6x), with and without the run-wide
static cache (issue 23: whole signed-in scenarios at most 0.6x of signing in each time).

    .venv/bin/python -m benchmarks.sign_in [--scenarios 10] [--rounds 3] [--iterations 600000] [--latency-ms 0]

The app is ``tests/apps/signin_app.py`` (a session cookie, the password hashed with PBKDF2;
``--iterations`` sets its cost, Django 5 uses 870,000 on faster machines); every page loads a
Django admin page's static files (``tests/apps/admin_assets.py``: five stylesheets, four scripts,
a logo, about 300 KB, ``max-age`` and ETags as WhiteNoise serves them; ``--latency-ms`` waits
before each one's answer, as an app across a network answers later). Two suites of
``--scenarios`` admin scenarios, run with ``pytest features/ -p no:xdist`` (one process, so
the first scenario pays the one sign-in):

- "each time": every scenario opens /login, fills in two fields and clicks "Sign in"
  (the four login steps), then checks it is signed in (``Then I see "Welcome, admin"``);
- "once": every scenario says ``Given I am signed in as "admin"`` (the same steps run once,
  as the @sign-in:admin scenario; another process would check the stored state once).

Both then open /books and check it. Each suite runs with ``E2E_STATIC_CACHE=off`` and ``on``.
Step durations come from the run's cucumber.json, scenario durations from run.json, the static
files the app answered from its own count. The four variants alternate round by round; the
figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.apps.signin_app import SignInApp

LOGIN_STEPS = """    Given I open "/login"
    When I fill in "Username" with "admin"
    And I fill in "Password" with "adminpass"
    And I click the "Sign in" button
"""
CHECK = '    Then I see "Welcome, admin"\n'
REST = '    When I open "/books"\n    Then I see "Books for admin"\n'


def feature(kind: str, scenarios: int) -> str:
    body = []
    for n in range(1, scenarios + 1):
        steps = LOGIN_STEPS + CHECK if kind == "each time" else '    Given I am signed in as "admin"\n'
        body.append(f"  Scenario: Admin page {n}\n{steps}{REST}")
    return "Feature: Admin pages\n\n" + "\n".join(body)


SIGN_IN = f"Feature: Roles\n\n  @sign-in:admin\n  Scenario: The admin signs in\n{LOGIN_STEPS}{CHECK}"


def make_project(root: Path, kind: str, scenarios: int) -> Path:
    (root / "features").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    (root / "features" / "admin.feature").write_text(feature(kind, scenarios))
    if kind == "once":
        (root / "features" / "roles.feature").write_text(SIGN_IN)
    return root


def run(project: Path, app: SignInApp, state_dir: Path, static_cache: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "PYTEST_"))}
    env.update(E2E_BASE_URL=app.url, E2E_STATE_DIR=str(state_dir), E2E_STATIC_CACHE=static_cache)
    static_before = dict(app.static_requests)
    before = set((project / "reports").glob("2*")) if (project / "reports").is_dir() else set()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "features", "-p", "no:xdist", "-p", "no:cacheprovider", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    [run_dir] = sorted(set((project / "reports").glob("2*")) - before)
    if proc.returncode != 0:
        raise SystemExit(f"the suite failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    cucumber = json.loads((run_dir / "cucumber.json").read_text())
    summary = json.loads((run_dir / "run.json").read_text())
    login = {line.strip().split(" ", 1)[1] for line in LOGIN_STEPS.splitlines()}
    sign_in = four = 0.0
    for element in (e for f in cucumber for e in f["elements"]):
        for step in element["steps"]:
            seconds = step["result"]["duration"] / 1e9
            if step["name"] in login:
                four += seconds
                sign_in += seconds
            elif step["name"].startswith("I am signed in as") or step["name"] == 'I see "Welcome, admin"':
                sign_in += seconds  # the one step, or the check that the four steps signed in
    scenarios = sum(s["duration_seconds"] for s in summary["scenarios"])
    static = {k: v - static_before.get(k, 0) for k, v in app.static_requests.items()}
    return {
        "static_200": static.get(200, 0),
        "static_304": static.get(304, 0),
        "sign_in": sign_in,
        "four_steps": four,
        "scenarios": scenarios,
        "count": len(summary["scenarios"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=600_000, help="the app's PBKDF2 iterations")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="a wait before each static file's answer (an app across a network)",
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="e2e-bench-signin-"))
    state_dir = work / "state"
    state_dir.mkdir(mode=0o700)
    app = SignInApp(iterations=args.iterations, static_delay=args.latency_ms / 1000).start()
    suites = ["each time", "once"]
    variants = [(suite, cache) for suite in suites for cache in ("off", "on")]
    projects = {k: make_project(work / k.replace(" ", "-"), k, args.scenarios) for k in suites}
    figures: dict[tuple[str, str], list[dict]] = {v: [] for v in variants}
    load_start = os.getloadavg()
    try:
        run(projects["once"], app, state_dir, "on")  # warm-up: the browser server and Python's caches
        for round_no in range(args.rounds):
            for suite, cache in variants if round_no % 2 == 0 else reversed(variants):
                figures[(suite, cache)].append(run(projects[suite], app, state_dir, cache))
    finally:
        app.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    load_end = os.getloadavg()

    def med(variant: tuple[str, str], key: str) -> float:
        return statistics.median(f[key] for f in figures[variant])

    print(
        f"{args.scenarios} admin scenarios per suite, {args.rounds} rounds, PBKDF2 {args.iterations}, "
        f"static files answered after {args.latency_ms:g} ms; "
        f"load average {' '.join(f'{x:.1f}' for x in load_start)} at the start, "
        f"{' '.join(f'{x:.1f}' for x in load_end)} at the end"
    )
    print(
        f"{'suite':<10} {'static cache':>12} {'signing in s':>13} {'4 login steps s':>16} "
        f"{'whole scenarios s':>18} {'static files 200 / 304':>23}"
    )
    for variant in variants:
        suite, cache = variant
        files = f"{med(variant, 'static_200'):.0f} / {med(variant, 'static_304'):.0f}"
        print(
            f"{suite:<10} {cache:>12} {med(variant, 'sign_in'):>13.2f} {med(variant, 'four_steps'):>16.2f} "
            f"{med(variant, 'scenarios'):>18.2f} {files:>23}"
        )
    for cache in ("off", "on"):
        once, each = med(("once", cache), "sign_in"), med(("each time", cache), "sign_in")
        print(f"static cache {cache}: signing in, once / each time (with its check): {once / each:.2f}x")
    baseline = med(("each time", "off"), "scenarios")
    for variant in [("each time", "on"), ("once", "off"), ("once", "on")]:
        ratio = med(variant, "scenarios") / baseline
        target = " (target <= 0.6x)" if variant == ("once", "on") else ""
        print(
            f"whole scenarios, {variant[0]} + cache {variant[1]} / each time + cache off: {ratio:.2f}x{target}"
        )


if __name__ == "__main__":
    main()
