"""Report generation and publishing as a run grows: both should grow linearly.

    .venv/bin/python -m benchmarks.report_publish_curve [--sizes 100 250 500 1000]
                     [--suite signin|examples] [--source RUN_DIR] [--repeat 1] [--keep]
                     [--latency-ms 0]

For each size N, a real-looking run folder of N scenarios (``report_size.replicate`` of a
real run, default the sign-in suite with 2 % failing; see ``report_size.py``) and then:

- **report**: ``make_run_report``, the run's own single-file report as ``e2e run`` makes
  it (compact copy of the results + Allure), its time and size;
- **publish**: ``e2e publish RUN --bucket B`` (its CLI, in its own process) of that run
  folder to a fresh bucket of a loopback moto S3 server: the site's multi-file report with
  history made from the full results, the run's changed files and the report uploaded,
  the entry, index and ``latest`` written;
- **sync**: ``aws s3 sync RUN s3://B2/e2e/runs/<id>/`` of the same folder to another fresh
  bucket on the same server (upload only), and the ratio publish / sync (target <= 1.0),
  and the same ratio per object uploaded (the publish uploads the site's report as well);
- **PUTs**: the PUT/POST requests of the publish and of the sync, counted at the server
  (what each uploads: the publish also uploads the site report it made), and those of a
  second ``e2e publish`` of the unchanged run (target 0);
- and per scenario: report and publish seconds divided by N (linear growth: about flat).

``--latency-ms N`` has the S3 server answer every request N ms later, as a real endpoint does
over a network (a PUT to S3 takes tens of ms; the loopback server answers in well under one):
the publish and the sync then wait on the network as they would on CodeBuild, instead of
sharing the machine's CPU with the server. Timings are medians of --repeat (fresh buckets each time); the load average is printed
with them, since on a shared machine they move with it. The helpers that run the CLIs
and count requests are ``publish_vs_sync.py``'s. The script only measures; it exits 0
whatever the figures are, except when a second publish made PUTs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_project import ROOT, clean_up, table
from benchmarks.publish_vs_sync import E2E, folder_size, timed
from benchmarks.report_size import SUITES, load_average, replicate, source_run
from runner.report.allure import make_run_report
from runner.run.folder import read_run_json
from runner.run.summary import RunSummary
from runner.settings import resolve
from tests.support.s3 import client_env, make_bucket, start_server


@dataclasses.dataclass
class Point:
    scenarios: int
    files: int
    folder_bytes: int
    report_seconds: float
    report_bytes: int
    publish_seconds: float
    sync_seconds: float
    publish_puts: int  # PUT/POST requests of a first publish (files of the run and of the site report)
    sync_puts: int
    second_puts: int
    second_requests: int
    second_seconds: float
    report_cpu_seconds: float = 0.0  # this process's threads (the compact copy) + Allure's Node

    @property
    def ratio(self) -> float:
        return self.publish_seconds / self.sync_seconds

    @property
    def per_put_ratio(self) -> float:
        """Publish / sync time per object uploaded: how fast each uploads, whatever it uploads."""
        return (self.publish_seconds / self.publish_puts) / (self.sync_seconds / self.sync_puts)

    def row(self) -> list[str]:
        per = 1000 / self.scenarios
        return [
            f"{self.scenarios}",
            f"{self.files} / {self.folder_bytes / 1e6:.0f} MB",
            f"{self.report_seconds:.1f}",
            f"{self.report_cpu_seconds:.1f}",
            f"{self.report_bytes / 1e6:.1f}",
            f"{self.publish_seconds:.1f}",
            f"{self.sync_seconds:.1f}",
            f"{self.publish_puts} / {self.sync_puts}",
            f"{self.ratio:.2f}",
            f"{self.per_put_ratio:.2f}",
            f"{self.second_puts}",
            f"{self.report_seconds * per:.0f}",
            f"{self.publish_seconds * per:.0f}",
            f"{self.sync_seconds * per:.0f}",
        ]


HEADERS = [
    "scenarios",
    "run folder",
    "report s",
    "report CPU s",
    "single file MB",
    "publish s",
    "sync s",
    "PUTs publish / sync",
    "publish/sync",
    "per PUT publish/sync",
    "2nd publish PUTs",
    "report ms/scen.",
    "publish ms/scen.",
    "sync ms/scen.",
]


def _cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(run_dir: Path, server, env: dict[str, str], repeat: int, aws: str) -> Point:  # noqa: ANN001
    settings = resolve(ROOT)
    started, cpu = time.perf_counter(), _cpu_seconds()
    index = make_run_report(run_dir, settings)
    report_seconds = time.perf_counter() - started
    report_cpu = _cpu_seconds() - cpu
    run_id = read_run_json(run_dir)["run_id"]
    files, size = folder_size(run_dir)
    publish_times, sync_times = [], []
    bucket = ""
    publish_puts = sync_puts = 0
    for _ in range(repeat):
        bucket = make_bucket(server.endpoint, public=False)
        server.reset()
        publish_times.append(timed([*E2E, "publish", str(run_dir), "--bucket", bucket], env))
        publish_puts = len(server.puts())
        sync_bucket = make_bucket(server.endpoint, public=False)
        sync = [
            aws,
            "s3",
            "sync",
            str(run_dir),
            f"s3://{sync_bucket}/e2e/runs/{run_id}/",
            "--only-show-errors",
        ]
        server.reset()
        sync_times.append(timed(sync, env))
        sync_puts = len(server.puts())
    server.reset()
    second = timed([*E2E, "publish", str(run_dir), "--bucket", bucket], env)
    requests = server.requests()
    puts = [r for r in requests if r["method"] in {"PUT", "POST"}]
    return Point(
        scenarios=len(RunSummary.read(run_dir).scenarios),
        files=files,
        folder_bytes=size,
        report_seconds=report_seconds,
        report_bytes=index.stat().st_size,
        publish_seconds=statistics.median(publish_times),
        sync_seconds=statistics.median(sync_times),
        publish_puts=publish_puts,
        sync_puts=sync_puts,
        second_puts=len(puts),
        second_requests=len(requests),
        second_seconds=second,
        report_cpu_seconds=report_cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 250, 500, 1000])
    parser.add_argument("--suite", choices=SUITES, default="signin")
    parser.add_argument("--source", type=Path, help="a run folder to copy instead of a new source run")
    parser.add_argument("--repeat", type=int, default=1, help="publishes and syncs per size (median)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="the S3 server answers every request this much later, as a real endpoint over a network",
    )
    args = parser.parse_args()

    aws = shutil.which("aws")
    if aws is None:
        raise SystemExit("the AWS CLI (`aws`) is not installed; it is the point of comparison.")
    work = Path(tempfile.mkdtemp(prefix="e2e-curve-"))
    source = args.source or source_run(work, args.suite)
    print(f"source run: {source}", flush=True)
    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)", flush=True)
    print(f"S3 latency per request: {args.latency_ms} ms", flush=True)
    server = start_server({"E2E_TEST_LATENCY_MS": str(args.latency_ms)})
    points: list[Point] = []
    try:
        env = {**os.environ, **client_env(server.endpoint), "CI": "true"}
        for name in ("E2E_REPORT_BUCKET", "E2E_REPORT_PREFIX", "E2E_REPORT_URL", "AWS_PROFILE"):
            env.pop(name, None)
        for size in args.sizes:
            run_dir = replicate(source, work / "reports", size)
            point = measure(run_dir, server, env, args.repeat, aws)
            points.append(point)
            print(table(HEADERS, [point.row()]).splitlines()[-1], flush=True)
            shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        server.stop()
    print(f"load average at end: {load_average()}")
    print()
    print(table(HEADERS, [p.row() for p in points]))
    if len(points) > 1:
        first, last = points[0], points[-1]
        growth = last.scenarios / first.scenarios
        print(
            f"\n{first.scenarios} -> {last.scenarios} scenarios (x{growth:.0f}): report time x"
            f"{last.report_seconds / first.report_seconds:.1f}, publish time x"
            f"{last.publish_seconds / first.publish_seconds:.1f}, sync time x"
            f"{last.sync_seconds / first.sync_seconds:.1f} (linear: x{growth:.0f})"
        )
    print(
        json.dumps(
            [
                {
                    **dataclasses.asdict(p),
                    "ratio": round(p.ratio, 3),
                    "per_put_ratio": round(p.per_put_ratio, 3),
                }
                for p in points
            ]
        )
    )
    if any(p.second_puts for p in points):
        raise SystemExit("a second publish of an unchanged run made PUTs")
    clean_up(work, args.keep)


if __name__ == "__main__":
    main()
