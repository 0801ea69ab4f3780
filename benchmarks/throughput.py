"""Throughput at ``-n W``: the e2e runner against pytest-bdd + pytest-playwright and against a plain
Playwright script (the floor), on the same generated suite, in one run, with a breakdown of where a
scenario's time goes.

    .venv/bin/python -m benchmarks.throughput [--scenarios 100] [--workers 2] [--repeat 3] [--warmup 1]
    .venv/bin/python -m benchmarks.throughput --probe-only     # only the Playwright phase table

Targets (issue): at ``-n 2`` the runner's scenarios per minute, with evidence equivalent to
pytest-playwright's ``--screenshot on --tracing retain-on-failure``, is >= 1.15x pytest-playwright's
on a quiet machine and >= 1.0x under load (``--hog N``: N busy loops beside the rounds, each a
session of its own as another job is), and within 1.2x of the floor (wall time).

The suite (``bench_project.pages_feature``): N scenarios, each opens an unknown page of the demo
app (``/unknown/0001``...: a 404 page headed "Page not found") and checks its heading with
``expect(get_by_role("heading", name=..., exact=True)).to_be_visible()``; every 50th expects a heading
that is not there and fails after Playwright's default expect timeout (5 s, the same everywhere).
Every variant tests the same demo app, served by a process of its own (``python -m runner.demo_app``),
with the same Chromium (``--chromium``, default Debian's /usr/bin/chromium) and the same flags
(``runner.browser.chromium.QUIET_ARGS``), headless, each scenario in a new browser context with a
1920x1080 viewport.

Variants (each a fresh process tree, timed from spawn to exit: what a user waits for):

- **e2e ...**: ``python -m pytest -n W features`` on a throwaway project (``base_url`` from
  ``E2E_BASE_URL``; the runner's shared browser server, started by the run). "e2e (default)" has
  the defaults: a PNG of every scenario's final state, a PNG of the failing step, a Playwright trace
  (screenshots + DOM snapshots) of every scenario kept for failures, console errors, Allure results,
  junit.xml, cucumber.json, run.json and the secrets scrub of the run folder. The other e2e rows
  change one setting each (cheaper evidence: JPEG screenshots, no trace, no evidence at all).
  The dev extras of this checkout's venv (hypothesis, pytest-timeout: not part of an installed
  runner) are turned off with ``-p no:...`` (``bench_project.DEV_PLUGINS_OFF``).
- **pytest-playwright**: pytest-bdd + pytest-playwright (pinned, ``PEER_PIN``) in a venv of their own
  (made on first use under ``~/.cache/e2e-bench/``, ``pip install -c constraints.txt``): the same
  feature file through ``scenarios()``, two step definitions doing the same calls, a ``conftest.py``
  giving ``browser_type_launch_args`` the same Chromium and flags and ``browser_context_args`` the same
  viewport; run with ``--screenshot on --tracing retain-on-failure`` (a browser per worker: its design).
- **e2e (default), --against**: with ``--against PYTHON`` (another checkout's venv, e.g. a worktree
  of an earlier commit), the defaults once more under that checkout's runner, in the same rounds: a
  change measured against what it changes, under the same load.
- **floor**: a plain Playwright script, W processes started at once, each launching Chromium and
  running every W-th scenario with the same calls and no evidence (``new_context``, ``new_page``,
  ``goto``, ``expect``, ``close``), a failed expect caught and counted.

Each measured run is checked: the number of failed scenarios is the suite's, and the evidence is
counted (screenshots, traces; the table shows it). Rounds are interleaved, the order rotated each
round, and figures are medians over the rounds. CPU: the CPU seconds of each run's whole process
tree (pytest, workers, Playwright drivers, browser server, Chromium; exact, from RUSAGE_CHILDREN
with this script as child subreaper), by process kind from samples of the process table (psutil); the demo app excluded.

The breakdown (after the table) says where a scenario's time goes:

1. **Playwright phases**: a plain script in W processes at once (the same load as the runs), each
   doing the same calls per scenario in interleaved variants - bare (the floor's calls), the
   runner's evidence calls before this change (PNG of the final state while tracing, then the trace
   dropped) and now (trace stopped first, then the PNG), the same with a JPEG, a trace without its
   screencast, a PNG without a trace, and pytest-playwright's calls (tracing with sources too, the
   trace written to a file every time, the PNG after it) - and times each call (medians). The
   "server" variants do the same through the shared browser server (``connect``, as the runner's
   workers do); the others on a browser the process launched (as the floor and the peer do).
   Then the final screenshot alone, on a page freshly navigated before each: PNG, PNG with
   animations allowed (pytest-playwright's call), JPEG q80 and JPEG q50 in turn (time, bytes).
2. **Round trips**: messages the Python client sends per scenario (counted in the measured runs by
   the timing plugin, ``benchmarks/files/bench_timing.py``) and the time of one round trip to the browser
   (``context.cookies()``) on a launched browser and through the shared browser server.
3. **pytest and pytest-bdd**: the same feature with steps that do nothing (no browser), ``-n W``,
   ``-p no:e2e``: the time per item of pytest + pytest-bdd + xdist alone.
4. **Harness**: each runner's time per scenario (the timing plugin's ``pytest_runtest_protocol``
   around an item) minus the floor's time per scenario (the same browser work, measured in the
   same rounds), the shared server's hop and the evidence calls of its mode (from the probe) and
   pytest + pytest-bdd's item: the rest by difference; and
   the fixed cost per run (wall time minus the scenarios' time divided by W: start, collection,
   workers, browser start, end-of-run files).

Absolute figures move on a busy machine; compare the ratios of one invocation. The script exits 0
whatever the ratios are.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench_project import (
    DEV_PLUGINS_OFF,
    FILES,
    PAGE_HEADING,
    ROOT,
    WRONG_HEADING,
    CpuHog,
    CpuSampler,
    DemoAppProcess,
    Project,
    child_command,
    child_env,
    clean_up,
    clear_timings,
    median,
    page_fails,
    page_path,
    pages_feature,
    read_timings,
    run_pytest,
    run_rounds,
    server_pids,
    table,
    write_timing_plugin,
)
from benchmarks.report_size import load_average

PEER_PIN = "pytest-playwright==0.10.0"
PEER_PACKAGES = ("pytest", "pytest-bdd", "pytest-xdist", "playwright", PEER_PIN)
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# name -> E2E_* settings of the run (on top of E2E_BASE_URL and E2E_CHROMIUM)
E2E_VARIANTS: dict[str, dict[str, str]] = {
    "e2e (default)": {},
    "e2e, jpeg screenshots": {"E2E_SCREENSHOT_FORMAT": "jpeg"},
    "e2e, trace off": {"E2E_TRACE": "off"},
    "e2e, no evidence": {"E2E_TRACE": "off", "E2E_SCREENSHOTS": "off"},
    "e2e, private browser": {"E2E_BROWSER_SERVER": "private"},
}
# name -> pytest-playwright flags
PEER_VARIANTS: dict[str, list[str]] = {
    "pytest-playwright": ["--screenshot", "on", "--tracing", "retain-on-failure"],
    "pytest-playwright, no evidence": ["--screenshot", "off", "--tracing", "off"],
}
FLOOR = "floor (plain Playwright)"
AGAINST = "e2e (default), --against"
DEFAULT = "e2e (default)"
PEER = "pytest-playwright"

# --- the peer's project ---------------------------------------------------------------------------
PEER_CONFTEST = FILES / "peer_conftest.py"

BARE_CONFTEST = FILES / "bare_conftest.py"

TEST_MODULE = 'from pytest_bdd import scenarios\n\nscenarios("features/bench.feature")\n'


def peer_python(venv: Path) -> str:
    """The peer's venv (pytest-bdd + pytest-playwright), made on first use."""
    python = venv / "bin" / "python"
    marker = venv / ".bench-packages"
    wanted = " ".join(PEER_PACKAGES)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return str(python)
    print(f"making the pytest-playwright venv in {venv} ({PEER_PIN}) ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    base = shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt"), *PEER_PACKAGES],
        check=True,
    )
    marker.write_text(wanted)
    return str(python)


def make_peer_project(root: Path, scenarios: int, fail_every: int, conftest: Path) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "features").mkdir(exist_ok=True)
    (root / "features" / "bench.feature").write_text(pages_feature(scenarios, fail_every), encoding="utf-8")
    shutil.copyfile(conftest, root / "conftest.py")
    (root / "test_bench.py").write_text(TEST_MODULE)
    (root / "pytest.ini").write_text("[pytest]\n")
    write_timing_plugin(root)
    project = Project.__new__(Project)  # a plain pytest project: no pyproject, no steps/
    project.root, project.suite, project.state_dir = root, "pages", root / ".e2e-state"
    return project


# --- the floor: a plain Playwright script (child processes: throughput.py --floor-child) ------------
def floor_child(
    url: str, chromium: str, worker: int, workers: int, scenarios: int, fail_every: int, out: Path
):
    from playwright.sync_api import expect, sync_playwright

    from runner.browser.chromium import QUIET_ARGS

    times, failed = [], 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(QUIET_ARGS), headless=True)
        for index in range(1, scenarios + 1):
            if index % workers != worker:
                continue
            heading = WRONG_HEADING if page_fails(index, fail_every) else PAGE_HEADING
            started = time.perf_counter()
            context = browser.new_context(base_url=url, viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            page.goto(page_path(index))
            try:
                expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            except AssertionError:
                failed += 1
            context.close()
            times.append(time.perf_counter() - started)
        browser.close()
    out.write_text(json.dumps({"scenarios": times, "failed": failed}))


# --- the phase probe (child processes: throughput.py --phases-child) ----------------------------------
# variant -> (tracing.start options or None, final screenshot type or None, screenshot before tracing.stop,
#             trace written to a file, through the shared browser server)
_TRACE = {"screenshots": True, "snapshots": True}
PROBE_VARIANTS: dict[str, tuple[dict | None, str | None, bool, bool, bool]] = {
    "bare": (None, None, False, False, False),
    "bare, server": (None, None, False, False, True),
    "e2e before": (_TRACE, "png", True, False, False),
    "e2e now": (_TRACE, "png", False, False, False),
    "e2e now, server": (_TRACE, "png", False, False, True),
    "e2e now, jpeg": (_TRACE, "jpeg", False, False, False),
    "e2e, snapshots-only trace": ({"screenshots": False, "snapshots": True}, "png", False, False, False),
    "png, no trace": (None, "png", False, False, False),
    "png, no trace, server": (None, "png", False, False, True),
    "peer": ({**_TRACE, "sources": True}, "png", False, True, False),
}


class _Clock:
    """``with clock("call"):`` adds the block's time to the current variant's list for that call."""

    def __init__(self) -> None:
        self.variant = ""
        self.phases: dict[str, dict[str, list[float]]] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        yield
        self.phases.setdefault(self.variant, {}).setdefault(name, []).append(time.perf_counter() - started)


def probe_once(browser, clock: _Clock, url: str, index: int, variant: tuple, tmp: Path) -> None:
    """One scenario of the current probe variant, each call timed; its context closed whatever happens."""
    from playwright.sync_api import expect

    trace, shot, shot_first, to_file = variant[:4]
    started = time.perf_counter()
    with clock("new_context"):
        context = browser.new_context(base_url=url, viewport={"width": 1920, "height": 1080})
    try:
        if trace is not None:
            with clock("tracing.start"):
                context.tracing.start(**trace)
        with clock("new_page (renderer start)"):
            page = context.new_page()
        with clock("goto"):
            page.goto(page_path(index + 1))
        with clock("expect heading"):
            expect(page.get_by_role("heading", name=PAGE_HEADING, exact=True)).to_be_visible()
        options = {"type": "jpeg", "quality": 80} if shot == "jpeg" else {}
        if shot and shot_first:
            with clock(f"screenshot {shot} (tracing)"):
                page.screenshot(path=str(tmp / f"s.{shot}"), animations="disabled", timeout=10_000, **options)
        if trace is not None:
            with clock("tracing.stop (to a file)" if to_file else "tracing.stop (discarded)"):
                context.tracing.stop(path=str(tmp / "t.zip") if to_file else None)
        if shot and not shot_first:
            with clock(f"screenshot {shot}"):
                page.screenshot(path=str(tmp / f"s.{shot}"), animations="disabled", timeout=10_000, **options)
    except BaseException:
        with contextlib.suppress(Exception):
            context.close()
        raise
    with clock("close"):
        context.close()
    clock.phases[clock.variant].setdefault("total", []).append(time.perf_counter() - started)


def _round_trips(browser, count: int = 60) -> list[float]:
    """Times of one round trip to the browser process and back (``context.cookies()``)."""
    context = browser.new_context()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        context.cookies()
        times.append(time.perf_counter() - started)
    context.close()
    return times


# The final screenshot's forms: name -> page.screenshot options (the runner's and the probe's: animations
# disabled; pytest-playwright's own screenshot leaves animations alone).
SHOT_FORMATS = {
    "png": {"animations": "disabled"},
    "png, animations allowed": {},
    "jpeg q80": {"type": "jpeg", "quality": 80, "animations": "disabled"},
    "jpeg q50": {"type": "jpeg", "quality": 50, "animations": "disabled"},
}


def _encoding(browser, url: str, count: int = 12) -> dict[str, list[float]]:
    """The final screenshot alone: one 1920x1080 page, navigated anew to a page of the suite before each
    screenshot (a fresh document, as at a scenario's end), each form in turn ``count`` times (returned
    as bytes, not written); times in s and sizes in bytes (``<form> bytes``)."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=url, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    found: dict[str, list[float]] = {}
    for index in range(count):
        for name, options in SHOT_FORMATS.items():
            page.goto(page_path(index + 1))
            expect(page.get_by_role("heading", name=PAGE_HEADING, exact=True)).to_be_visible()
            started = time.perf_counter()
            data = page.screenshot(**options)
            found.setdefault(name, []).append(time.perf_counter() - started)
            found.setdefault(f"{name} bytes", []).append(len(data))
    context.close()
    return found


def phases_child(url: str, chromium: str, iterations: int, ws_endpoint: str | None, out: Path, tmp: Path):
    """Every variant, interleaved, ``iterations`` times; each call timed. The ``server`` variants
    use the shared browser server (``connect``, as the runner does), the others a browser this
    process launched (as the floor and pytest-playwright do). A call that fails (a flake of a
    loaded machine, e.g. "Unable to capture screenshot") drops that one scenario, counted."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from runner.browser.chromium import QUIET_ARGS

    clock = _Clock()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(QUIET_ARGS), headless=True)
        remote = pw.chromium.connect(ws_endpoint) if ws_endpoint else None
        variants = [(name, v) for name, v in PROBE_VARIANTS.items() if remote is not None or not v[4]]
        for index in range(iterations * len(variants)):
            clock.variant, variant = variants[index % len(variants)]
            try:
                probe_once(remote if variant[4] else browser, clock, url, index, variant, tmp)
            except PlaywrightError as exc:
                errors.append(f"{clock.variant}: {str(exc).splitlines()[0]}")
        round_trips = {"launched": _round_trips(browser), "shared server": []}
        encoding = _encoding(browser, url)
        browser.close()
        if remote is not None:
            round_trips["shared server"] = _round_trips(remote)
            remote.close()
    result = {"phases": clock.phases, "round_trips": round_trips, "errors": errors, "encoding": encoding}
    out.write_text(json.dumps(result))


# --- measuring ---------------------------------------------------------------------------------------
@dataclass
class Figures:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    kinds: list[dict[str, float]] = field(default_factory=list)  # per run: sampled CPU s by process kind
    per_scenario: list[float] = field(default_factory=list)  # passing scenarios, all runs
    messages: list[float] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)  # per run: sum of the scenarios' times
    evidence: str = ""


@dataclass
class Context:
    url: str
    chromium: str
    chromium_args: list[str]
    workers: int
    fail_every: int
    expected_failures: int
    peer_python: str | None


def _count_evidence(folder: Path) -> str:
    if not folder.is_dir():
        return "-"
    shots = [p for p in folder.rglob("*") if p.suffix in (".png", ".jpg", ".jpeg") and p.is_file()]
    traces = [p for p in folder.rglob("trace*.zip") if p.is_file()]
    size = sum(p.stat().st_size for p in shots) / max(1, len(shots)) / 1024
    kinds = "/".join(sorted({p.suffix[1:] for p in shots})) or "-"
    return f"{len(shots)} {kinds} ({size:.0f} KiB avg), {len(traces)} traces"


def _expected_failures(scenarios: int, fail_every: int) -> int:
    return sum(page_fails(i, fail_every) for i in range(1, scenarios + 1))


def _timed_run(project: Project, args: list[str], env: dict[str, str], python: str | None, paths, state_dir):
    sampler = CpuSampler(extra_roots=lambda: server_pids(state_dir) if state_dir else set())
    try:
        run = run_pytest(
            project,
            args,
            env=env,
            python=python,
            paths=paths,
            on_start=lambda proc: sampler.start(proc.pid),
        )
    finally:
        sampler.stop()
    return run, sampler


def _record_timings(figures: Figures | None, path: Path) -> None:
    records = read_timings(path)
    if figures is None:
        return
    figures.per_scenario.extend(r["cycle"] for r in records if not r.get("failed"))
    figures.messages.extend(r["messages"] for r in records if not r.get("failed"))
    figures.busy.append(sum(r["cycle"] for r in records))


def measure_e2e(
    project: Project, settings: dict[str, str], ctx: Context, figures: Figures | None, python: str | None = None
) -> None:
    """One run of the runner; ``python``: another checkout's venv (``--against``), else this one's."""
    timings = project.root / ".bench-timings.json"
    clear_timings(timings)
    env = {**settings, "E2E_BASE_URL": ctx.url, "E2E_CHROMIUM": ctx.chromium, "BENCH_TIMINGS": str(timings)}
    args = ["-n", str(ctx.workers), "-p", "bench_timing", *(DEV_PLUGINS_OFF if python else ())]
    run, cpu = _timed_run(project, args, env, python, ("features",), project.state_dir)
    summary = run.run_json()
    failed = summary.get("counts", {}).get("failed")
    if failed is None:
        failed = sum(1 for s in summary["scenarios"] if s["status"] == "failed")
    if failed != ctx.expected_failures or run.returncode not in (0, 1):
        raise SystemExit(
            f"e2e run {settings}: {failed} failed (expected {ctx.expected_failures}), exit {run.returncode}:\n"
            f"{run.output[-3000:]}"
        )
    _add_figures(figures, timings, run, cpu, run.run_dir / "evidence")
    shutil.rmtree(run.run_dir, ignore_errors=True)  # keep the disk as it was for the next run


def _add_figures(figures: Figures | None, timings: Path, run, cpu, evidence: Path) -> None:  # noqa: ANN001
    """A measured run's figures: its items' timings, wall and CPU time, and the evidence it kept."""
    _record_timings(figures, timings)
    if figures is not None:
        figures.walls.append(run.wall_seconds)
        figures.cpus.append(cpu.total)
        figures.kinds.append(cpu.by_kind())
        figures.evidence = _count_evidence(evidence)


def measure_peer(project: Project, flags: list[str], ctx: Context, figures: Figures | None) -> None:
    timings = project.root / ".bench-timings.json"
    clear_timings(timings)
    output = project.root / "test-results"
    shutil.rmtree(output, ignore_errors=True)
    env = {
        "BENCH_CHROMIUM": ctx.chromium,
        "BENCH_CHROMIUM_ARGS": json.dumps(ctx.chromium_args),
        "BENCH_TIMINGS": str(timings),
    }
    args = [
        "-n",
        str(ctx.workers),
        *flags,
        "--base-url",
        ctx.url,
        "--output",
        str(output),
        "-p",
        "bench_timing",
    ]
    run, cpu = _timed_run(project, args, env, ctx.peer_python, ("test_bench.py",), None)
    found = re.search(r"(\d+) failed", run.output)
    failed = int(found.group(1)) if found else 0
    if failed != ctx.expected_failures or run.returncode not in (0, 1) or " passed" not in run.output:
        raise SystemExit(
            f"pytest-playwright run: {failed} failed (expected {ctx.expected_failures}), exit {run.returncode}:\n"
            f"{run.output[-3000:]}"
        )
    _add_figures(figures, timings, run, cpu, output)


def measure_floor(work: Path, ctx: Context, scenarios: int, figures: Figures | None) -> None:
    outs = [work / f".floor-{w}.json" for w in range(ctx.workers)]
    for out in outs:
        out.unlink(missing_ok=True)
    sampler = CpuSampler()
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            child_command(
                "throughput",
                "--floor-child",
                ctx.url,
                "--chromium",
                ctx.chromium,
                "--worker",
                str(w),
                "--workers",
                str(ctx.workers),
                "--scenarios",
                str(scenarios),
                "--fail-every",
                str(ctx.fail_every),
                "--out",
                str(outs[w]),
            ),
            cwd=work,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(ctx.workers)
    ]
    sampler.start(*(p.pid for p in procs))
    errors = [p.communicate(timeout=900)[1] for p in procs]
    wall = time.perf_counter() - started
    sampler.stop()
    if any(p.returncode for p in procs):
        raise SystemExit(f"the floor script failed:\n{''.join(e[-2000:] for e in errors)}")
    results = [json.loads(out.read_text()) for out in outs]
    failed = sum(r["failed"] for r in results)
    expected = _expected_failures(scenarios, ctx.fail_every)
    if failed != expected:
        raise SystemExit(f"the floor script saw {failed} failures, expected {expected}")
    if figures is None:
        return
    figures.walls.append(wall)
    figures.cpus.append(sampler.total)
    figures.kinds.append(sampler.by_kind())
    fails = {i for i in range(1, scenarios + 1) if page_fails(i, ctx.fail_every)}
    for w, result in enumerate(results):
        indexes = [i for i in range(1, scenarios + 1) if i % ctx.workers == w]
        figures.per_scenario.extend(
            t for i, t in zip(indexes, result["scenarios"], strict=True) if i not in fails
        )
    figures.busy.append(sum(sum(r["scenarios"]) for r in results))
    figures.evidence = "none"


def run_phase_probe(work: Path, ctx: Context, iterations: int, ws_endpoint: str | None) -> dict:
    procs, outs = [], []
    for w in range(ctx.workers):
        out, tmp = work / f".phases-{w}.json", work / f".phases-tmp-{w}"
        tmp.mkdir(exist_ok=True)
        outs.append(out)
        procs.append(
            subprocess.Popen(
                child_command(
                    "throughput",
                    "--phases-child",
                    ctx.url,
                    "--chromium",
                    ctx.chromium,
                    "--iterations",
                    str(iterations),
                    "--out",
                    str(out),
                    "--tmp",
                    str(tmp),
                    *(["--ws", ws_endpoint] if ws_endpoint else []),
                ),
                cwd=work,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    errors = [p.communicate(timeout=900)[1] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"the phase probe failed:\n{''.join(e[-2000:] for e in errors)}")
    merged: dict = {"phases": {v: {} for v in PROBE_VARIANTS}, "round_trips": {}, "errors": []}
    for out in outs:
        data = json.loads(out.read_text())
        merged["errors"].extend(data.get("errors", []))
        for variant, calls in data["phases"].items():
            for name, values in calls.items():
                merged["phases"][variant].setdefault(name, []).extend(values)
        for name, values in data["round_trips"].items():
            merged["round_trips"].setdefault(name, []).extend(values)
        for name, values in data.get("encoding", {}).items():
            merged.setdefault("encoding", {}).setdefault(name, []).extend(values)
    return merged


def shared_server(state_dir: Path, chromium: str):
    """A shared browser server as the runner starts it (for the round-trip figure)."""
    from runner.browser.server import SharedBrowser
    from runner.settings import resolve

    shared = SharedBrowser.from_settings(
        resolve(ROOT, environ={"E2E_STATE_DIR": str(state_dir), "E2E_CHROMIUM": chromium})
    )
    info, _ = shared.ensure()
    return shared, info


# --- printing ------------------------------------------------------------------------------------------
# The runs and the probe variant doing the same Playwright calls as their evidence.
# The runs and the probe variants doing the same Playwright calls as their evidence: (the variant,
# its base without evidence). The runner's rows use the shared browser server's variants where the probe
# has one (the runner connects to it; the floor and pytest-playwright launch their own browser).
PROBE_OF = {
    DEFAULT: ("e2e now, server", "bare, server"),
    "e2e, jpeg screenshots": ("e2e now, jpeg", "bare"),
    "e2e, trace off": ("png, no trace, server", "bare, server"),
    "e2e, no evidence": ("bare, server", "bare, server"),
    PEER: ("peer", "bare"),
    "pytest-playwright, no evidence": ("bare", "bare"),
    FLOOR: ("bare", "bare"),
}


def ms(value: float) -> str:
    return f"{value * 1000:.0f}"


def print_table(figures: dict[str, Figures], n: int, workers: int, *, loaded: bool = False) -> None:
    floor_wall = median(figures[FLOOR].walls)
    peer_spm = n / median(figures[PEER].walls) * 60 if PEER in figures else None
    rows = []
    for name, f in figures.items():
        wall = median(f.walls)
        spm = n / wall * 60
        fixed = wall - median(f.busy) / workers
        rows.append(
            [
                name,
                f"{wall:.1f}",
                f"{spm:.0f}",
                f"{spm / peer_spm:.2f}x" if peer_spm else "-",
                f"{wall / floor_wall:.2f}x",
                ms(median(f.per_scenario)),
                f"{median(f.messages):.0f}" if f.messages else "-",
                f"{fixed:.1f}",
                f"{median(f.cpus):.0f}",
                f"{median(f.cpus) / n * 1000:.0f}",
                f.evidence,
            ]
        )
    print()
    headers = [
        "variant",
        "wall s",
        "scenarios/min",
        "vs pytest-playwright",
        "wall vs floor",
        "per scenario ms",
        "msgs/scenario",
        "fixed s/run",
        "CPU s",
        "CPU ms/scenario",
        "evidence kept",
    ]
    print(table(headers, rows))
    print(
        "per scenario: median time pytest spends on a passing item (the floor: one loop iteration); "
        "fixed: wall - sum(per item)/W; CPU: whole process tree"
    )
    default_spm = n / median(figures[DEFAULT].walls) * 60
    print()
    if peer_spm:
        ratio = default_spm / peer_spm
        want, where = (1.0, "under load") if loaded else (1.15, "on a quiet machine")
        print(
            f"target 1 (e2e defaults vs pytest-playwright, equivalent evidence) >= {want}x {where}: "
            f"{ratio:.2f}x -> {'met' if ratio >= want else 'NOT met'}"
        )
    slowdown = median(figures[DEFAULT].walls) / floor_wall
    print(
        f"target 1 (e2e defaults within 1.2x of the floor, wall time): {slowdown:.2f}x -> "
        f"{'met' if slowdown <= 1.2 else 'NOT met'}"
    )


def print_cpu(figures: dict[str, Figures], scenarios: int) -> None:
    """CPU ms per scenario by process kind (sampled; medians over the runs) and the exact total."""
    kinds = sorted({k for f in figures.values() for run in f.kinds for k in run})
    print()
    print("CPU per scenario by process kind, ms (sampled every 0.1 s; 'missed' = exact total - sampled sum)")
    rows = []
    for name, f in figures.items():
        cells = [ms(median(run.get(k, 0.0) for run in f.kinds) / scenarios) for k in kinds]
        sampled = median(sum(run.values()) for run in f.kinds)
        rows.append(
            [name, *cells, ms((median(f.cpus) - sampled) / scenarios), ms(median(f.cpus) / scenarios)]
        )
    print(table(["run", *kinds, "missed", "total"], rows))


def print_breakdown(probe: dict, figures: dict[str, Figures], bare_cycles: list[float], workers: int) -> None:
    phases = probe["phases"]
    variants = list(PROBE_VARIANTS)
    calls: list[str] = []
    for variant in variants:
        calls.extend(c for c in phases[variant] if c not in calls and c != "total")
    calls.append("total")
    print()
    print(f"Where a scenario's time goes: Playwright calls, {workers} processes at once, median ms per call")
    rows = [[c, *(ms(median(phases[v][c])) if c in phases[v] else "-" for v in variants)] for c in calls]
    print(table(["call", *variants], rows))
    if probe.get("errors"):
        print(
            f"probe scenarios dropped after a Playwright error: {len(probe['errors'])} ({probe['errors'][0]})"
        )
    print(
        "e2e before: the runner's calls before this change (final screenshot while tracing, then the trace "
        "dropped); e2e now: tracing stopped first, then the screenshot; peer: pytest-playwright's calls; "
        "', server': through the shared browser server (as the runner), else on a launched browser"
    )
    rt = probe["round_trips"]
    print(
        f"one round trip to the browser (context.cookies()): launched {median(rt['launched']) * 1000:.2f} ms, "
        f"through the shared browser server {median(rt['shared server']) * 1000:.2f} ms"
    )
    encoding = probe.get("encoding", {})
    if encoding:
        print(
            "the final screenshot alone (a freshly navigated page of the suite, each form in turn, medians): "
            + ", ".join(
                f"{name} {ms(median(encoding[name]))} ms, {median(encoding[name + ' bytes']) / 1024:.0f} KiB"
                for name in SHOT_FORMATS
            )
        )
    if figures:
        print_per_scenario(phases, figures, bare_cycles)


def _probe_ms(phases: dict, variant: str) -> float:
    values = phases.get(variant, {}).get("total", [])
    return median(values) if values else float("nan")


def print_per_scenario(phases: dict, figures: dict[str, Figures], bare_cycles: list[float]) -> None:
    """Each run's time per passing scenario split: the floor's (the bare browser work, measured in the
    same rounds), the shared server's hop and the evidence calls (the probe: variant - its base), pytest +
    pytest-bdd (no-op steps), and the rest by difference."""
    floor = median(figures[FLOOR].per_scenario)
    pytest_item = median(bare_cycles)
    hop = _probe_ms(phases, "bare, server") - _probe_ms(phases, "bare")
    print()
    print(
        "Per passing scenario, ms (medians): the floor's time, Playwright calls from the probe, the rest by difference"
    )
    rows = []
    for name, f in figures.items():
        variant, base = PROBE_OF[name]
        per = median(f.per_scenario)
        server = hop if base.endswith("server") else 0.0
        evidence = _probe_ms(phases, variant) - _probe_ms(phases, base)
        harness = name != FLOOR
        rest = per - floor - server - evidence - pytest_item
        rows.append(
            [
                name,
                ms(per),
                ms(floor),
                ms(server) if harness else "-",
                ms(evidence),
                ms(pytest_item) if harness else "-",
                ms(rest) if harness else "-",
                f"{median(f.messages):.0f}" if f.messages else "-",
            ]
        )
    headers = [
        "runner",
        "per scenario",
        "browser work (floor)",
        "shared-server hop",
        "evidence calls",
        "pytest + pytest-bdd",
        "rest (by difference)",
        "messages",
    ]
    print(table(headers, rows))
    print(
        "browser work: the floor's time per scenario in the same rounds (new_context, new_page, goto, expect, "
        "close); shared-server hop: probe 'bare, server' - 'bare' (the runner's rows); evidence calls: what the "
        "run's evidence adds (probe variant - its base: the runner's default from 'e2e now, server'); pytest + "
        "pytest-bdd: an item with no-op steps, -n W, no plugin; rest: fixtures, hooks, Allure and Cucumber "
        "records (pytest-playwright: its fixtures) and noise between the probe's moment and the runs'. "
        "messages: Playwright client messages per scenario, counted in the runs"
    )


def main() -> None:  # noqa: C901, PLR0912, PLR0915 - one linear script
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", type=int, default=100, help="scenarios in the suite (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="-n W, and W floor processes (default 2)")
    parser.add_argument(
        "--fail-every", type=int, default=50, help="1 in this many scenarios fails (default 50)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured rounds first, on 6 scenarios (default 1)"
    )
    parser.add_argument(
        "--probe-iterations", type=int, default=12, help="phase probe: per variant and process"
    )
    parser.add_argument(
        "--chromium", default=DEFAULT_CHROMIUM, help=f"Chromium binary (default {DEFAULT_CHROMIUM})"
    )
    parser.add_argument(
        "--peer-venv",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "e2e-bench"
        / f"peer-{PEER_PIN.replace('==', '-')}",
        help="the pytest-playwright venv (made if missing)",
    )
    parser.add_argument("--no-peer", action="store_true", help="leave pytest-playwright out")
    parser.add_argument(
        "--variants",
        nargs="+",
        help="only these rows (names as printed; the floor and the default always run)",
    )
    parser.add_argument(
        "--hog",
        type=int,
        default=0,
        help="run N busy-loop processes beside the measured rounds: a known load (default 0)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="PYTHON",
        help=f"also run the defaults with another checkout's venv python (an earlier commit's): the row {AGAINST!r}",
    )
    parser.add_argument("--no-breakdown", action="store_true", help="only the table, not the breakdown")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    parser.add_argument("--probe-only", action="store_true", help="only the Playwright phase probe")
    # children
    parser.add_argument("--floor-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--phases-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--iterations", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--ws", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.floor_child:
        floor_child(
            args.floor_child,
            args.chromium,
            args.worker,
            args.workers,
            args.scenarios,
            args.fail_every,
            args.out,
        )
        return
    if args.phases_child:
        phases_child(args.phases_child, args.chromium, args.iterations, args.ws, args.out, args.tmp)
        return
    if args.scenarios < 1 or args.workers < 1 or args.repeat < 1 or args.fail_every < 1:
        parser.error("--scenarios, --workers, --repeat and --fail-every must be >= 1")

    from runner.browser.chromium import QUIET_ARGS

    if args.probe_only:
        work = Path(tempfile.mkdtemp(prefix="e2e-bench-probe-"))
        with DemoAppProcess() as app:
            ctx = Context(app.url, args.chromium, list(QUIET_ARGS), args.workers, args.fail_every, 0, None)
            shared, info = shared_server(work / ".probe-state", args.chromium)
            try:
                probe = run_phase_probe(work, ctx, args.probe_iterations, info.ws_endpoint)
            finally:
                shared.stop()
        print_breakdown(probe, {}, [0.0], args.workers)
        clean_up(work, args.keep)
        return

    peer = None if args.no_peer else peer_python(args.peer_venv)
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-throughput-"))
    warm_n = min(6, args.scenarios)
    e2e = {"measured": Project(work / "e2e", args.scenarios, suite="pages", fail_every=args.fail_every)}
    e2e["warm"] = Project(work / "e2e-warm", warm_n, suite="pages", fail_every=args.fail_every)
    for project in e2e.values():
        write_timing_plugin(project.root)
    peers = {}
    if peer:
        peers["measured"] = make_peer_project(work / "peer", args.scenarios, args.fail_every, PEER_CONFTEST)
        peers["warm"] = make_peer_project(work / "peer-warm", warm_n, args.fail_every, PEER_CONFTEST)
    bare = make_peer_project(work / "bare", args.scenarios, args.fail_every, BARE_CONFTEST)

    names = [FLOOR, *E2E_VARIANTS, *(PEER_VARIANTS if peer else ())]
    if args.variants:
        names = [n for n in names if n in args.variants or n in (FLOOR, DEFAULT, PEER)]
    if args.against:
        names.insert(names.index(DEFAULT) + 1, AGAINST)
    figures = {name: Figures() for name in names}
    probe = None

    with DemoAppProcess() as app:
        ctx = Context(
            url=app.url,
            chromium=args.chromium,
            chromium_args=list(QUIET_ARGS),
            workers=args.workers,
            fail_every=args.fail_every,
            expected_failures=0,
            peer_python=peer,
        )

        def one(name: str, measured: bool) -> None:
            n = args.scenarios if measured else warm_n
            ctx.expected_failures = _expected_failures(n, args.fail_every)
            target = figures[name] if measured else None
            kind = "measured" if measured else "warm"
            if name == FLOOR:
                measure_floor(work, ctx, n, target)
            elif name in E2E_VARIANTS:
                measure_e2e(e2e[kind], E2E_VARIANTS[name], ctx, target)
            elif name == AGAINST:
                measure_e2e(e2e[kind], {}, ctx, target, python=str(args.against))
            else:
                measure_peer(peers[kind], PEER_VARIANTS[name], ctx, target)

        hog = CpuHog(args.hog)
        print(
            f"{args.scenarios} scenarios (1 in {args.fail_every} fails), -n {args.workers}; "
            f"{args.warmup} warm-up and {args.repeat} measured round(s) of: {', '.join(names)}; "
            f"{hog.describe()}; load average at the start {load_average()}",
            flush=True,
        )
        with hog:
            run_rounds(names, one, args.warmup, args.repeat)
        print(f"load average at the end: {load_average()}")

        # The table first: a failure of the breakdown's measurements below must not lose it.
        print_table(figures, args.scenarios, args.workers, loaded=args.hog > 0)
        print_cpu(figures, args.scenarios)
        sys.stdout.flush()

        if args.no_breakdown:
            clean_up(work, args.keep)
            return
        # The breakdown's measurements, under the same load (W processes at once).
        bare_timings = bare.root / ".bench-timings.json"
        bare_cycles: list[float] = []
        for _ in range(max(1, args.repeat)):
            clear_timings(bare_timings)
            run = run_pytest(
                bare,
                ["-n", str(args.workers), "-p", "no:e2e", "-p", "bench_timing"],
                env={"BENCH_TIMINGS": str(bare_timings)},
                paths=("test_bench.py",),
            )
            run.check("pytest-bdd with no-op steps")
            bare_cycles.extend(r["cycle"] for r in read_timings(bare_timings))
        shared, info = shared_server(work / ".probe-state", args.chromium)
        try:
            probe = run_phase_probe(work, ctx, args.probe_iterations, info.ws_endpoint)
        except SystemExit as exc:  # the table above stands; say why the breakdown is missing
            print(f"\nthe breakdown could not be measured: {exc}")
        finally:
            shared.stop()

    if probe is not None:
        print_breakdown(probe, figures, bare_cycles, args.workers)
    clean_up(work, args.keep)


if __name__ == "__main__":
    main()
