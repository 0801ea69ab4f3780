"""Browser memory under xdist: one shared browser server for all workers against a browser per worker.

    .venv/bin/python -m benchmarks.browser_memory [--workers 2 4] [--scenarios 40] [--suite bench|example]

Mission target: one shared browser for all workers, using at most 0.6x the memory of a
browser per worker.

For each worker count W, the same suite runs twice with ``pytest -n W``: once with
``--browser-server shared`` (the default: one Playwright launch-server, every worker
connects to it) and once with ``--browser-server private`` (every worker launches its own
Chromium). The suite is ``features/bench.feature`` of a throwaway project (N identical
sign-ins on the bundled demo app; default 40), or with ``--suite example`` a copy of this
repository's example features. Each run gets its own ``E2E_STATE_DIR``, so the shared server
is started (and stopped) by that run.

While a run lasts, every ~200 ms the script lists the processes (psutil) and sums the memory of the Chromium
processes that descend from the pytest process it spawned or from the browser server named
in that run's state dir: PSS (psutil's ``memory_full_info``, from ``smaps_rollup``) (shared pages divided among
the processes that share them, so the sum is what the processes really take), RSS where
that is unreadable. A process counts as Chromium when
its ``comm`` or the file name of its ``argv[0]`` contains "chrom" or "headless_shell" (not
the whole command line: the launch-server's own Python and Node processes carry
``--browser chromium`` in theirs). The whole process tree (pytest, workers, Playwright's
Node drivers, launch-server) is summed too, for context. Chromium's crash handlers re-parent
themselves to init, so they are in neither sum (a few MiB per browser). The sampler thread
runs at nice 19 (reading smaps_rollup costs the kernel a few ms per Chromium process; the
"ms/sample" column says how much) and still slows a run down by roughly a quarter on 2 cores,
which stretches the run but hardly changes how many pages are open at once.

Printed per run: peak and mean of the Chromium sum (the mean over the samples in which at
least one Chromium process was alive), the peak number of Chromium processes, the peak of
the whole tree and the wall time; a breakdown of the peak sample by process type (Chromium's
browser, GPU, renderer, utility and zygote processes, by ``--type``; a child forked from the
zygote counts as "zygote" until it renames itself; Node and Python processes); then, per
W, shared/private ratios of the peaks and of the means. A ratio <= 0.6 meets the target. Then what
sharing can save at all: the peak samples split into renderers (one per open page; pages of
different browser contexts never share one, so they are the same in both modes) and the browser's
own processes (browser, GPU, utilities, zygotes: what sharing saves), with the best ratio sharing
could reach for those pages (one browser's own processes instead of W) and the floor (renderers
only). Last, how
many workers fit in CodeBuild's Linux instances (3, 7 and 15 GB): the whole tree's peak fitted as
base + W x per worker over the measured worker counts, within the memory less ``--os-mib``. Chromium processes of a run still alive after
it ended are reported (a leak) and ended by their PID. The script exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.bench_project import Project, clean_up, median, run_pytest, server_pids, table

CHROMIUM_NAMES = ("chrom", "headless_shell")


@dataclass
class Proc:
    pid: int
    ppid: int
    comm: str
    start_ticks: float  # the process's start time: a pid reused later is another process


def process_table() -> dict[int, Proc]:
    procs: dict[int, Proc] = {}
    for proc in psutil.process_iter(["ppid", "name", "create_time"]):
        info = proc.info
        if info["ppid"] is None or info["create_time"] is None:
            continue  # ended meanwhile
        procs[proc.pid] = Proc(proc.pid, info["ppid"], info["name"] or "", info["create_time"])
    return procs


def descendants(procs: dict[int, Proc], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found: set[int] = set()
    stack = [pid for pid in roots if pid in procs]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        argv = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []
    if len(argv) == 1 and " --" in argv[0]:
        argv = argv[0].split(" ")  # Chromium rewrites its argv as one space-separated string
    return argv


def classify(proc: Proc) -> tuple[bool, str]:
    """(is Chromium, label for the breakdown): the Chromium process type, or what else it is."""
    argv = cmdline(proc.pid)
    argv0 = os.path.basename(argv[0]).lower() if argv else ""
    # A Chromium child runs its own executable (as "exe") for a moment before its comm says what it is.
    relaunched = argv0 == "exe" and any(a.startswith("--type=") for a in argv)
    if relaunched or any(name in proc.comm.lower() or name in argv0 for name in CHROMIUM_NAMES):
        kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), "browser")
        sub = next((a.split("=", 1)[1] for a in argv if a.startswith("--utility-sub-type=")), "")
        if sub:
            kind = f"{kind} {sub.split('.')[0]}"
        return True, f"chromium {kind}"
    if "launch-server" in argv:
        return False, f"{proc.comm} (launch-server)"
    if "run-driver" in argv:
        return False, f"{proc.comm} (Playwright driver)"
    if "-c" in argv and "sys.stdin.readline()" in " ".join(argv):  # execnet's bootstrap
        return False, f"{proc.comm} (xdist worker)"
    if "pytest" in argv:
        return False, f"{proc.comm} (pytest)"
    return False, proc.comm


def memory_kib(pid: int) -> tuple[int, str] | None:
    """(KiB, "pss"|"rss") of one process, or None if it is gone or unreadable."""
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
    try:
        return proc.memory_full_info().pss // 1024, "pss"
    except (psutil.AccessDenied, psutil.ZombieProcess, AttributeError):
        pass
    except psutil.NoSuchProcess:
        return None
    try:
        return proc.memory_info().rss // 1024, "rss"
    except psutil.Error:
        return None


@dataclass
class Sampler:
    """Samples the Chromium memory of one run in a thread until stopped."""

    state_dir: Path
    interval: float = 0.2
    root_pid: int | None = None
    chromium_kib: list[int] = field(default_factory=list)  # per sample with Chromium alive
    chromium_counts: list[int] = field(default_factory=list)
    tree_kib: list[int] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    seen: dict[int, int] = field(default_factory=dict)  # chromium pid -> start ticks
    labels: dict[tuple[int, int, str], tuple[bool, str]] = field(default_factory=dict)
    peak_breakdown: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (count, KiB)
    samples: int = 0
    sample_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        # Reading smaps_rollup costs the kernel a few ms per Chromium process: at the lowest
        # priority, the sampler yields the CPU to the run it measures.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        next_at = time.monotonic()
        while not self._stop.is_set():
            started = time.perf_counter()
            self.sample()
            self.sample_seconds += time.perf_counter() - started
            next_at = max(next_at + self.interval, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def sample(self) -> None:
        procs = process_table()
        ours = descendants(procs, {self.root_pid, *server_pids(self.state_dir)} - {None})
        chromium_total, tree_total, count = 0, 0, 0
        breakdown: dict[str, tuple[int, int]] = {}
        for pid in ours:
            measured = memory_kib(pid)
            if measured is None:
                continue
            kib, kind = measured
            self.kinds.add(kind)
            tree_total += kib
            # Keyed with comm too: exec keeps the PID and start time but changes what runs.
            key = (pid, procs[pid].start_ticks, procs[pid].comm)
            chromium, label = self.labels.get(key) or classify(procs[pid])
            if label != procs[pid].comm:  # classified from a readable command line: keep it
                self.labels[key] = (chromium, label)
            n, total = breakdown.get(label, (0, 0))
            breakdown[label] = (n + 1, total + kib)
            if chromium:
                chromium_total += kib
                count += 1
                self.seen[pid] = procs[pid].start_ticks
        self.samples += 1
        self.tree_kib.append(tree_total)
        if count:
            if chromium_total > max(self.chromium_kib, default=0):
                self.peak_breakdown = breakdown
            self.chromium_kib.append(chromium_total)
            self.chromium_counts.append(count)

    def survivors(self, grace: float = 10.0) -> list[Proc]:
        """Chromium processes of this run still alive (same PID and start time) ``grace`` s after it ended."""
        deadline = time.monotonic() + grace
        while True:
            procs = process_table()
            alive = [
                procs[pid]
                for pid, ticks in self.seen.items()
                if pid in procs and procs[pid].start_ticks == ticks
            ]
            if not alive or time.monotonic() >= deadline:
                return alive
            time.sleep(0.2)


@dataclass
class Result:
    mode: str
    workers: int
    peak_mib: float
    mean_mib: float
    peak_processes: int
    tree_peak_mib: float
    wall_seconds: float
    samples: int
    sample_ms: float
    kinds: str
    leaked: int
    breakdown: dict[str, tuple[int, int]]


def measure(project: Project, workers: int, mode: str, interval: float, browser_args: str = "") -> Result:
    state_dir = Path(tempfile.mkdtemp(prefix="state-", dir=project.root))
    project.state_dir = state_dir
    sampler = Sampler(state_dir=state_dir, interval=interval)
    try:
        run = run_pytest(
            project,
            ["-n", str(workers), "--browser-server", mode],
            env={"E2E_BROWSER_ARGS": browser_args} if browser_args else None,
            on_start=lambda proc: sampler.start(proc.pid),
        )
    finally:
        sampler.stop()
    run.check(f"pytest -n {workers} --browser-server {mode}")
    summary = run.run_json()
    if summary["status"] != "passed":
        raise SystemExit(f"the run did not pass: {run.run_dir}")
    leaked = sampler.survivors()
    for proc in leaked:
        # Chromium processes this run started and left behind: ours to end, by PID.
        print(f"  left running after the run: pid {proc.pid} {proc.comm} (parent {proc.ppid}); ending it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    if not sampler.chromium_kib:
        raise SystemExit(f"no Chromium process was seen during the run (mode {mode}, -n {workers})")
    return Result(
        mode=mode,
        workers=workers,
        peak_mib=max(sampler.chromium_kib) / 1024,
        mean_mib=statistics.fmean(sampler.chromium_kib) / 1024,
        peak_processes=max(sampler.chromium_counts),
        tree_peak_mib=max(sampler.tree_kib) / 1024,
        wall_seconds=run.wall_seconds,
        samples=len(sampler.chromium_kib),
        sample_ms=1000 * sampler.sample_seconds / max(1, sampler.samples),
        kinds="+".join(sorted(sampler.kinds)),
        leaked=len(leaked),
        breakdown=sampler.peak_breakdown,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2, 4], help="xdist worker counts (default 2 4)"
    )
    parser.add_argument(
        "--scenarios", type=int, default=40, help="scenarios of the bench feature (default 40)"
    )
    parser.add_argument(
        "--suite",
        choices=("bench", "example"),
        default="bench",
        help="bench: the N identical sign-ins (default); example: a copy of this repository's features/",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every (W, mode); medians (default 1)")
    parser.add_argument(
        "--browser-args",
        default="",
        help="extra Chromium flags for both modes (E2E_BROWSER_ARGS), e.g. --in-process-gpu",
    )
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples (default 0.2)")
    parser.add_argument(
        "--os-mib",
        type=float,
        default=600.0,
        help="memory of a CodeBuild instance left to the OS, Docker and the agent (default 600 MiB)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary project (run folders, evidence)"
    )
    args = parser.parse_args()
    if args.scenarios < 1 or args.repeat < 1 or any(w < 1 for w in args.workers):
        parser.error("--scenarios, --repeat and --workers must be >= 1")

    work = Path(tempfile.mkdtemp(prefix="e2e-bench-memory-"))
    project = Project(work / "project", scenarios=args.scenarios, example_suite=args.suite == "example")
    suite = "the example features" if args.suite == "example" else f"{args.scenarios} sign-in scenarios"
    print(
        f"{suite}; pytest -n W with W in {args.workers}; shared vs private; {args.repeat} run(s) each",
        flush=True,
    )
    # Warm-up (unmeasured): bytecode, disk and font caches, so the first measured run is not special.
    run_pytest(project, ["-k", "001 or home", "-n", "1"]).check("warm-up run")

    results: dict[tuple[int, str], list[Result]] = {}
    started = time.monotonic()
    for round_no in range(args.repeat):
        for workers in args.workers:
            modes = ("shared", "private") if round_no % 2 == 0 else ("private", "shared")
            for mode in modes:
                result = measure(project, workers, mode, args.interval, args.browser_args)
                results.setdefault((workers, mode), []).append(result)
                print(
                    f"  -n {workers} {mode:7}: peak {result.peak_mib:7.1f} MiB, mean {result.mean_mib:7.1f} MiB "
                    f"({time.monotonic() - started:.0f}s)",
                    flush=True,
                )

    rows = []
    for workers in args.workers:
        for mode in ("shared", "private"):
            rs = results[(workers, mode)]
            rows.append(
                [
                    f"-n {workers} {mode}",
                    f"{median(r.peak_mib for r in rs):.1f}",
                    f"{median(r.mean_mib for r in rs):.1f}",
                    str(max(r.peak_processes for r in rs)),
                    f"{median(r.tree_peak_mib for r in rs):.1f}",
                    f"{median(r.wall_seconds for r in rs):.1f}",
                    str(sum(r.samples for r in rs)),
                    f"{median(r.sample_ms for r in rs):.0f}",
                    "/".join(sorted({r.kinds for r in rs})),
                    str(sum(r.leaked for r in rs)),
                ]
            )
    print()
    print(
        table(
            [
                "run",
                "Chromium peak MiB",
                "Chromium mean MiB",
                "max procs",
                "whole tree peak MiB",
                "wall s",
                "samples",
                "ms/sample",
                "measure",
                "left running",
            ],
            rows,
        )
    )
    print()
    print("Where the memory is, at each run's Chromium peak (processes x MiB; first run of each kind):")
    runs = [(w, m) for w in args.workers for m in ("shared", "private")]
    labels = sorted(
        {label for key in runs for label in results[key][0].breakdown},
        key=lambda label: (not label.startswith("chromium"), label),
    )
    breakdown_rows = []
    for label in labels:
        cells = []
        for key in runs:
            n, kib = results[key][0].breakdown.get(label, (0, 0))
            cells.append(f"{n} x {kib / 1024 / n:.0f} = {kib / 1024:.0f}" if n else "-")
        breakdown_rows.append([label, *cells])
    print(table(["process", *(f"-n {w} {m}" for w, m in runs)], breakdown_rows))
    print()
    ratio_rows = []
    for workers in args.workers:
        shared, private = results[(workers, "shared")], results[(workers, "private")]
        peak = median(r.peak_mib for r in shared) / median(r.peak_mib for r in private)
        mean = median(r.mean_mib for r in shared) / median(r.mean_mib for r in private)
        tree = median(r.tree_peak_mib for r in shared) / median(r.tree_peak_mib for r in private)
        verdict = "met" if peak <= 0.6 else "NOT met"
        ratio_rows.append([f"-n {workers}", f"{peak:.2f}x", f"{mean:.2f}x", f"{tree:.2f}x", verdict])
    print(
        table(
            [
                "workers",
                "shared/private peak",
                "shared/private mean",
                "whole tree peak",
                "target <= 0.6x (peak)",
            ],
            ratio_rows,
        )
    )
    print(
        "MiB = 1024 KiB of PSS (RSS where smaps_rollup is unreadable); figures are medians over --repeat runs"
    )
    print_bound(results, args.workers)
    print_codebuild_fit(results, args.workers, args.os_mib)
    clean_up(work, args.keep)


def _split(breakdown: dict[str, tuple[int, int]]) -> tuple[float, float, int]:
    """(renderers' MiB, the browser's own processes' MiB, renderer count) of a peak sample's Chromium."""
    renderers = own = 0
    count = 0
    for label, (n, kib) in breakdown.items():
        if label == "chromium renderer":
            renderers, count = renderers + kib, count + n
        elif label.startswith("chromium"):
            own += kib
    return renderers / 1024, own / 1024, count


def print_bound(results: dict[tuple[int, str], list[Result]], workers: list[int]) -> None:
    """Why the ratio is what it is, from the peak samples' breakdown (first run of each kind): the
    renderers (one per open page: a page of another browser context never shares one) are the same
    whatever the browser mode; sharing saves only the browser's own processes (browser, GPU,
    utilities, zygotes). Best case, for the private run's pages: the shared browser's own processes no
    bigger than one private browser's, ratio = (private renderers + private own / W) / private total;
    floor: own processes free, ratio = private renderers / private total."""
    print()
    print("What sharing can save, at the Chromium peak (first run of each kind), MiB:")
    rows = []
    for w in workers:
        s_rend, s_own, s_count = _split(results[(w, "shared")][0].breakdown)
        p_rend, p_own, p_count = _split(results[(w, "private")][0].breakdown)
        p_total = p_rend + p_own
        rows.append(
            [
                f"-n {w}",
                f"{s_count} x {s_rend / max(1, s_count):.0f} = {s_rend:.0f}",
                f"{p_count} x {p_rend / max(1, p_count):.0f} = {p_rend:.0f}",
                f"{s_own:.0f}",
                f"{p_own:.0f} ({p_own / w:.0f} per browser)",
                f"{(s_rend + s_own) / p_total:.2f}x",
                f"{(p_rend + p_own / w) / p_total:.2f}x",
                f"{p_rend / p_total:.2f}x",
            ]
        )
    headers = [
        "workers",
        "renderers shared",
        "renderers private",
        "own processes shared",
        "own processes private",
        "ratio (these samples)",
        "best: one private browser's own",
        "floor: renderers only",
    ]
    print(table(headers, rows))
    print(
        "own processes: Chromium's browser, GPU, utility and zygote processes; renderers: one per open page, "
        "never shared between browser contexts, so they bound the ratio from below whatever the browser mode"
    )


# CodeBuild's Linux instances (general1): name, vCPUs, memory in GB (as CodeBuild states it: GiB).
CODEBUILD = (("small", 2, 3), ("medium", 4, 7), ("large", 8, 15))


def print_codebuild_fit(
    results: dict[tuple[int, str], list[Result]], workers: list[int], os_mib: float
) -> None:
    """Workers that fit in CodeBuild's instances: the whole tree's peak (Chromium, Node, Python),
    fitted as base + W x per-worker over the measured worker counts, within the instance's memory
    less ``os_mib`` for the OS, Docker and CodeBuild's agent."""
    counts = sorted(set(workers))
    print()
    if len(counts) < 2:
        print("(workers that fit in CodeBuild: measure at least two worker counts, e.g. --workers 2 4)")
        return
    rows = []
    for mode in ("shared", "private"):
        points = [(w, median(r.tree_peak_mib for r in results[(w, mode)])) for w in counts]
        mean_w = statistics.fmean(w for w, _ in points)
        mean_m = statistics.fmean(m for _, m in points)
        per = sum((w - mean_w) * (m - mean_m) for w, m in points) / sum((w - mean_w) ** 2 for w, _ in points)
        base = mean_m - per * mean_w
        fits = [max(0, int((gib * 1024 - os_mib - base) // per)) if per > 0 else 0 for _, _, gib in CODEBUILD]
        rows.append([mode, f"{base:.0f}", f"{per:.0f}", *(str(f) for f in fits)])
    print(
        f"Workers that fit in CodeBuild (whole tree peak = base + W x per worker, fitted over -n {counts}; "
        f"{os_mib:.0f} MiB left to the OS, Docker and the build agent):"
    )
    headers = [
        "browser",
        "base MiB",
        "per worker MiB",
        *(f"{name} {gib} GB ({cpus} vCPU)" for name, cpus, gib in CODEBUILD),
    ]
    print(table(headers, rows))
    print(
        "the pages here are small: an app's heavier pages raise the per-worker figure (measure with --suite example, "
        "or on your own suite)"
    )


if __name__ == "__main__":
    main()
