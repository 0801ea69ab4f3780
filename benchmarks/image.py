"""The image: its size, layer by layer, and how long `docker run` takes to start a scenario.

    python -m benchmarks.image [--image e2e-runner:latest] [--compare IMAGE] [--repeat 5]
                               [--skip-start] [--json FILE]

Printed:

1. The image's size (``docker image inspect``, uncompressed: the figure the 800 MB budget is
   about) and every layer of ``docker history`` with its size and the instruction that made
   it, then what the big parts of the file system weigh (``du -b`` inside the image).
2. **Time to the first scenario**, defined as: from the moment ``docker run`` is called to
   the moment the first scenario is ready to drive its browser, i.e. a step of the first
   scenario runs with its ``page`` open. Measured with the image's own ENTRYPOINT and CMD
   (``e2e entrypoint`` -> ``e2e run``), the way ``docker run IMAGE`` runs a suite, on a
   one-scenario probe project mounted at /e2e that tests the bundled demo app. The probe's
   first step writes ``time.time()`` to a file in the mounted folder, its second step does
   the same but takes the ``page`` fixture (the runner opens the context and page on first
   use); the container shares the host's clock, so the difference to the host's
   ``time.time()`` before ``docker run`` is exact. One warm-up run per image (shown apart),
   then the median of ``--repeat`` runs. ``--compare`` times a second image in the same
   rounds, taking turns, so that other load on the machine slows both alike.
3. Where that time goes, from the same runs: ``docker run`` until the container's process
   started (the engine; the container's ``State.StartedAt``), until the ENTRYPOINT reports
   the shared browser started, until ``e2e run`` reports the app under test (a second Python,
   pytest and the plugins imported, the demo app started), until the first step, until the
   page is open. Each mark is the host's arrival time of the line the container prints, or
   the step's own timestamp.
4. The parts on their own, inside one container of --image (fresh process each, median of
   --repeat): Python's start, importing the ``e2e`` command, pytest with the runner's
   plugin, Playwright's driver + a Chromium launch, and the slowest imports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from benchmarks.bench_project import FILES

DEFAULT_IMAGE = "e2e-runner:latest"
TARGET_BYTES = 800_000_000
TARGET_START_S = 2.0

PROBE_FEATURE = """\
Feature: Start-up probe
  One scenario that notes when it starts; the benchmark reads the note.

  Scenario: The first scenario starts
    Given the start-up probe notes the time
    And the start-up probe notes the time with its page open
    When I open "/"
    Then I see the heading "Welcome to the Demo Bookshop"
"""


PROBE_PYPROJECT = """\
[tool.e2e]
base_url = "demo"
"""

# Lines the container prints, in order, that mark the end of a phase.
MARKS = (
    ("browser", "e2e entrypoint: shared browser"),
    ("app", "e2e: testing "),
)

# Run inside the image (python -c): each probe timed in a fresh process, median of N.
PARTS_SCRIPT = r"""
import json, statistics, subprocess, sys, time
n = int(sys.argv[1])
probes = {
    "python -c pass": ["python", "-c", "pass"],
    "import the e2e command (runner.cli)": ["python", "-c", "import runner.cli"],
    "import pytest + the runner's plugin": ["python", "-c", "import pytest, runner.plugin, runner.steps.web"],
    "Chromium launch + close (Playwright)": ["python", "-c",
        "from playwright.sync_api import sync_playwright\n"
        "import os, time\n"
        "with sync_playwright() as p:\n"
        "    t = time.perf_counter()\n"
        "    b = p.chromium.launch(executable_path=os.environ['E2E_CHROMIUM'], args=['--disable-background-networking', '--disable-component-update'])\n"
        "    print('launch', time.perf_counter() - t)\n"
        "    b.close()\n"],
    "e2e --help": ["e2e", "--help"],
}
out = {}
for name, cmd in probes.items():
    times, launch = [], []
    for _ in range(n):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise SystemExit(name + " failed: " + proc.stderr[-2000:])
        for line in proc.stdout.splitlines():
            if line.startswith("launch "):
                launch.append(float(line.split()[1]))
    out[name] = statistics.median(times)
    if launch:
        out["  of which chromium.launch()"] = statistics.median(launch)
imp = subprocess.run(["python", "-X", "importtime", "-c", "import runner.cli, pytest, runner.plugin, runner.steps.web"],
                     capture_output=True, text=True).stderr
rows = []
for line in imp.splitlines():
    parts = line.split("|")
    if len(parts) == 3 and parts[1].strip().isdigit():
        rows.append((int(parts[1]), parts[2].rstrip()))
# the import tree's first two levels (a name indented by at most 2 spaces), slowest first
top = [(us, name) for us, name in rows if len(name) - len(name.lstrip()) <= 3]
out["_imports"] = sorted(top, reverse=True)[:10]
print(json.dumps(out))
"""


def sh(*cmd: str, timeout: float = 600) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-2000:]}")
    return proc.stdout


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


# --- size --------------------------------------------------------------------------------


def image_size(image: str) -> int:
    return int(sh("docker", "image", "inspect", "--format", "{{.Size}}", image).strip())


def layers(image: str) -> list[dict]:
    """``docker history`` oldest first: size in bytes and the instruction, shortened."""
    out = sh("docker", "history", "--no-trunc", "--human=false", "--format", "{{json .}}", image)
    rows = []
    for line in reversed(out.splitlines()):
        item = json.loads(line)
        created_by = " ".join(item["CreatedBy"].split())
        created_by = created_by.replace("/bin/sh -c #(nop) ", "").replace("/bin/sh -c ", "RUN ")
        if created_by.startswith("|"):  # RUN with build arguments: "|1 ARG=... RUN ..."
            created_by = "RUN (with build args) " + created_by.split(" RUN ", 1)[-1]
        rows.append({"bytes": int(item["Size"]), "instruction": created_by or "(base image)"})
    return rows


DU_PATHS = (
    "/usr/lib/chromium",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/share/fonts",
    "/usr/share/icons",
    "/usr/lib/python3.11",
    "/usr/share",
    "/var/lib/dpkg",
    "/opt/e2e/venv/lib/python3.11/site-packages/playwright/driver/node",
    "/opt/e2e/venv/lib/python3.11/site-packages/playwright/driver/package",
    "/opt/e2e/venv/lib/python3.11/site-packages/botocore",
    "/opt/e2e/venv/lib/python3.11/site-packages/pip",
    "/opt/e2e/venv/lib/python3.11/site-packages/runner",
    "/opt/e2e/venv",
    "/opt/e2e/node_modules",
    "/opt/e2e/ms-playwright",
)


def contents(image: str) -> list[tuple[str, int]]:
    """Apparent sizes (bytes, as layers count them) of the big parts of the file system."""
    script = (
        'for p in "$@"; do [ -e "$p" ] && printf "%s\\t%s\\n" "$(du -sb "$p" | cut -f1)" "$p"; done; '
        'printf "%s\\t%s\\n" "$(find /opt/e2e/venv /usr/lib/python3* -name "*.pyc" -printf "%s\\n" | '
        'awk "{s+=\\$1} END {print s+0}")" "bytecode (*.pyc), venv + stdlib"'
    )
    out = sh(
        "docker",
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "sh",
        image,
        "-c",
        script,
        "du",
        *DU_PATHS,
    )
    rows = []
    for line in out.splitlines():
        size, path = line.split("\t", 1)
        rows.append((path, int(size)))
    return rows


# --- start time ----------------------------------------------------------------------------


def make_probe(dest: Path) -> Path:
    (dest / "features").mkdir(parents=True)
    (dest / "steps").mkdir()
    (dest / "pyproject.toml").write_text(PROBE_PYPROJECT)
    (dest / "features" / "probe.feature").write_text(PROBE_FEATURE)
    (dest / "steps" / "__init__.py").write_text("")
    shutil.copyfile(FILES / "probe_steps.py", dest / "steps" / "probe.py")
    return dest


def _read_lines(stream, sink: list[tuple[float, str]]) -> None:
    for line in iter(stream.readline, ""):
        sink.append((time.time(), line.rstrip("\n")))


def _started_at(name: str) -> float:
    text = sh("docker", "inspect", "--format", "{{.State.StartedAt}}", name).strip()
    # RFC 3339 with nanoseconds; Python parses microseconds.
    head, _, frac = text.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(head + "+00:00").timestamp()
    return stamp + float("0." + frac) if frac else stamp


def one_start(image: str, probe_src: Path, workdir: Path) -> dict:
    project = workdir / uuid.uuid4().hex[:8]
    shutil.copytree(probe_src, project)
    name = f"e2e-image-bench-{uuid.uuid4().hex[:10]}"
    cmd = ["docker", "run", "--name", name, "--network", "host", "-v", f"{project}:/e2e", image]
    lines: list[tuple[float, str]] = []
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    readers = [
        threading.Thread(target=_read_lines, args=(s, lines), daemon=True) for s in (proc.stdout, proc.stderr)
    ]
    for r in readers:
        r.start()
    try:
        code = proc.wait(timeout=600)
        for r in readers:
            r.join(timeout=10)
        started = _started_at(name)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    done = time.time()
    probe = project / "probe"
    if code != 0 or not (probe / "page-ready").is_file():
        text = "\n".join(line for _, line in lines)
        raise SystemExit(f"the probe run failed (exit {code}):\n{text[-3000:]}")
    result = {
        "container_started": started - t0,
        "first_step": float((probe / "first-step").read_text()) - t0,
        "page_ready": float((probe / "page-ready").read_text()) - t0,
        "exit": done - t0,
    }
    for key, prefix in MARKS:
        hit = next((t for t, line in lines if line.startswith(prefix)), None)
        result[key] = None if hit is None else hit - t0
    shutil.rmtree(project, ignore_errors=True)
    return result


def start_times(images: list[str], repeat: int) -> dict[str, tuple[dict, list[dict]]]:
    """One warm-up run per image, then ``repeat`` rounds; several images take turns in each
    round, so that whatever else the machine does slows them alike."""
    with tempfile.TemporaryDirectory(prefix="e2e-image-bench-") as tmp:
        workdir = Path(tmp)
        probe = make_probe(workdir / "probe-src")
        cold = {image: one_start(image, probe, workdir) for image in images}
        runs: dict[str, list[dict]] = {image: [] for image in images}
        for _ in range(repeat):
            for image in images:
                runs[image].append(one_start(image, probe, workdir))
    return {image: (cold[image], runs[image]) for image in images}


def parts(image: str, repeat: int) -> dict:
    out = sh(
        "docker", "run", "--rm", "--network", "host", "--entrypoint", "python", image,
        "-c", PARTS_SCRIPT, str(repeat),
    )  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


# --- report --------------------------------------------------------------------------------


PHASES = {
    "container_started": "docker run -> the container's process starts (the engine)",
    "browser": "ENTRYPOINT: Python, the e2e command, the shared Chromium started",
    "app": "e2e run: Python, the e2e command, pytest + plugins, the app started and checked",
    "first_step": "collection, the shared browser held, the scenario's first step runs",
    "page_ready": "its browser context and page (Playwright's driver in pytest's process)",
    "exit": "",
}


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", metavar="IMAGE", help="time this image too, taking turns with --image")
    parser.add_argument("--skip-start", action="store_true", help="only the size and the layers")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()

    size = image_size(args.image)
    rows = layers(args.image)
    print(
        f"image {args.image}: {mb(size)} uncompressed (target <= {mb(TARGET_BYTES)}: "
        f"{'met' if size <= TARGET_BYTES else 'NOT met'})\n"
    )
    print(f"{'size':>12}  layer (oldest first)")
    for row in rows:
        if row["bytes"] or not row["instruction"].startswith(("ENV", "CMD", "ENTRYPOINT", "WORKDIR", "ARG")):
            print(f"{mb(row['bytes']):>12}  {row['instruction'][:110]}")
    print(f"{mb(sum(r['bytes'] for r in rows)):>12}  total of the layers\n")
    what = contents(args.image)
    print(f"{'size':>12}  inside the image (du, apparent size)")
    for path, n in what:
        print(f"{mb(n):>12}  {path}")
    result: dict = {"image": args.image, "size_bytes": size, "layers": rows, "contents": dict(what)}

    if not args.skip_start:
        images = [args.image, *([args.compare] if args.compare else [])]
        load_before = os.getloadavg()[0]
        timed = start_times(images, args.repeat)
        load_after = os.getloadavg()[0]
        result["load_average"] = [load_before, load_after]
        result["start"] = {}
        for image in images:
            cold, runs = timed[image]
            med = {k: median_of(runs, k) for k in PHASES}
            result["start"][image] = {"cold": cold, "runs": runs, "median": med}
            print(
                f"\n{image}: from `docker run` to the first scenario (median of {args.repeat}, after one warm-up)"
            )
            verdict = "met" if med["page_ready"] <= TARGET_START_S else "NOT met"
            print(f"  {med['page_ready']:.2f} s (target <= {TARGET_START_S:.1f} s: {verdict})")
            each = ", ".join(f"{r['page_ready']:.2f}" for r in runs)
            fastest = min(r["page_ready"] for r in runs)
            print(f"  each run: {each}; fastest {fastest:.2f}; the warm-up run: {cold['page_ready']:.2f}")
            print(
                "  where it goes (medians; each phase ends at the mark in brackets, seconds after `docker run`):"
            )
            prev = 0.0
            for key, label in PHASES.items():
                if med[key] is None:
                    print(f"  {'-':>7}  {label} (mark not seen)")
                    continue
                if key == "exit":
                    print(
                        f"  (the container exits after {med[key]:.2f} s: the scenario, the report, the run folder)"
                    )
                    continue
                print(f"  {med[key] - prev:7.2f}s {label}  [{med[key]:.2f}]")
                prev = med[key]
        print(f"\n(load average of this machine: {load_before:.1f} before, {load_after:.1f} after the runs)")
        p = parts(args.image, args.repeat)
        print(f"\nthe parts on their own, inside {args.image} (fresh process each, median of {args.repeat}):")
        for name, value in p.items():
            if not name.startswith("_"):
                print(f"  {value:7.2f}s {name}")
        print("  slowest imports of `import runner.cli, pytest, runner.plugin` (with what they import):")
        for us, name in p["_imports"]:
            print(f"  {us / 1e6:7.2f}s   {name.rstrip()}")
        result["parts"] = p

    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
