"""Publishing speed: `e2e publish` against `aws s3 sync`, to the same loopback S3 server.

    python -m benchmarks.publish_vs_sync [RUN_DIR] [--repeat N]

RUN_DIR defaults to the newest run folder under reports/ (else a synthetic one). It is
copied first, so the original is never changed. Both tools run as a user would run them
(their CLIs, in their own processes) against one moto server on 127.0.0.1, which counts the
requests it receives. Printed:

- `e2e publish` of a run whose report is already made (upload + index + latest), next to
  `aws s3 sync` of the same folder, and their ratio (the mission's target: <= 1.0);
- the first publish of a fresh run, which also regenerates the report with history;
- the PUT count of a second publish of the unchanged run (must be 0), next to sync's.

Each timing is the median of --repeat runs, each to a fresh bucket.
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
import time
from pathlib import Path

from runner.publish.uploads import collect_files
from runner.run.folder import latest_run_dir, read_run_json
from tests.support import REPO as ROOT
from tests.support.runs import synthetic_run
from tests.support.s3 import client_env, make_bucket, start_server

E2E = [sys.executable, "-c", "from runner.cli import main; main()"]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}... failed:\n{proc.stderr[-2000:]}")
    return elapsed


def folder_size(folder: Path) -> tuple[int, int]:
    """Files and bytes of what publishing uploads from ``folder``."""
    files = collect_files(folder).values()
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    aws = shutil.which("aws")
    if aws is None:
        raise SystemExit("the AWS CLI (`aws`) is not installed; it is the point of comparison.")
    work = Path(tempfile.mkdtemp(prefix="e2e-bench-"))
    source = args.run_dir or latest_run_dir(ROOT / "reports")
    if source is None:
        source = synthetic_run(work / "synthetic", scenarios=[(f"scenario {i}", "passed") for i in range(30)])
    read_run_json(source)

    server = start_server()
    try:
        env = {**os.environ, **client_env(server.endpoint), "CI": "true"}
        for name in ("E2E_REPORT_BUCKET", "E2E_REPORT_PREFIX", "AWS_PROFILE"):
            env.pop(name, None)

        def fresh_copy(tag: str) -> Path:
            target = work / tag / source.name
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "history.jsonl"))
            return target

        first_times, publish_times, sync_times = [], [], []
        prepared = fresh_copy("prepared")
        timed([*E2E, "publish", str(prepared), "--to", str(work / "warm-site")], env)
        run_id = read_run_json(prepared)["run_id"]
        files, size = folder_size(prepared)
        for attempt in range(args.repeat):
            fresh = fresh_copy(f"fresh-{attempt}")
            bucket = make_bucket(server.endpoint, public=False)
            first_times.append(timed([*E2E, "publish", str(fresh), "--bucket", bucket], env))

            bucket = make_bucket(server.endpoint, public=False)
            publish_times.append(timed([*E2E, "publish", str(prepared), "--bucket", bucket], env))

            sync_bucket = make_bucket(server.endpoint, public=False)
            sync = [
                aws,
                "s3",
                "sync",
                str(prepared),
                f"s3://{sync_bucket}/e2e/runs/{run_id}/",
                "--only-show-errors",
            ]
            sync_times.append(timed(sync, env))

        server.reset()
        again = timed([*E2E, "publish", str(prepared), "--bucket", bucket], env)
        requests = server.requests()
        publish_puts = [r for r in requests if r["method"] in {"PUT", "POST"}]
        publish_requests = len(requests)
        server.reset()
        sync_again = timed(sync, env)
        sync_puts = [r for r in server.requests() if r["method"] in {"PUT", "POST"}]

        publish_median = statistics.median(publish_times)
        sync_median = statistics.median(sync_times)
        report = {
            "run_folder": {"files": files, "bytes": size},
            "repeat": args.repeat,
            "e2e_publish_seconds": round(publish_median, 3),
            "aws_s3_sync_seconds": round(sync_median, 3),
            "ratio_publish_to_sync": round(publish_median / sync_median, 3),
            "e2e_publish_first_with_report_seconds": round(statistics.median(first_times), 3),
            "second_publish_unchanged": {
                "seconds": round(again, 3),
                "puts": len(publish_puts),
                "requests": publish_requests,
            },
            "second_sync_unchanged": {"seconds": round(sync_again, 3), "puts": len(sync_puts)},
        }
        print(f"run folder: {files} files, {size / 1_048_576:.1f} MB (median of {args.repeat})")
        print(f"e2e publish (report already made): {publish_median:6.2f} s  (upload + index + latest)")
        print(f"aws s3 sync:                       {sync_median:6.2f} s  (upload only)")
        print(f"ratio publish / sync:              {publish_median / sync_median:6.2f}")
        print(
            f"e2e publish of a fresh run:        {statistics.median(first_times):6.2f} s  (+ report with history)"
        )
        print(
            f"second publish, unchanged run:     {again:6.2f} s, {len(publish_puts)} PUTs, {publish_requests} requests"
        )
        print(f"second sync, unchanged folder:     {sync_again:6.2f} s, {len(sync_puts)} PUTs")
        print(json.dumps(report))
        if publish_puts:
            raise SystemExit(f"a second publish of an unchanged run made PUTs: {publish_puts}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
