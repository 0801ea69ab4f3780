"""CodeBuild minutes, predicted: wall time, billed build minutes and cost of a suite of N scenarios
on CodeBuild's 2-, 4- and 8-vCPU Linux instances, in one build or in a batch of K shards and a
merge, from per-scenario times and CPU measured here; the model checked against runs here.

    .venv/bin/python -m benchmarks.codebuild_minutes [--scenarios 500] [--shards 2 4]
    .venv/bin/python -m benchmarks.codebuild_minutes --run-dir reports/<run>   # inputs from a run folder
        (and the shard plan of its scenarios' durations: each shard's planned seconds, the
        slowest shard's against whole feature files per shard)

Inputs (measured unless given):

- **Per scenario**, from two calibration runs at ``-n 1`` of the generated suite of
  ``benchmarks/bench_project.py`` (``pages``: open an unknown page, check its heading; 1 in 50
  fails) with Na and Nb scenarios (default 12 and 36), each ``e2e run --no-report --no-publish``
  (the buildspec's command, the report timed apart): ``t``, the wall time of a passing
  scenario, is the mean time pytest spends on a passing item (the timing plugin's
  ``pytest_runtest_protocol``: setup, call, teardown) over both runs; the fixed part of a run
  (start, collection, browser connection, end-of-run files) is a run's wall time less its
  items' (at ``-n 1`` they run one after another), averaged; ``c``, the CPU time of a scenario
  (whole process tree: pytest, Playwright's Node, the browser server, every Chromium process),
  is the slope of a line through the two runs' CPU seconds. A failing scenario adds its wait
  (its item's time beyond ``t`` when the calibration runs have failures, else ``--fail-wait``,
  default 5 s: Playwright's expect timeout, the runner's default), idle, to its worker.
  The calibration runs share the machine: ``t`` holds whatever CPU contention they met (the
  load of others is printed). With ``--run-dir``: ``t`` is the median ``duration_seconds``
  of the passing scenarios of that run.json (the call phase only, so ``--teardown`` is added)
  and ``c = t * --cpu-ratio`` (CPU per wall second of a scenario alone, default 1.0); the
  report, publish and merge figures are then fixed guesses (5 s + 20 ms per scenario, ...),
  not measurements: calibrate here for those.
- **Report**: ``e2e report`` of the two calibration run folders and of their merge (Na + Nb
  scenarios: the two calibration projects name their feature files apart, so the merge is a
  real one), fitted as a line in N (least squares over the three points).
- **Merge**: ``e2e merge --no-report`` of the two calibration runs, per scenario.
- **Publish**: ``e2e publish --to DIR`` (the local target) of the calibration runs, fitted as a
  line in N, plus the report's bytes (fitted) at ``--upload-mbps`` to S3 and ``--request-ms``
  per request (16 at once, as the publish sends them: ``UPLOAD_CONCURRENCY``).
- **Image**: pull time = the size of ``docker image inspect e2e-runner:test`` (``--image-mb``
  overrides it; without the image, ``DEFAULT_IMAGE_MB`` = 955 MB, the image's size when issue 12
  was filed, and the output says so)
  x ``--compressed`` (the share of the image a registry sends, default 0.4: layers are gzip'd)
  at ``--pull-mbps`` (default 50 MB/s from ECR in the same region), plus extraction at
  ``--extract-mbps`` (default 100 MB/s of the uncompressed size). No image cache is assumed
  (CodeBuild on-demand hosts start without the image).

The model (assumptions, each a flag):

- A build: ``--provision`` s (default 30; PROVISIONING of a host) + image pull + ``--source`` s
  (DOWNLOAD_SOURCE, default 5) + browser start (``e2e browser start`` in pre_build, measured) +
  run + report (build phase: ``e2e run --no-publish -n W``) + publish (post_build) +
  ``--finalize`` s (UPLOAD_ARTIFACTS, test reports, FINALIZING; default 10). Billed: each build's
  duration rounded up to whole minutes (CodeBuild on-demand bills from submission to the end,
  rounded up; queueing assumed nil), at the us-east-1 on-demand prices of general1 Linux x86
  (``INSTANCES``): small 2 vCPU / 3 GB $0.005, medium 4 vCPU / 7 GB $0.01, large 8 vCPU /
  15 GB $0.02 per minute.
- Run at W workers on V vCPUs of the same speed as a core here (``--cpu-speed`` scales): the
  run takes ``fixed + N c / min(W p, V) + F fail_wait / W`` with F = the failing scenarios: the
  scenarios' CPU time at the rate the run gets (one worker keeps at most p CPUs busy: its Python,
  Playwright's Node and Chromium's browser, GPU and renderer processes work at once), and each
  failure's wait idling its worker. p = c/t of the calibration runs unless others' load limited
  them (their free CPUs < 1.25 c/t); then ``--worker-cpus`` (default 1.8: a -n 1 run of 50
  scenarios here on an idle machine kept 1.8 CPUs busy). W is
  the fewest workers within 5% of the best that fit in memory: ``--base-mib`` (the shared
  browser, the controller) + W x ``--worker-mib`` (a worker, its Playwright driver, its
  contexts' renderers; defaults: the whole-tree fit of ``benchmarks/browser_memory.py`` here,
  shared browser, 1920x1080) within the instance's memory less ``--os-mib`` (the OS and
  CodeBuild's agent, default 600). The fixed part is taken as the same at every W (xdist's
  workers start in parallel).
- A batch of K shards: K shard builds at once (each N/K scenarios, whole feature files, assumed
  balanced; no report; post_build stashes its run folder: its bytes at ``--upload-mbps``), then
  the merge build (fetch the K stashes, merge, report and publish the whole run, no browser);
  ``--batch-overhead`` s (default 20) for the batch to start its builds. Wall = overhead + the
  slowest shard + the merge; billed = K shard builds + the merge, each rounded up.

The check: the calibrated model predicts runs here at ``-n 1`` and ``-n 2`` of ``--check``
scenarios (default 50: one fails); they are then run and measured. This machine is shared: the CPUs the
run gets are measured (psutil's ``cpu_times``: busy time of all CPUs less the run's own, as the load of
others) and V is the machine's CPUs less that load. Printed: predicted against measured.

Every figure is a model output, not a CodeBuild measurement: the fixed phases (provisioning,
pull bandwidth, source, finalize) are stated assumptions; the per-scenario figures are
measured. The script exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.bench_project import (
    DEV_PLUGINS_OFF,
    ROOT,
    CpuSampler,
    DemoAppProcess,
    Project,
    clean_up,
    clear_timings,
    read_timings,
    server_pids,
    table,
    write_timing_plugin,
)
from runner.publish.target import UPLOAD_CONCURRENCY
from tests.support import E2E

# The image's uncompressed size when issue 12 was filed (954.6 MB): the pull time's input when
# there is no image to inspect and no --image-mb.
DEFAULT_IMAGE_MB = 955.0

# name, vCPUs, memory GiB, USD per build minute (us-east-1, on-demand, general1 Linux x86)
INSTANCES = (
    ("BUILD_GENERAL1_SMALL", 2, 3, 0.005),
    ("BUILD_GENERAL1_MEDIUM", 4, 7, 0.01),
    ("BUILD_GENERAL1_LARGE", 8, 15, 0.02),
)


# --- measuring here ------------------------------------------------------------------------------------
def busy_seconds() -> float:
    """CPU seconds all CPUs of this machine have been busy (user, nice, system, irq, softirq, steal)."""
    cpu = psutil.cpu_times()
    return cpu.user + cpu.nice + cpu.system + cpu.irq + cpu.softirq + cpu.steal


@dataclass
class Measured:
    wall: float
    cpu: float
    others: float  # CPUs busy with other work during the run
    per_item: float  # median time per passing item (timing plugin)
    run_dir: Path | None
    passed: list[float]  # each passing item's time in pytest (timing plugin: setup + call + teardown)
    failed: list[float]  # each failing item's


def timed(
    cmd: list[str], cwd: Path, env: dict[str, str], state_dir: Path | None = None
) -> tuple[float, float, float]:
    """(wall s, CPU s of its tree, CPUs others kept busy meanwhile) of one command."""
    sampler = CpuSampler(extra_roots=lambda: server_pids(state_dir) if state_dir else set())
    busy0 = busy_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler.start(proc.pid)
    output, _ = proc.communicate(timeout=1800)
    wall = time.perf_counter() - started
    cpu = sampler.stop()
    others = max(0.0, (busy_seconds() - busy0 - cpu) / wall)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{output[-3000:]}")
    return wall, cpu, others


def run_suite(project: Project, workers: int, url: str, chromium: str | None) -> Measured:
    """``e2e run --no-report --no-publish -n W`` (the buildspec's command, its report timed apart)."""
    timings = project.root / ".bench-timings.json"
    clear_timings(timings)
    before = project.run_dirs()
    env = project.env(E2E_BASE_URL=url, BENCH_TIMINGS=str(timings))
    if chromium:
        env["E2E_CHROMIUM"] = chromium
    cmd = [
        E2E,
        "run",
        "--no-report",
        "--no-publish",
        "-n",
        str(workers),
        *DEV_PLUGINS_OFF,
        "-p",
        "bench_timing",
    ]
    wall, cpu, others = timed(cmd, project.root, env, project.state_dir)
    new = sorted(project.run_dirs() - before)
    records = read_timings(timings)
    passed = [r["cycle"] for r in records if not r.get("failed")]
    failed = [r["cycle"] for r in records if r.get("failed")]
    run_dir = new[-1] if new else None
    return Measured(wall, cpu, others, statistics.median(passed), run_dir, passed, failed)


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(intercept, slope) of the straight line through two or more (x, y) points (least squares)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - slope * mx, slope


def rising(points: list[tuple[float, float]]) -> tuple[float, float]:
    """``fit`` for what cannot shrink as N grows: a slope below 0 (noise between two small runs) is
    taken as 0 and the intercept as the mean."""
    intercept, slope = fit(points)
    return (intercept, slope) if slope >= 0 else (statistics.fmean(y for _, y in points), 0.0)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def image_mb(name: str) -> float | None:
    if not shutil.which("docker"):
        return None
    try:
        out = subprocess.run(
            ["docker", "image", "inspect", name, "--format", "{{.Size}}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0 or not out.stdout.strip().isdigit():
        return None
    return int(out.stdout.strip()) / 1e6


def image_size(args) -> tuple[float, str]:
    """(MB, where the figure came from): --image-mb, the image's own size, or the stated default."""
    if args.image_mb:
        return args.image_mb, "--image-mb"
    inspected = image_mb(args.image)
    if inspected is not None:
        return inspected, f"docker image inspect {args.image}"
    return DEFAULT_IMAGE_MB, f"no image {args.image} here: the default --image-mb {DEFAULT_IMAGE_MB:.0f}"


# --- the model ---------------------------------------------------------------------------------------------
@dataclass
class Inputs:
    t: float  # wall s of a passing scenario alone (at the calibration's load)
    p: float  # CPUs one worker keeps busy at most (Python, Node, Chromium's processes at once)
    c: float  # CPU s of a passing scenario
    fixed: float  # wall s of a run's fixed part
    fixed_cpu: float
    fail_wait: float
    fail_rate: float
    browser_start: float
    report: tuple[float, float]  # s = a + b N
    publish_local: tuple[float, float]
    report_bytes: tuple[float, float]
    run_bytes: tuple[float, float]  # the run folder (a shard's stash)
    merge: tuple[float, float]


@dataclass
class Assumptions:
    provision: float
    source: float
    finalize: float
    batch_overhead: float
    pull_mbps: float
    extract_mbps: float
    compressed: float
    image_mb: float
    upload_mbps: float
    request_ms: float
    base_mib: float
    worker_mib: float
    os_mib: float
    cpu_speed: float

    @property
    def pull(self) -> float:
        return self.image_mb * self.compressed / self.pull_mbps + self.image_mb / self.extract_mbps


def run_seconds(inp: Inputs, n: int, workers: int, vcpus: float) -> float:
    """The suite's run (the pytest part): fixed + every scenario's CPU time c at the CPU rate the run
    gets (W workers keep at most W x p CPUs busy, and there are V) + every failure's idle wait,
    spread over the W workers."""
    failures = n * inp.fail_rate
    return inp.fixed + n * inp.c / min(workers * inp.p, vcpus) + failures * inp.fail_wait / workers


def fit_workers(memory_gib: float, a: Assumptions) -> int:
    usable = memory_gib * 1024 - a.os_mib - a.base_mib
    return max(1, int(usable // a.worker_mib))


def upload_seconds(nbytes: float, requests: float, a: Assumptions) -> float:
    return nbytes / 1e6 / a.upload_mbps + requests * a.request_ms / 1000 / UPLOAD_CONCURRENCY


@dataclass
class Plan:
    instance: str
    vcpus: int
    memory: int
    price: float
    shards: int
    workers: int
    wall: float
    billed_minutes: int
    cost: float
    phases: dict[str, float]


def plan(inp: Inputs, a: Assumptions, n: int, instance: tuple, shards: int) -> Plan:
    name, vcpus, memory, price = instance
    v = vcpus * a.cpu_speed
    cap = fit_workers(memory, a)
    per_shard = math.ceil(n / shards)
    # The fewest workers (that fit in memory) within 5% of the fastest count: past W p = V, more workers
    # only overlap the failures' idle waits, while each costs memory and its own start (not modelled).
    best = min(run_seconds(inp, per_shard, w, v) for w in range(1, cap + 1))
    workers = next(w for w in range(1, cap + 1) if run_seconds(inp, per_shard, w, v) <= best * 1.05)
    common = {"provision": a.provision, "image pull": a.pull, "source": a.source}
    publish = (
        inp.publish_local[0]
        + inp.publish_local[1] * n
        + upload_seconds(inp.report_bytes[0] + inp.report_bytes[1] * n, 6, a)  # one file + index pages
    )
    report = inp.report[0] + inp.report[1] * n
    if shards == 1:
        phases = {
            **common,
            "browser start": inp.browser_start,
            "run": run_seconds(inp, n, workers, v),
            "report": report,
            "publish": publish,
            "finalize": a.finalize,
        }
        seconds = sum(phases.values())
        billed = math.ceil(seconds / 60)
        return Plan(name, vcpus, memory, price, 1, workers, seconds, billed, billed * price, phases)
    shard = {
        **common,
        "browser start": inp.browser_start,
        "run": run_seconds(inp, per_shard, workers, v),
        "stash": upload_seconds(inp.run_bytes[0] + inp.run_bytes[1] * per_shard, per_shard * 4, a),
        "finalize": a.finalize,
    }
    merge = {
        **common,
        "fetch stashes": upload_seconds(inp.run_bytes[0] * shards + inp.run_bytes[1] * n, n * 4, a),
        "merge": inp.merge[0] + inp.merge[1] * n,
        "report": report,
        "publish": publish,
        "finalize": a.finalize,
    }
    shard_s, merge_s = sum(shard.values()), sum(merge.values())
    wall = a.batch_overhead + shard_s + merge_s
    billed = shards * math.ceil(shard_s / 60) + math.ceil(merge_s / 60)
    phases = {f"shard {k}": s for k, s in shard.items()} | {f"merge {k}": s for k, s in merge.items()}
    return Plan(name, vcpus, memory, price, shards, workers, wall, billed, billed * price, phases)


# --- main ------------------------------------------------------------------------------------------------
def calibration_run(args, work: Path, url: str, n: int) -> dict:
    """One -n 1 run of n scenarios (its feature file named apart, so two runs merge), its report
    and its local publish, timed."""
    project = Project(work / f"cal-{n}", n, suite="pages", fail_every=args.fail_every)
    (project.root / "features" / "bench.feature").rename(project.root / "features" / f"bench_{n}.feature")
    write_timing_plugin(project.root)
    measured = run_suite(project, 1, url, args.chromium)
    if measured.run_dir is None:
        raise SystemExit(f"the calibration run of {n} scenarios made no run folder")
    report_wall, _, _ = timed([E2E, "report", str(measured.run_dir)], project.root, project.env())
    publish_wall, _, _ = timed(
        [E2E, "publish", str(measured.run_dir), "--to", str(work / f"site-{n}")], project.root, project.env()
    )
    report_bytes = folder_bytes(measured.run_dir / "report")
    print(
        f"  calibration -n 1, {n} scenarios: run {measured.wall:.1f}s (CPU {measured.cpu:.1f}s, "
        f"others kept {measured.others:.2f} CPUs busy), report {report_wall:.1f}s, publish {publish_wall:.1f}s",
        flush=True,
    )
    return {
        "measured": measured,
        "report": report_wall,
        "publish": publish_wall,
        "report_bytes": report_bytes,
        "run_bytes": folder_bytes(measured.run_dir) - report_bytes,
        "project": project,
    }


def merge_and_report(work: Path, first: dict, second: dict) -> tuple[float, float]:
    """(merge s, report s) of the two calibration runs merged: ``e2e merge --no-report``, then
    ``e2e report`` of the merged run folder."""
    project = second["project"]
    merged_dir = work / "merged"
    env = project.env(E2E_REPORTS_DIR=str(merged_dir))
    dirs = [str(first["measured"].run_dir), str(second["measured"].run_dir)]
    merge_wall, _, _ = timed([E2E, "merge", "--no-report", *dirs], project.root, env)
    made = [d for d in merged_dir.iterdir() if (d / "run.json").is_file()] if merged_dir.is_dir() else []
    if not made:
        raise SystemExit("e2e merge of the calibration runs made no run folder")
    report_wall, _, _ = timed([E2E, "report", str(made[0])], project.root, project.env())
    return merge_wall, report_wall


def calibrate(args, work: Path, url: str) -> tuple[Inputs, float]:
    """Two -n 1 runs (Na, Nb), their reports, publishes, their merge and its report: the inputs,
    and the load of others."""
    na, nb = args.calibrate
    runs = {n: calibration_run(args, work, url, n) for n in (na, nb)}
    merge_wall, merged_report = merge_and_report(work, runs[na], runs[nb])
    print(f"  merge of the two: {merge_wall:.1f}s, its report ({na + nb} scenarios) {merged_report:.1f}s")

    # The time of a scenario: the mean time pytest spends on a passing item (the timing plugin), both runs;
    # a failure's wait: its item's time beyond that (--fail-wait when the calibration runs have none);
    # the fixed part of a run: its wall time less its items' (at -n 1 they run one after another).
    measured = [runs[n]["measured"] for n in (na, nb)]
    t = statistics.fmean(x for m in measured for x in m.passed)
    failed = [x for m in measured for x in m.failed]
    fail_wait = statistics.fmean(failed) - t if failed else args.fail_wait
    fixed = statistics.fmean(m.wall - sum(m.passed) - sum(m.failed) for m in measured)
    # CPU: a line through the two runs (a negative intercept, noise, taken as 0).
    fixed_cpu, c = fit([(n, runs[n]["measured"].cpu) for n in (na, nb)])
    if fixed_cpu < 0:
        fixed_cpu, c = 0.0, statistics.fmean(runs[n]["measured"].cpu / n for n in (na, nb))
    # CPUs one worker keeps busy: c/t, unless the machine limited it (others left it < 1.25 x that).
    others = statistics.fmean(runs[n]["measured"].others for n in (na, nb))
    rate, free = c / t, (os.cpu_count() or 1) - others
    p = rate if rate * 1.25 < free else max(rate, args.worker_cpus)
    start_env = runs[na]["project"].env(E2E_STATE_DIR=str(work / "browser-state"))
    if args.chromium:
        start_env["E2E_CHROMIUM"] = args.chromium
    browser_start, _, _ = timed([E2E, "browser", "start"], ROOT, start_env)
    subprocess.run([E2E, "browser", "stop"], cwd=ROOT, env=start_env, capture_output=True, check=False)
    report_points = [(n, runs[n]["report"]) for n in (na, nb)] + [(na + nb, merged_report)]
    inputs = Inputs(
        t=t,
        p=p,
        c=c,
        fixed=fixed,
        fixed_cpu=fixed_cpu,
        fail_wait=fail_wait,
        fail_rate=1 / args.fail_every if args.fail_every else 0.0,
        browser_start=browser_start,
        report=rising(report_points),
        publish_local=rising([(n, runs[n]["publish"]) for n in (na, nb)]),
        report_bytes=rising([(n, runs[n]["report_bytes"]) for n in (na, nb)]),
        run_bytes=rising([(n, runs[n]["run_bytes"]) for n in (na, nb)]),
        merge=(0.0, merge_wall / (na + nb)),
    )
    return inputs, others


def from_run_dir(args) -> Inputs:
    summary = json.loads((args.run_dir / "run.json").read_text())
    scenarios = summary["scenarios"]
    passed = [s["duration_seconds"] for s in scenarios if s["status"] == "passed"]
    failed = [s["duration_seconds"] for s in scenarios if s["status"] == "failed"]
    if not passed:
        raise SystemExit(f"{args.run_dir}/run.json has no passing scenario to take a time from")
    t = statistics.median(passed) + args.teardown
    total = summary.get("duration_seconds") or 0.0
    fail_wait = max(0.0, statistics.median(failed) - t) if failed else args.fail_wait
    workers = max(1, args.run_workers)
    fixed = max(0.0, total - (sum(passed) + sum(failed)) / workers)
    size = folder_bytes(args.run_dir)
    return Inputs(
        t=t,
        p=args.cpu_ratio,
        c=t * args.cpu_ratio,
        fixed=fixed,
        fixed_cpu=0.0,
        fail_wait=fail_wait,
        fail_rate=len(failed) / len(scenarios),
        browser_start=2.0,
        report=(5.0, 0.02),
        publish_local=(2.0, 0.001),
        report_bytes=(2e6, size / len(scenarios) * 0.3),
        run_bytes=(1e5, size / len(scenarios)),
        merge=(0.0, 0.01),
    )


def main() -> None:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", type=int, default=500, help="the suite to predict for (default 500)")
    parser.add_argument("--shards", type=int, nargs="+", default=[2, 4], help="batch sizes K (default 2 4)")
    parser.add_argument(
        "--run-dir", type=Path, help="take the per-scenario times from this run folder's run.json"
    )
    parser.add_argument("--run-workers", type=int, default=1, help="with --run-dir: its -n (default 1)")
    parser.add_argument(
        "--teardown", type=float, default=0.05, help="with --run-dir: s per scenario beyond run.json's"
    )
    parser.add_argument(
        "--cpu-ratio", type=float, default=1.0, help="with --run-dir: CPU s per wall s of a scenario"
    )
    parser.add_argument("--calibrate", type=int, nargs=2, default=[12, 36], metavar=("NA", "NB"))
    parser.add_argument(
        "--check", type=int, default=50, help="scenarios of the -n 1 / -n 2 check runs (0: none)"
    )
    parser.add_argument(
        "--fail-every", type=int, default=50, help="1 in this many scenarios fails (default 50)"
    )
    parser.add_argument(
        "--fail-wait", type=float, default=5.0, help="s a failing scenario waits (expect timeout)"
    )
    parser.add_argument(
        "--chromium", default="/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    parser.add_argument("--image", default="e2e-runner:test", help="image whose size sets the pull time")
    parser.add_argument(
        "--image-mb",
        type=float,
        help=f"image size in MB (default: docker image inspect of --image, else {DEFAULT_IMAGE_MB:.0f})",
    )
    parser.add_argument("--compressed", type=float, default=0.4, help="share of the image size sent (gzip)")
    parser.add_argument("--pull-mbps", type=float, default=50.0, help="registry download, MB/s (default 50)")
    parser.add_argument(
        "--extract-mbps", type=float, default=100.0, help="layer extraction, MB/s (default 100)"
    )
    parser.add_argument("--upload-mbps", type=float, default=50.0, help="S3 upload and download, MB/s")
    parser.add_argument(
        "--request-ms", type=float, default=40.0, help=f"per S3 request ({UPLOAD_CONCURRENCY} at once)"
    )
    parser.add_argument("--provision", type=float, default=30.0, help="PROVISIONING s (default 30)")
    parser.add_argument("--source", type=float, default=5.0, help="DOWNLOAD_SOURCE s (default 5)")
    parser.add_argument("--finalize", type=float, default=10.0, help="UPLOAD_ARTIFACTS + FINALIZING s")
    parser.add_argument(
        "--batch-overhead", type=float, default=20.0, help="s for a batch to start its builds"
    )
    # Defaults: benchmarks/browser_memory.py's whole-tree fit, shared browser, over -n 1 2 4 (base 443 +
    # 237 per worker MiB, rounded up), measured on this machine on 2026-11-30.
    parser.add_argument("--base-mib", type=float, default=450.0, help="shared browser + controller, MiB")
    parser.add_argument("--worker-mib", type=float, default=240.0, help="per worker (renderers, driver), MiB")
    parser.add_argument("--os-mib", type=float, default=600.0, help="OS and CodeBuild agent, MiB")
    parser.add_argument("--cpu-speed", type=float, default=1.0, help="a CodeBuild vCPU against a core here")
    parser.add_argument(
        "--worker-cpus",
        type=float,
        default=1.8,
        help="p when the calibration runs were CPU-limited by others' load (default 1.8: -n 1 here, idle)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args()

    size, image_source = image_size(args)
    print(f"image size for the pull time: {size:.0f} MB ({image_source})", flush=True)
    a = Assumptions(
        provision=args.provision,
        source=args.source,
        finalize=args.finalize,
        batch_overhead=args.batch_overhead,
        pull_mbps=args.pull_mbps,
        extract_mbps=args.extract_mbps,
        compressed=args.compressed,
        image_mb=size,
        upload_mbps=args.upload_mbps,
        request_ms=args.request_ms,
        base_mib=args.base_mib,
        worker_mib=args.worker_mib,
        os_mib=args.os_mib,
        cpu_speed=args.cpu_speed,
    )
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-codebuild-"))
    cores = os.cpu_count() or 1
    check_rows = []
    if args.run_dir:
        inp = from_run_dir(args)
    else:
        with DemoAppProcess() as app:
            print(f"calibrating on this machine ({cores} CPUs; runs at -n 1) ...", flush=True)
            inp, others = calibrate(args, work, app.url)
            for workers in (1, 2) if args.check else ():
                project = Project(
                    work / f"check-{workers}", args.check, suite="pages", fail_every=args.fail_every
                )
                write_timing_plugin(project.root)
                predicted = run_seconds(inp, args.check, workers, max(0.5, cores - others))
                measured = run_suite(project, workers, app.url, args.chromium)
                again = run_seconds(inp, args.check, workers, max(0.5, cores - measured.others))
                check_rows.append(
                    [
                        f"-n {workers}, {args.check} scenarios",
                        f"{predicted:.1f}",
                        f"{again:.1f}",
                        f"{measured.wall:.1f}",
                        f"{(again / measured.wall - 1) * 100:+.0f}%",
                        f"{inp.fixed_cpu + inp.c * args.check:.0f}",
                        f"{measured.cpu:.0f}",
                        f"{measured.others:.2f}",
                    ]
                )
                print(f"  check -n {workers}: measured {measured.wall:.1f}s", flush=True)

    print()
    print("Inputs (measured here unless --run-dir):")
    rows = [
        ["wall of a passing scenario alone, t", f"{inp.t * 1000:.0f} ms"],
        ["CPU of a passing scenario, c (whole tree)", f"{inp.c * 1000:.0f} ms  (c/t = {inp.c / inp.t:.2f})"],
        ["CPUs one worker keeps busy, p", f"{inp.p:.2f}"],
        ["fixed part of a run (wall, CPU)", f"{inp.fixed:.1f} s, {inp.fixed_cpu:.1f} s"],
        ["failing scenario's wait, failure rate", f"{inp.fail_wait:.1f} s, {inp.fail_rate:.3f}"],
        ["browser start (pre_build)", f"{inp.browser_start:.1f} s"],
        ["report (e2e report)", f"{inp.report[0]:.1f} s + {inp.report[1] * 1000:.1f} ms x N"],
        ["publish, local part", f"{inp.publish_local[0]:.1f} s + {inp.publish_local[1] * 1000:.1f} ms x N"],
        ["report bytes", f"{inp.report_bytes[0] / 1e6:.1f} MB + {inp.report_bytes[1] / 1e3:.0f} kB x N"],
        [
            "run folder bytes (a shard's stash)",
            f"{inp.run_bytes[0] / 1e6:.1f} MB + {inp.run_bytes[1] / 1e3:.0f} kB x N",
        ],
        ["merge", f"{inp.merge[1] * 1000:.1f} ms x N"],
        ["image size, pull + extract", f"{a.image_mb:.0f} MB ({image_source}) -> {a.pull:.0f} s"],
    ]
    print(table(["input", "value"], rows))
    if check_rows:
        print()
        print("The model against runs here (e2e run --no-report --no-publish; V = CPUs less others' load):")
        headers = [
            "run",
            "predicted s (load at calibration)",
            "predicted s (load during the run)",
            "measured s",
            "error",
            "CPU s predicted",
            "CPU s measured",
            "others' load (CPUs)",
        ]
        print(table(headers, check_rows))

    n = args.scenarios
    plans = [plan(inp, a, n, instance, k) for instance in INSTANCES for k in (1, *args.shards)]
    fastest = min(plans, key=lambda p: (p.wall, p.cost))
    cheapest = min(plans, key=lambda p: (p.cost, p.wall))
    print()
    print(f"Predicted for {n} scenarios (1 in {args.fail_every} failing) on CodeBuild:")
    rows = []
    for p in plans:
        marks = ", ".join(
            m for m, chosen in (("fastest", p is fastest), ("cheapest", p is cheapest)) if chosen
        )
        rows.append(
            [
                f"{p.instance} ({p.vcpus} vCPU, {p.memory} GB)",
                "one build" if p.shards == 1 else f"batch: {p.shards} shards + merge",
                str(p.workers),
                f"{p.wall / 60:.1f}",
                str(p.billed_minutes),
                f"${p.cost:.3f}",
                marks,
            ]
        )
    print(table(["instance", "builds", "-n", "wall min", "billed min", "cost", ""], rows))
    print()
    for label, p in (("fastest", fastest), ("cheapest", cheapest)):
        builds = "one build" if p.shards == 1 else f"{p.shards} shards + merge"
        print(f"{label}: {p.instance}, {builds}, -n {p.workers}: {p.wall / 60:.1f} min, ${p.cost:.3f}")
    print()
    print("Phases of the fastest and the cheapest plan, s:")
    for label, p in (("fastest", fastest), ("cheapest", cheapest)):
        print(f"  {label}: " + ", ".join(f"{k} {s:.0f}" for k, s in p.phases.items()))
    print(
        f"memory: workers that fit = (GiB x 1024 - {a.os_mib:.0f} OS - {a.base_mib:.0f} base) / "
        f"{a.worker_mib:.0f} per worker: "
        + ", ".join(f"{gib} GB -> {fit_workers(gib, a)}" for _, _, gib, _ in INSTANCES)
    )
    if args.run_dir:
        print_shard_plans(args.run_dir, args.shards)
    clean_up(work, args.keep)


def print_shard_plans(run_dir: Path, shard_counts: list[int]) -> None:
    """The batch's run phase with the shard plan ``e2e run`` makes from this run's durations
    (scenarios longest first), beside whole feature files per shard: the slowest shard is the
    batch's wall time, and every shard's minutes are billed."""
    from runner.plugin.sharding import make_plan

    seconds = {
        s["id"]: float(s.get("duration_seconds") or 0)
        for s in json.loads((run_dir / "run.json").read_text())["scenarios"]
    }
    files: dict[str, float] = {}
    for sid, sec in seconds.items():
        files[sid.split("::")[0]] = files.get(sid.split("::")[0], 0.0) + sec
    print()
    print(
        f"Shard plans from {run_dir}/run.json ({len(seconds)} scenarios, {sum(seconds.values()):.1f} s of scenarios):"
    )
    rows = []
    for k in shard_counts:
        by_scenario = make_plan(seconds, seconds, k).seconds
        by_file = make_plan(files, files, k).seconds
        for label, loads in (("scenarios by duration", by_scenario), ("whole feature files", by_file)):
            mean = sum(loads) / k
            rows.append(
                [str(k), label, f"{max(loads):.1f}", f"{mean:.1f}", f"{max(loads) / mean if mean else 1:.2f}"]
            )
    print(table(["shards", "split", "slowest shard s", "mean s", "max/mean"], rows))


if __name__ == "__main__":
    main()
