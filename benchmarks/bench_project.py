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

ROOT = Path(__file__).resolve().parents[1]

# This checkout's venv also holds the runner's dev extras (pyproject: hypothesis, pytest-timeout), which
# an installed runner does not have; their pytest plugins cost every process of a run about a second
# (hypothesis's import and its terminal summary). Runs with this venv's Python turn them off.
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
    Given I open "{path}"
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


class Project:
    """A user-like project folder under ``root``; ``features`` holds the chosen suite (see the module)."""

    def __init__(
        self,
        root: Path,
        scenarios: int = 20,
        example_suite: bool = False,
        suite: str = "signin",
        fail_every: int = 50,
    ):
        self.root = root
        self.suite = "example" if example_suite else suite
        root.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "e2e-benchmark"\nversion = "0"\n\n'
            '[tool.e2e]\nbase_url = "demo"\nviewport = "1920x1080"\n'
        )
        shutil.copytree(ROOT / "steps", root / "steps", ignore=shutil.ignore_patterns("__pycache__"))
        if self.suite == "example":
            shutil.copytree(ROOT / "features", root / "features")
        elif self.suite in ("signin", "pages"):
            (root / "features").mkdir()
            text = (
                bench_feature(scenarios) if self.suite == "signin" else pages_feature(scenarios, fail_every)
            )
            (root / "features" / "bench.feature").write_text(text, encoding="utf-8")
        else:
            raise ValueError(f"unknown suite {suite!r}: signin, pages or example")
        self.state_dir = root / ".e2e-state"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "PYTEST_", "CODEBUILD_"))}
        env["E2E_STATE_DIR"] = str(self.state_dir)
        env.update(extra)
        return env

    def run_dirs(self) -> set[Path]:
        reports = self.root / "reports"
        if not reports.is_dir():
            return set()
        return {p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()}

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
TIMING_PLUGIN = '''"""Benchmark instrument: per item, the time pytest spends on it and the messages Playwright sends."""

import json
import os
import time

import pytest

_phases = {}
_records = []
_sent = {"count": 0}


def _count_messages():
    """Every message the Python client sends to Playwright's driver (one round trip each, except
    the fire-and-forget ones), counted where the client sends them."""
    try:
        from playwright._impl import connection
    except ImportError:  # older Playwright
        try:
            from playwright._impl import _connection as connection
        except ImportError:
            return
    original = connection.Connection.send_message_to_server

    def counting(self, obj, method, params, *args, **kwargs):
        # Through a browser server (connect()), each message of the remote connection also goes
        # through the local driver as a JsonPipe.send: counted once, as the message it carries.
        if obj._type != "JsonPipe":
            _sent["count"] += 1
        return original(self, obj, method, params, *args, **kwargs)

    connection.Connection.send_message_to_server = counting


_count_messages()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    started, sent = time.perf_counter(), _sent["count"]
    yield
    record = {"id": item.nodeid, "cycle": time.perf_counter() - started, "messages": _sent["count"] - sent}
    record.update(_phases.pop(item.nodeid, {}))
    _records.append(record)


def pytest_runtest_logreport(report):
    _phases.setdefault(report.nodeid, {})[report.when] = report.duration
    if report.failed:
        _phases[report.nodeid]["failed"] = True


def pytest_sessionfinish(session):
    path = os.environ.get("BENCH_TIMINGS")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if path and (_records or worker is None):
        with open(f"{path}.{worker}" if worker else path, "w") as fh:
            json.dump(_records, fh)
'''


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


def write_timing_plugin(folder: Path) -> None:
    (folder / "bench_timing.py").write_text(TIMING_PLUGIN)


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
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _cpu_ticks(pid: int) -> tuple[int, int, str] | None:
    """(start time, utime + stime, comm) of a process (times in clock ticks), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[19]), int(fields[11]) + int(fields[12]), stat[stat.find("(") + 1 : stat.rfind(")")]


def process_kind(pid: int) -> str:
    """What a process of a run is, for the CPU breakdown: a Chromium process by its ``--type``, a
    Node process of Playwright (the driver of a client, or the browser server), or Python."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    argv = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
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
    from /proc and its last reading counts, under the kind it last had; what a process uses in its
    last ``interval`` before it exits is missed, so the kinds add up to a little less than the total."""

    def __init__(self, interval: float = 0.1, extra_roots: Callable[[], set[int]] | None = None):
        self.interval = interval
        self.extra_roots = extra_roots or (lambda: set())
        self.roots: set[int] = set()
        self.last: dict[tuple[int, int], int] = {}
        self.kinds: dict[tuple[int, int], str] = {}
        self.comms: dict[tuple[int, int], str] = {}
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
        return sum(self.last.values()) / CLOCK_TICKS

    def by_kind(self) -> dict[str, float]:
        """Sampled CPU seconds per process kind (``process_kind``)."""
        totals: dict[str, float] = {}
        for key, ticks in self.last.items():
            kind = self.kinds.get(key, "?")
            totals[kind] = totals.get(kind, 0.0) + ticks / CLOCK_TICKS
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
            ticks = _cpu_ticks(pid)
            if ticks is not None:
                key = (pid, ticks[0])
                self.last[key] = ticks[1]
                # Classified again whenever its name changes (exec after fork, a zygote child renaming
                # itself): the kind it ends as is the kind its CPU time counts for.
                if self.comms.get(key) != ticks[2] or self.kinds.get(key, "?") in ("?", "chromium zygote"):
                    self.comms[key] = ticks[2]
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
