"""Size and opening time of the single-file report, compact against full, at a given scale.

    .venv/bin/python -m benchmarks.report_size [--scenarios 1000 ...] [--suite signin|examples]
                                               [--repeat 3] [--modes full compact] [--source RUN_DIR]
                                               [--keep]

Targets: the run's single-file report (``report/index.html``, also what a presigned link
serves) of 1,000 scenarios is at most 25 MB and opened by Chromium within 3 s (the index
visible: the tree of tests rendered).

The results are real-looking: a real run (``python -m pytest`` with the plugin's defaults:
final screenshot of every scenario, trace retained on failure, 1920x1080) on the bundled
demo app, whose results are then copied to N scenarios (``replicate``: every copy gets its
own result, attachment files, evidence folder and run.json entry, with its own name, ids
and history id, so Allure counts N tests). Every screenshot is a file of its own, in bytes
of its own (``distinct_png``), so identical screenshots are not encoded once for all. The source run (--suite):

- ``signin`` (default; the simple pages of the target): the benchmarks' sign-in scenario
  (``bench_project.py``) 49 times and one failing sign-in, so 2 % of the scenarios fail,
  each with a failure screenshot and a trace;
- ``examples``: this repository's example features (varied pages, English and Japanese,
  some scenarios with extra screenshots) and the failing sign-in.

Each report is generated as ``e2e run`` makes it (``generate_report(single_file=True)``,
with ``report_evidence`` "full", as before, and "compact", the default). Opening: a fresh
page in one headless Chromium (launched once, one unmeasured opening first) goes to
``file://.../index.html``; the time is from the navigation's start until the first test of
the tree is visible (and, beside it, until the load event). Every report is opened
--repeat times, interleaved; printed: the median and the minimum. The load average is
printed too: on a shared machine, every time here moves with it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import statistics
import struct
import tempfile
import time
import uuid
import zlib
from pathlib import Path

from benchmarks.bench_project import ROOT, Project, clean_up, run_pytest, table
from runner.browser.chromium import find_chromium
from runner.report.allure import generate_report
from runner.report.compact import CompactStats
from runner.run.folder import ALLURE_RESULTS, EVIDENCE, create_run_dir
from runner.run.summary import RunSummary, ScenarioResult
from runner.settings import resolve

FAILING_FEATURE = """Feature: Failing sign-in
  Scenario: Signing in with a wrong password shows the welcome page
    Given I open "/login"
    When I fill in "Username" with "demo"
    And I fill in "Password" with "wrong password"
    And I click the "Sign in" button
    Then I see the heading "Welcome, Demo User!"
"""

SIZE_TARGET_MB = 25.0
OPEN_TARGET_SECONDS = 3.0


SUITES = ("signin", "examples")


def source_run(work: Path, suite: str = "signin") -> Path:
    """A real run on the bundled demo app: ``signin``, the benchmarks' sign-in scenario 49 times
    and one failing sign-in (2 % failing); ``examples``, this repository's example features
    (varied pages, English and Japanese, some with extra screenshots) and the failing one."""
    project = Project(work / f"source-{suite}", scenarios=49, example_suite=suite == "examples")
    (project.root / "features" / "failing.feature").write_text(FAILING_FEATURE, encoding="utf-8")
    run = run_pytest(project, env={"E2E_BASE_URL": "demo"})
    summary = run.run_json()
    if summary["counts"]["failed"] + summary["counts"]["broken"] < 1 or summary["counts"]["passed"] < 10:
        raise SystemExit(f"the source run is not as expected ({summary['counts']}):\n{run.output[-3000:]}")
    assert run.run_dir is not None
    return run.run_dir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _attachments(node: object) -> list[dict]:
    found: list[dict] = []
    if isinstance(node, list):
        for item in node:
            found += _attachments(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "attachments" and isinstance(value, list):
                found += [a for a in value if isinstance(a, dict) and "source" in a]
            elif isinstance(value, dict | list):
                found += _attachments(value)
    return found


def distinct_png(data: bytes, tag: str) -> bytes:
    """The same picture in other bytes (a text chunk after the header), so that no cache of
    identical screenshots makes copies cheaper than the distinct screenshots of a real suite."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    body = b"Comment\0" + tag.encode()
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return data[:33] + chunk + data[33:]


def _failed_step(node: dict) -> dict | None:
    for step in node.get("steps") or []:
        if step.get("status") in ("failed", "broken"):
            return _failed_step(step) or step
    return None


def replicate(source: Path, reports_dir: Path, scenarios: int) -> Path:
    """A new run folder of ``scenarios`` scenarios, copies (round robin) of ``source``'s."""
    run_dir = create_run_dir(reports_dir)
    summary = RunSummary.read(source)
    results = source / ALLURE_RESULTS
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*-result.json"))]
    # Each result's evidence folder: the one holding a file with the bytes of one of its attachments.
    by_digest: dict[str, Path] = {}
    for path in sorted((source / EVIDENCE).rglob("*")):
        if path.is_file():
            by_digest.setdefault(_digest(path), path)
    attachment_digest = {p.name: _digest(p) for p in results.iterdir() if "-attachment" in p.name}
    out_results = run_dir / ALLURE_RESULTS
    entries: list[ScenarioResult] = []
    for number in range(scenarios):
        doc = json.loads(json.dumps(docs[number % len(docs)]))
        copy = number // len(docs)
        folder_of_copy: dict[Path, Path] = {}
        evidence_of: dict[str, str] = {}  # new attachment source -> run-relative evidence path
        for ref in _attachments(doc):
            old = ref["source"]
            if old not in attachment_digest:
                continue
            new = f"{uuid.uuid4()}-attachment{Path(old).suffix}"
            (out_results / new).write_bytes(distinct_png((results / old).read_bytes(), f"{number}"))
            ref["source"] = new
            original = by_digest.get(attachment_digest[old])
            if original is not None:
                folder = folder_of_copy.get(original.parent)
                if folder is None:
                    folder = run_dir / EVIDENCE / f"{original.parent.name}-copy{copy}"
                    if not folder.exists():
                        shutil.copytree(original.parent, folder)
                    folder_of_copy[original.parent] = folder
                evidence_of[new] = (folder / original.name).relative_to(run_dir).as_posix()
        suffix = f" (copy {copy})" if copy else ""
        doc["uuid"] = str(uuid.uuid4())
        doc["name"] = f"{doc.get('name')}{suffix}"
        doc["fullName"] = f"{doc.get('fullName')}{suffix}"
        for key in ("historyId", "testCaseId"):
            doc[key] = hashlib.md5(f"{doc.get(key)}{suffix}".encode()).hexdigest()
        (out_results / f"{doc['uuid']}-result.json").write_text(json.dumps(doc), encoding="utf-8")
        failed = _failed_step(doc)
        failure_shots = [evidence_of.get(a["source"]) for a in (failed or {}).get("attachments") or []]
        finals = [
            evidence_of.get(a["source"])
            for a in doc.get("attachments") or []
            if a.get("name") == "final state"
        ]
        feature = next(
            (label["value"] for label in doc.get("labels") or [] if label.get("name") == "feature"), None
        )
        entries.append(
            ScenarioResult(
                id=f"{doc['fullName']}::{number:05d}",
                name=doc["name"],
                feature=feature,
                status=doc.get("status", "passed"),
                duration_seconds=round((doc.get("stop", 0) - doc.get("start", 0)) / 1000, 3),
                failed_step=failed["name"] if failed else None,
                error=((doc.get("statusDetails") or {}).get("message") or None) if failed else None,
                screenshot=next((s for s in failure_shots if s), None),
                final_screenshot=next((s for s in finals if s), None),
            )
        )
    for extra in ("junit.xml", "cucumber.json"):
        if (source / extra).is_file():
            shutil.copyfile(source / extra, run_dir / extra)
    RunSummary.build(
        run_dir.name,
        entries,
        started=summary.started_at,
        finished=summary.finished_at,
        exit_code=1 if any(e.status in ("failed", "broken") for e in entries) else 0,
        metadata=summary.metadata,
    ).write(run_dir)
    return run_dir


def open_once(browser, index: Path) -> tuple[float, float]:  # noqa: ANN001
    """Seconds from navigation start until the report's first test is visible, and until the
    page's load event (the whole file parsed, every embedded script run), in a fresh page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    page.goto(index.resolve().as_uri(), wait_until="commit", timeout=120_000)
    page.get_by_test_id("tree-leaf-title").first.wait_for(state="visible", timeout=120_000)
    tree = time.perf_counter() - started
    page.wait_for_load_state("load", timeout=120_000)
    load = time.perf_counter() - started
    page.close()
    return tree, load


@dataclasses.dataclass
class Measured:
    mode: str
    scenarios: int
    seconds: float
    size: int
    index: Path
    stats: CompactStats | None
    tree: list[float] = dataclasses.field(default_factory=list)
    load: list[float] = dataclasses.field(default_factory=list)

    @property
    def open_seconds(self) -> float:
        return statistics.median(self.tree)

    def row(self) -> list[str]:
        images = ""
        if self.stats is not None and self.stats.images:
            s = self.stats
            images = (
                f"{s.images} ({s.image_bytes_before / 1e6:.1f} -> {s.image_bytes_after / 1e6:.1f} MB), "
                f"{s.left_out} traces out"
            )
        return [
            f"{self.scenarios}",
            self.mode,
            f"{self.seconds:.1f}",
            f"{self.size / 1e6:.1f}",
            f"{self.size / self.scenarios / 1000:.1f}",
            f"{self.open_seconds:.2f} ({min(self.tree):.2f})" if self.tree else "",
            f"{statistics.median(self.load):.2f}" if self.load else "",
            images,
        ]


HEADERS = [
    "scenarios",
    "single file",
    "generation s",
    "size MB",
    "KB/scenario",
    "tree visible s (min)",
    "load event s",
    "screenshots",
]


def generate(run_dir: Path, mode: str, work: Path) -> Measured:
    """The single-file report as ``e2e run`` makes it, with ``report_evidence`` = ``mode``."""
    settings = dataclasses.replace(resolve(ROOT), report_evidence=mode)
    out = work / f"report-{mode}-{run_dir.name}"
    shutil.rmtree(out, ignore_errors=True)
    stats = CompactStats() if mode == "compact" else None
    started = time.perf_counter()
    index = generate_report(run_dir, settings, output=out, single_file=True, stats=stats)
    seconds = time.perf_counter() - started
    scenarios = len(RunSummary.read(run_dir).scenarios)
    return Measured(mode, scenarios, seconds, index.stat().st_size, index, stats)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=5, help="openings of each report (median)")
    parser.add_argument("--modes", nargs="+", default=["full", "compact"], choices=["full", "compact"])
    parser.add_argument("--suite", choices=SUITES, default="signin", help="what the source run runs")
    parser.add_argument("--source", type=Path, help="a run folder to copy instead of a new source run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="e2e-report-size-"))
    source = args.source or source_run(work, args.suite)
    counts = RunSummary.read(source).counts
    print(f"source run: {counts.total} scenarios ({counts.failed + counts.broken} failing), {source}")
    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)", flush=True)
    results: list[Measured] = []
    for scenarios in args.scenarios:
        run_dir = replicate(source, work / "reports", scenarios)
        for mode in args.modes:
            results.append(generate(run_dir, mode, work))
            print(f"generated: {results[-1].row()[:5]}", flush=True)
    # Openings interleaved (all reports once, then again), so a busy moment of the machine
    # falls on every report alike.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(resolve(ROOT)))
        open_once(browser, results[0].index)  # warm-up, not counted
        for _ in range(args.repeat):
            for measured in results:
                tree, load = open_once(browser, measured.index)
                measured.tree.append(tree)
                measured.load.append(load)
        browser.close()
    print(f"load average at end: {load_average()}")
    print()
    print(table(HEADERS, [m.row() for m in results]))
    for m in results:
        if m.mode == "compact" and m.scenarios == 1000:
            print(
                f"\n1,000 scenarios, compact: {m.size / 1e6:.1f} MB (target <= {SIZE_TARGET_MB:.0f} MB: "
                f"{'met' if m.size / 1e6 <= SIZE_TARGET_MB else 'NOT met'}), tree visible in "
                f"{m.open_seconds:.2f} s, median of {len(m.tree)} (target <= {OPEN_TARGET_SECONDS:.0f} s: "
                f"{'met' if m.open_seconds <= OPEN_TARGET_SECONDS else 'NOT met'})"
            )
    print(
        json.dumps(
            [
                {
                    **{k: v for k, v in dataclasses.asdict(m).items() if k != "index"},
                    "stats": dataclasses.asdict(m.stats) if m.stats else None,
                }
                for m in results
            ]
        )
    )
    clean_up(work, args.keep)


if __name__ == "__main__":
    main()
