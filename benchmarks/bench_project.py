"""Shared by the benchmarks: a throwaway e2e project and a pytest run of it, the way a user runs it.

The project is what a user's checkout holds: ``pyproject.toml`` (``base_url = "demo"``: the
bundled demo app, unless ``E2E_BASE_URL`` is given to the run), ``features/bench.feature`` and a
copy of this repository's ``steps/``. The feature is one of three suites, all written with the
generic steps of ``runner/steps/web.py``:

- ``signin``: N identical sign-ins against the demo app (open /login, fill two fields, click,
  see the welcome heading);
- ``pages``: N scenarios that each open an unknown page of the demo app (``/unknown/0001``...,
  which answers 404 with the heading "Page not found") and check its heading; every
  ``fail_every``-th scenario (default 1 in 50) expects a heading that is not there and fails
  after the expect timeout;
- ``example``: a copy of this repository's ``features/``.

Runs get an environment without the caller's ``E2E_*``/``PYTEST_*`` variables and with an
``E2E_STATE_DIR`` of their own, so the shared browser server of a run is that run's, never one
left by someone else. Also here: the timing plugin loaded into measured runs, a sampler of the
CPU time of a run's process tree, and the demo app in a process of its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.support import REPO, E2EProject

ROOT = REPO
# Plugins and conftests copied into the benchmarks' projects (real files, linted with the rest).
FILES = Path(__file__).resolve().parent / "files"

# This checkout's venv also holds the runner's dev extras (pyproject: hypothesis, pytest-timeout), which
# an installed runner does not have; their pytest plugins cost every process of a run about a second
# (hypothesis's import and its terminal summary). Runs with this venv's Python turn them off.
# (The test suite's inner runs turn hypothesis's off too: ``tests.support.project.INNER_PYTEST_ADDOPTS``.)
DEV_PLUGINS_OFF = ("-p", "no:hypothesispytest", "-p", "no:timeout")

# The demo app's sign-in (runner/demo_app): demo / s3cret leads to "Welcome, Demo User!".
USERNAME, PASSWORD, HEADING = "demo", "s3cret", "Welcome, Demo User!"

SCENARIO = """
  Scenario: Signing in, run {index:03d}
    Given I open "/login"
    When I fill in "Username" with "{username}"
    And I fill in "Password" with "{password}"
    And I click the "Sign in" button
    Then I see the heading "{heading}"
"""

# The pages suite: the demo app answers any unknown path with a 404 page headed "Page not found".
PAGE_HEADING, WRONG_HEADING = "Page not found", "Page found"

PAGE_SCENARIO = """
  Scenario: Unknown page {index:04d}
    Given I open "{path}", which answers 404
    Then I see the heading "{heading}"
"""


def page_path(index: int) -> str:
    return f"/unknown/{index:04d}"


def page_fails(index: int, fail_every: int) -> bool:
    """Scenario ``index`` (from 1) of the pages suite is one of the failing ones."""
    return fail_every > 0 and index % fail_every == 0


def pages_feature(scenarios: int, fail_every: int = 50) -> str:
    body = "".join(
        PAGE_SCENARIO.format(
            index=i,
            path=page_path(i),
            heading=WRONG_HEADING if page_fails(i, fail_every) else PAGE_HEADING,
        )
        for i in range(1, scenarios + 1)
    )
    return (
        f"Feature: Unknown pages\n  {scenarios} unknown pages of the demo app, each checked for its heading "
        f"(1 in {fail_every} expects the wrong one).\n{body}"
    )


def bench_feature(scenarios: int) -> str:
    body = "".join(
        SCENARIO.format(index=i, username=USERNAME, password=PASSWORD, heading=HEADING)
        for i in range(1, scenarios + 1)
    )
    return f"Feature: Benchmark\n  The same sign-in, {scenarios} times.\n{body}"


class Project(E2EProject):
    """A user-like project folder under ``root`` (``tests.support``'s factory); ``features`` holds
    the chosen suite (see the module)."""

    def __init__(
        self,
        root: Path,
        scenarios: int = 20,
        example_suite: bool = False,
        suite: str = "signin",
        fail_every: int = 50,
    ):
        self.suite = "example" if example_suite else suite
        if self.suite not in ("signin", "pages", "example"):
            raise ValueError(f"unknown suite {suite!r}: signin, pages or example")
        super().__init__(root, name="e2e-benchmark", settings={"viewport": "1920x1080"})
        if self.suite == "example":
            shutil.copytree(ROOT / "features", root / "features", dirs_exist_ok=True)
        else:
            text = (
                bench_feature(scenarios) if self.suite == "signin" else pages_feature(scenarios, fail_every)
            )
            (root / "features" / "bench.feature").write_text(text, encoding="utf-8")

    def run_dirs(self) -> set[Path]:
        return set(self.runs())

    def pytest_command(
        self, *args: str, python: str | None = None, paths: Iterable[str] = ("features",)
    ) -> list[str]:
        dev_off = DEV_PLUGINS_OFF if python is None else ()
        return [
            python or sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            *dev_off,
            *args,
            *paths,
        ]


@dataclass
class Run:
    wall_seconds: float
    returncode: int
    output: str
    run_dir: Path | None

    def run_json(self) -> dict:
        if self.run_dir is None:
            raise RuntimeError(f"the run made no run folder:\n{self.output[-3000:]}")
        return json.loads((self.run_dir / "run.json").read_text())

    def check(self, what: str) -> None:
        if self.returncode != 0:
            raise SystemExit(f"{what} failed (exit {self.returncode}):\n{self.output[-3000:]}")


def run_pytest(
    project: Project,
    args: Iterable[str] = (),
    env: dict[str, str] | None = None,
    on_start: Callable[[subprocess.Popen], None] | None = None,
    timeout: float = 900,
    python: str | None = None,
    paths: Iterable[str] = ("features",),
) -> Run:
    """One ``python -m pytest`` of the project, timed from spawn to exit (what a user waits for)."""
    before = project.run_dirs()
    out_path = project.root / ".pytest-output.txt"
    with open(out_path, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            project.pytest_command(*args, python=python, paths=paths),
            cwd=project.root,
            env=project.env(**(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        if on_start is not None:
            on_start(proc)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by its handle
            proc.wait()
            raise SystemExit(f"pytest did not finish within {timeout:.0f}s; see {out_path}") from None
        wall = time.perf_counter() - started
    new = sorted(project.run_dirs() - before)
    return Run(wall, returncode, out_path.read_text(errors="replace"), new[-1] if new else None)


# Loaded into measured pytest runs with ``-p bench_timing`` (written into the project by
# ``write_timing_plugin``); it only reads clocks and counts Playwright's messages. Under xdist each
# worker writes its own file (``$BENCH_TIMINGS.<worker>``).


def child_command(module: str, *args: str) -> list[str]:
    """A child process running another benchmark module (``python -m benchmarks.<module>``)."""
    return [sys.executable, "-m", f"benchmarks.{module}", *args]


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: ours) with the repository importable, for a child started in another folder."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_rounds(names: list[str], one: Callable[[str, bool], None], warmup: int, repeat: int) -> None:
    """``one(name, measured)`` for every variant: ``warmup`` unmeasured rounds, then ``repeat``
    measured ones, the order rotated each round (no variant always runs first, or right after
    another), with a progress line after each round."""
    started = time.monotonic()
    for round_no in range(warmup):
        for name in names:
            one(name, False)
        print(f"  warm-up {round_no + 1}/{warmup} done ({time.monotonic() - started:.0f}s)", flush=True)
    for round_no in range(repeat):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            one(name, True)
        print(f"  round {round_no + 1}/{repeat} done ({time.monotonic() - started:.0f}s)", flush=True)


class CpuHog:
    """``count`` processes that each keep one CPU busy: a known share of load beside a
    benchmark, like other jobs on a shared host. Each hog is a session of its own, as another
    job is (Linux's autogroup scheduling shares the CPUs between sessions first, then between
    the threads of a session, so a hog in the benchmark's own session would only compete
    with the benchmark's pytest, not with a browser server started in a session of its own).
    Ended by their PIDs."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> CpuHog:
        for _ in range(self.count):
            self.procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True))
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()

    def describe(self) -> str:
        cpus = os.cpu_count() or 1
        if not self.count:
            return "no added load"
        return f"{self.count} CPU hog(s) beside it (busy loops, each its own session, nice 0, on {cpus} CPUs)"


def write_timing_plugin(folder: Path) -> None:
    shutil.copyfile(FILES / "bench_timing.py", folder / "bench_timing.py")


def read_timings(path: Path) -> list[dict]:
    """The records of a run: ``path`` itself (no xdist) or every worker's ``path.<worker>``."""
    records: list[dict] = []
    for candidate in sorted(path.parent.glob(path.name + "*")):
        records.extend(json.loads(candidate.read_text()))
    return records


def clear_timings(path: Path) -> None:
    for candidate in path.parent.glob(path.name + "*"):
        candidate.unlink()


# --- CPU of a process tree ------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for proc in psutil.process_iter(["ppid"]):
        if proc.info["ppid"] is not None:
            children.setdefault(proc.info["ppid"], []).append(proc.pid)
    return children


def _cpu_seconds(pid: int) -> tuple[float, float, str] | None:
    """(start time, user + system CPU seconds, name) of a process, or None if it is gone."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            times = proc.cpu_times()
            return proc.create_time(), times.user + times.system, proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def process_kind(pid: int) -> str:
    """What a process of a run is, for the CPU breakdown: a Chromium process by its ``--type``, a
    Node process of Playwright (the driver of a client, or the browser server), or Python."""
    try:
        proc = psutil.Process(pid)
        comm, argv = proc.name(), proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "?"
    if len(argv) == 1 and " --" in argv[0]:
        argv = argv[0].split(" ")  # Chromium rewrites its argv as one space-separated string
    argv0 = os.path.basename(argv[0]).lower() if argv else ""
    if "chrom" in comm.lower() or "headless_shell" in comm or "chrom" in argv0 or argv0 == "exe":
        kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), "browser")
        return f"chromium {'gpu' if kind == 'gpu-process' else kind}"
    if comm.startswith("node") or argv0 == "node":
        return "node (Playwright driver or server)"
    if comm.startswith("python") or argv0.startswith("python") or comm == "pytest":
        return "python"
    return "other"


def _enable_subreaper() -> bool:
    """Orphans of our runs (Chromium children whose parent ended first) become ours, so their CPU
    time reaches this process's RUSAGE_CHILDREN when they are reaped (PR_SET_CHILD_SUBREAPER)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_orphans(grace: float = 1.0) -> None:
    """Reap ended processes handed to us as subreaper (never waiting on one still running)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.05)


class CpuSampler:
    """CPU seconds of a process tree while it runs.

    Exact total: this process is a child subreaper, so every process of the run (also one orphaned
    when its parent ended first) is reaped by its parent or by us, and its CPU time reaches our
    ``RUSAGE_CHILDREN``; the total is that counter's growth from ``start()`` to ``stop()`` (call
    ``stop()`` after the run's root process has been waited for). By kind (approximate): every
    ``interval`` s the cumulative CPU time of each process descending from the roots (or from
    pids named by ``extra_roots()``, e.g. a browser server started in its own session) is read
    through psutil and its last reading counts, under the kind it last had; what a process uses in its
    last ``interval`` before it exits is missed, so the kinds add up to a little less than the total."""

    def __init__(self, interval: float = 0.1, extra_roots: Callable[[], set[int]] | None = None):
        self.interval = interval
        self.extra_roots = extra_roots or (lambda: set())
        self.roots: set[int] = set()
        self.last: dict[tuple[int, float], float] = {}
        self.kinds: dict[tuple[int, float], str] = {}
        self.comms: dict[tuple[int, float], str] = {}
        self.exact = _enable_subreaper()
        self.total = 0.0
        self._begin = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self, *roots: int) -> None:
        self._begin = _children_cpu()
        self.roots.update(roots)
        self._thread.start()

    def stop(self) -> float:
        """The run's CPU seconds (exact when the subreaper could be set, else the sampled sum)."""
        self._stop.set()
        self._thread.join()
        self.sample()
        reap_orphans()
        self.total = _children_cpu() - self._begin if self.exact else self.sampled_seconds
        return self.total

    @property
    def sampled_seconds(self) -> float:
        return sum(self.last.values())

    def by_kind(self) -> dict[str, float]:
        """Sampled CPU seconds per process kind (``process_kind``)."""
        totals: dict[str, float] = {}
        for key, seconds in self.last.items():
            kind = self.kinds.get(key, "?")
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

    def sample(self) -> None:
        children = _children_map()
        stack = list(self.roots | self.extra_roots())
        seen: set[int] = set()
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            reading = _cpu_seconds(pid)
            if reading is not None:
                key = (pid, reading[0])
                self.last[key] = reading[1]
                # Classified again whenever its name changes (exec after fork, a zygote child renaming
                # itself): the kind it ends as is the kind its CPU time counts for.
                if self.comms.get(key) != reading[2] or self.kinds.get(key, "?") in ("?", "chromium zygote"):
                    self.comms[key] = reading[2]
                    self.kinds[key] = process_kind(pid)
            stack.extend(children.get(pid, ()))

    def _loop(self) -> None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while not self._stop.wait(self.interval):
            self.sample()


def server_pids(state_dir: Path) -> set[int]:
    """The shared browser server(s) named in a run's state folder."""
    pids = set()
    for path in state_dir.glob("browser-*.json"):
        try:
            pids.add(int(json.loads(path.read_text())["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return pids


class DemoAppProcess:
    """The bundled demo app in a process of its own (``python -m runner.demo_app --port 0``), so
    every compared runner tests the same app and none of them pays for serving it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "runner.demo_app", "--port", "0"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if "http" not in line:
            self.stop()
            raise SystemExit(f"the demo app did not start: {line!r}")
        self.url = line.split(" at ", 1)[1].split()[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> DemoAppProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([fmt(headers), line, *(fmt(r) for r in rows)])


def clean_up(work: Path, keep: bool) -> None:
    """End of a successful benchmark: remove its temporary folder, or say where it was kept."""
    if keep:
        print(f"project and run folders kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
