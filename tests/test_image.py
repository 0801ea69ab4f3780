"""The custom image: built for real, run with its ENTRYPOINT, measured, and checked for CJK.

The sibling test in test_codebuild_local.py runs the same suite with the ENTRYPOINT
overridden (as CodeBuild does) and compares the scenarios with the ones found here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import E2E
from tests.support.containers import docker_run, read_run, run_folders

# The shared Docker fixtures: engine, base image, the image built once per session.
pytest_plugins = ["tests.support.docker_fixtures"]


# Renders each character alone and returns the PNG of each. Missing glyphs come out as
# identical "tofu" boxes (or blanks), so distinct images for distinct characters prove that
# a font drew them. Two private-use characters, which no font covers, show what tofu looks like.
CJK_PROBE = r"""
import hashlib, json
from playwright.sync_api import sync_playwright
chars = {"ja_hiragana": "あ", "ja_kanji": "語", "zh_simplified": "说", "zh_traditional": "體",
         "blank": " ", "tofu1": "\ue000", "tofu2": "\ue001"}
out = {}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium")
    page = browser.new_page(viewport={"width": 400, "height": 200})
    for name, ch in chars.items():
        page.set_content('<html lang="ja"><body style="margin:0;background:#fff">'
                         '<span id="c" style="font-size:64px;line-height:80px;display:inline-block;'
                         'width:80px;height:80px;color:#000">' + ch + "</span></body></html>")
        out[name] = hashlib.sha256(page.locator("#c").screenshot()).hexdigest()
    browser.close()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_one_node_runtime_serves_playwright_and_allure(e2e_image: str) -> None:
    script = (
        "set -e; "
        'readlink -f "$(command -v node)"; '
        "node --version; allure --version; chromium --version; "
        "python -c 'import playwright, pytest_bdd, boto3, docker, runner; print(\"python ok\")'; "
        "if dpkg -s nodejs >/dev/null 2>&1 || dpkg -s npm >/dev/null 2>&1; then echo 'debian node present'; fi"
    )
    proc = docker_run(e2e_image, "-c", script, entrypoint="bash")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "/playwright/driver/node" in out.splitlines()[0], out
    assert "3.18.0" in out  # the Allure CLI pinned in package.json
    assert "Chromium" in out
    assert "python ok" in out
    assert "debian node present" not in out


# Lists the example suite as a run's processes start, counting the modules pytest had to
# compile anew to rewrite their asserts (those without its cache of rewritten bytecode).
REWRITE_PROBE = r"""
import json, sys
import _pytest.assertion.rewrite as rewrite
loaded, compiled = [], []
original_exec, original_rewrite = rewrite.AssertionRewritingHook.exec_module, rewrite._rewrite_test
def exec_module(self, module):
    loaded.append(module.__name__)
    return original_exec(self, module)
def rewrite_test(fn, config):
    compiled.append(str(fn))
    return original_rewrite(fn, config)
rewrite.AssertionRewritingHook.exec_module, rewrite._rewrite_test = exec_module, rewrite_test
import pytest
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "features"])
print(json.dumps({"code": int(code), "loaded": loaded, "compiled": compiled}))
"""


@pytest.mark.slow
def test_the_plugins_start_from_bytecode_made_at_build(e2e_image: str) -> None:
    """pytest rewrites the asserts of every plugin's modules (this runner's, pytest-bdd's,
    xdist's) when it imports them, unless its cache of the rewritten modules is there; the
    image cannot write one at run time (PYTHONDONTWRITEBYTECODE), so it is made at build: a
    run's processes compile none of the installed modules, only the project's own."""
    proc = docker_run(e2e_image, "-c", REWRITE_PROBE, entrypoint="python", workdir="/e2e")
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["code"] == 0, proc.stdout
    installed = [path for path in found["compiled"] if "/site-packages/" in path]
    assert not installed, f"compiled at start: {installed}"
    # What the cache served: this runner's plugin and the other plugins' modules.
    assert {"runner.plugin", "pytest_bdd.scenario", "xdist.plugin"} <= set(found["loaded"]), found["loaded"]


@pytest.mark.slow
def test_screenshots_render_japanese_and_chinese(e2e_image: str) -> None:
    proc = docker_run(e2e_image, "-c", CJK_PROBE, entrypoint="python", timeout=300)
    assert proc.returncode == 0, proc.stderr
    shots = json.loads(proc.stdout.strip().splitlines()[-1])
    # The probe itself can tell tofu: two uncovered characters look the same.
    assert shots["tofu1"] == shots["tofu2"]
    cjk = [shots[k] for k in ("ja_hiragana", "ja_kanji", "zh_simplified", "zh_traditional")]
    assert len(set(cjk)) == 4, "two CJK characters rendered identically: a font is missing (tofu)"
    assert not set(cjk) & {shots["blank"], shots["tofu1"]}, "CJK text rendered as blank or tofu"


@pytest.mark.slow
def test_docker_run_with_entrypoint_passes(entrypoint_run: dict) -> None:
    proc = entrypoint_run["proc"]
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    # The ENTRYPOINT, not the runner's on-demand start, brought the browser up.
    assert "e2e entrypoint: shared browser started" in proc.stderr
    (run_dir,) = entrypoint_run["run_dirs"]
    run = read_run(run_dir)
    assert run["status"] == "passed"
    assert run["counts"]["total"] >= 12
    assert (run_dir / "report" / "index.html").is_file()
    assert (run_dir / "junit.xml").is_file() and (run_dir / "cucumber.json").is_file()
    pngs = list(Path(run_dir, "evidence").rglob("*.png"))
    assert pngs, "no screenshot evidence"


MAX_IMAGE_BYTES = 800_000_000

FAILING_FEATURE = """\
Feature: Video of a failure
  Scenario: A scenario that fails on purpose
    Given I open "/"
    Then I see the heading "A heading this page does not have"
"""

# What Playwright's recorder needs of the image's ffmpeg (the pipeline it runs: Matroska
# with MJPEG frames in, the pad and crop filters, VP9 through libvpx, WebM out), and where
# Playwright looks for it: $PLAYWRIGHT_BROWSERS_PATH/ffmpeg-<revision from browsers.json>.
FFMPEG_PROBE = r"""
set -e
rev="$(python -c 'import json, pathlib, playwright; d = json.loads((pathlib.Path(playwright.__file__).parent / "driver/package/browsers.json").read_text()); print(next(b["revision"] for b in d["browsers"] if b["name"] == "ffmpeg"))')"
ff="$PLAYWRIGHT_BROWSERS_PATH/ffmpeg-$rev/ffmpeg-linux"
test -x "$ff" && echo "ffmpeg at expected path"
"$ff" -hide_banner -encoders | grep -q libvpx-vp9 && echo "encoder libvpx-vp9"
"$ff" -hide_banner -muxers | grep -qw webm && echo "muxer webm"
"$ff" -hide_banner -demuxers | grep -qw matroska && echo "demuxer matroska"
"$ff" -hide_banner -decoders | grep -qw mjpeg && echo "decoder mjpeg"
"$ff" -hide_banner -filters | grep -qw pad && "$ff" -hide_banner -filters | grep -qw crop && echo "filters pad crop"
ls "$PLAYWRIGHT_BROWSERS_PATH"
"""


@pytest.mark.slow
def test_image_is_at_most_800_mb(e2e_image: str) -> None:
    size = int(
        subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Size}}", e2e_image],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    print(f"\nimage size: {size / 1e6:.0f} MB")
    assert size <= MAX_IMAGE_BYTES, f"image is {size / 1e6:.0f} MB, over the 800 MB budget"


@pytest.mark.slow
def test_video_recorder_is_where_playwright_looks(e2e_image: str) -> None:
    proc = docker_run(e2e_image, "-c", FFMPEG_PROBE, entrypoint="bash")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in (
        "ffmpeg at expected path",
        "encoder libvpx-vp9",
        "muxer webm",
        "demuxer matroska",
        "decoder mjpeg",
        "filters pad crop",
    ):
        assert line in proc.stdout, proc.stdout
    # Only the recorder: no browser downloaded by Playwright (the image runs Debian's).
    listed = proc.stdout.strip().splitlines()[-1].split()
    assert len(listed) == 1 and listed[0].startswith("ffmpeg-"), listed


@pytest.mark.slow
@pytest.mark.parametrize("browser_server", ["private", "shared"])
def test_video_of_a_failing_scenario_is_kept(e2e_image: str, tmp_path: Path, browser_server: str) -> None:
    project = tmp_path / "project"
    (project / "features").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.e2e]\nbase_url = "demo"\n')
    (project / "features" / "video.feature").write_text(FAILING_FEATURE)
    proc = docker_run(
        e2e_image,
        "e2e",
        "run",
        "--video",
        "retain-on-failure",
        "--browser-server",
        browser_server,
        volumes={str(project): "/e2e"},
        timeout=600,
    )
    output = f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 1, output  # the scenario failed, and nothing else went wrong
    (run_dir,) = run_folders(project / "reports")
    run = read_run(run_dir)
    assert run["status"] == "failed", output
    videos = list(Path(run_dir, "evidence").rglob("video.webm"))
    assert videos, f"no video.webm in {run_dir}/evidence\n{output}"
    data = videos[0].read_bytes()
    assert len(data) > 1000, f"{videos[0]} has only {len(data)} bytes"
    assert data[:4] == b"\x1a\x45\xdf\xa3", "not a WebM (EBML) file"


ENTRYPOINT = [sys.executable, "-m", "runner.cli.entrypoint"]


def test_entrypoint_execs_the_command_in_its_place() -> None:
    proc = subprocess.run(
        [*ENTRYPOINT, "--no-browser", "sh", "-c", 'echo "pid=$$ args=$0"', "given"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "args=given" in proc.stdout
    failing = subprocess.run(
        [*ENTRYPOINT, "--no-browser", "sh", "-c", "exit 7"], capture_output=True, timeout=60
    )
    assert failing.returncode == 7  # the command's status is the container's
    missing = subprocess.run(
        [*ENTRYPOINT, "--no-browser", "no-such-command-here"], capture_output=True, text=True
    )
    assert missing.returncode == 1 and "command not found: no-such-command-here" in missing.stderr


def test_entrypoint_starts_the_shared_browser_first(tmp_path: Path) -> None:
    import shutil

    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("no Chromium on this machine")
    env = {**os.environ, "E2E_STATE_DIR": str(tmp_path / "state")}
    e2e = E2E
    try:
        proc = subprocess.run(
            [*ENTRYPOINT, e2e, "browser", "status"], capture_output=True, text=True, timeout=120, env=env
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "e2e entrypoint: shared browser started" in proc.stderr
        again = subprocess.run([*ENTRYPOINT, "true"], capture_output=True, text=True, timeout=120, env=env)
        assert "shared browser already running" in again.stderr
    finally:
        subprocess.run([e2e, "browser", "stop"], capture_output=True, timeout=60, env=env)
