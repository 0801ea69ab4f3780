"""A team's OWN repository, outside this checkout: what `pip install e2e-runner` + `e2e init` give.

One session fixture (``team``) does what a team does once: the runner built as a wheel and
installed with the pinned versions into a fresh virtual environment, ``e2e init`` against
their app (a small todo app in ``tests/apps/todo``, not the bundled demo app), a git
repository on a branch of its own, ``e2e install``, and a feature of theirs with one custom
step that reuses ``runner.steps.web``. Every test then runs the commands a team member
runs, with that venv's executables, and checks what they would see.

The tests marked ``slow`` run the same repository in the project's Docker image: mounted
into ``docker run`` (files handed back to the repository's owner), and through
``e2e codebuild-local`` (the team's buildspec, the way CodeBuild runs it).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from runner.serving import serve_in_background
from tests.support import DATA, require

# The shared Docker fixtures (engine, base image, the image built once per session).
pytest_plugins = ["tests.support.docker_fixtures"]

REPO = Path(__file__).resolve().parents[1]
TODO_APP = Path(__file__).resolve().parent / "apps" / "todo"
BRANCH = "team/checkout"
# A uid that is neither root nor this user: the owner of a checkout mounted into the image.
TEAM_UID = 4321
# What `e2e init` writes (runner/setup/scaffold.py FILES, Dockerfile included by default).
SCAFFOLDED = (
    "features/example.feature",
    "steps/__init__.py",
    "steps/example_steps.py",
    "pyproject.toml",
    "requirements-e2e.txt",
    "constraints-e2e.txt",
    "buildspec.yml",
    "buildspec-merge.yml",
    ".gitignore",
    "README.md",
    "Dockerfile",
)
GIT = ["git", "-c", "user.name=Team Member", "-c", "user.email=team@localhost", "-c", "commit.gpgsign=false"]

TODOS_FEATURE = """\
@todos
Feature: Keeping a todo list

  Background:
    Given I open "/"

  Scenario: Two todos are added
    When I fill in "New todo" with "Buy milk"
    And I click the "Add" button
    And I fill in "New todo" with "Walk the dog"
    And I click the "Add" button
    Then the list "Todos" has 2 items
    And I see "2 items left"
    And I take a screenshot named "two todos"

  Scenario: A todo is done
    When I add the todo "Buy milk"
    And I add the todo "Walk the dog"
    And I mark "Buy milk" as done
    Then I see "1 item left"
    And the list "Todos" has 2 items
    And the page has no "critical" accessibility violations
"""

# The team's own phrases, built on the runner's public step functions (the stable import name
# of the packaged step library).

SCENARIOS = 3  # the two todo scenarios and the example feature `e2e init` wrote


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def shown(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{tail(proc.stdout)}\n--- stderr\n{tail(proc.stderr)}"


def run_dirs(root: Path) -> list[Path]:
    """Run folders (with a run.json) under ``root/reports``, oldest first."""
    reports = root / "reports"
    if not reports.is_dir():
        return []
    return sorted(
        p for p in reports.iterdir() if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file()
    )


def read_run(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links as their target), by content hash."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            files[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


# --------------------------------------------------------------------------- the todo app


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="session")
def todo_app() -> Iterator[str]:
    """The todo app on a free loopback port, for the whole session; its URL ends with "/"."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(TODO_APP))
    )
    thread = serve_in_background(server, name="todo-app")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the team's repository


@dataclass
class Team:
    root: Path  # the team's repository
    venv: Path  # where e2e-runner is installed, as the team installs it
    wheel: Path
    base_url: str
    commit: str
    state_dir: Path  # the shared browser's state files, outside the repository
    init_output: str = field(repr=False)

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self, **extra: str) -> dict[str, str]:
        """A team member's shell with the venv activated: nothing of this checkout's session."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("E2E_", "PYTEST_", "CODEBUILD_", "AWS_"))
            # A laptop's Python writes bytecode beside the team's steps; this machine's shell may not.
            and k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
        }
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["E2E_STATE_DIR"] = str(self.state_dir)  # a browser server of this module's own
        env.update(extra)
        return env

    def run(
        self, *cmd: str, cwd: Path | None = None, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(cmd),
            cwd=cwd or self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def e2e(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run(self.bin("e2e"), *args, **kwargs)

    def pytest(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run(self.bin("python"), "-m", "pytest", *args, **kwargs)


def _must(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        pytest.fail(f"{what} failed:\n{shown(proc)}", pytrace=False)
    return proc


def _git(root: Path, *args: str) -> str:
    return _must(subprocess.run([*GIT, "-C", str(root), *args], capture_output=True, text=True), "git").stdout


@pytest.fixture(scope="session")
def team(todo_app: str, tmp_path_factory: pytest.TempPathFactory) -> Team:
    base = tmp_path_factory.mktemp("team")
    wheels, venv, root = base / "wheels", base / "venv", base / "todo-team"

    # 1. The runner as a wheel of this checkout, installed with the pinned versions into a
    #    fresh venv (no system site-packages: only what the wheel declares).
    #    setuptools builds in the source tree: DIST_EXTRA_CONFIG moves its build/ folder to the
    #    temp folder, so no stale build/lib of an earlier build ends up in the wheel and nothing
    #    is written into the checkout.
    pip = REPO / ".venv" / "bin" / "pip"
    pip_cmd = [str(pip)] if pip.is_file() else [sys.executable, "-m", "pip"]
    build_cfg = base / "setuptools-build.cfg"
    build_cfg.write_text(f"[build]\nbuild_base = {base / 'build'}\n", encoding="utf-8")
    _must(
        subprocess.run(
            [*pip_cmd, "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "DIST_EXTRA_CONFIG": str(build_cfg)},
        ),
        "pip wheel of this checkout",
    )
    (wheel,) = wheels.glob("e2e_runner-*.whl")
    python3 = shutil.which("python3") or sys.executable
    made = subprocess.run([python3, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    require(made.returncode == 0, f"python3 -m venv does not work here:\n{shown(made)}")
    _must(
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-c", str(REPO / "constraints.txt"), str(wheel)],
            capture_output=True,
            text=True,
            timeout=1800,
        ),
        "pip install of the wheel into a fresh venv",
    )
    state_dir = base / "browser-state"
    state_dir.mkdir(mode=0o700)  # the runner refuses a state folder others may enter
    team = Team(root, venv, wheel, todo_app, "", state_dir, "")
    where = _must(team.run(team.bin("python"), "-c", "import runner; print(runner.__file__)", cwd=base), "")
    assert Path(where.stdout.strip()).is_relative_to(venv), f"runner imported from {where.stdout}"

    # 2. `e2e init` against the todo app, then a git repository on a branch of its own.
    init = _must(team.e2e("init", str(root), "--base-url", todo_app, cwd=base), "e2e init")
    team.init_output = init.stdout + init.stderr
    _git(base, "init", "-q", f"--initial-branch={BRANCH}", str(root))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "e2e init")

    # 3. `e2e install`: the pinned Allure CLI into the user cache, Chromium when missing.
    _must(team.e2e("install", timeout=1800), "e2e install")

    # 4. The team's own feature, on the generic phrases and one custom step module.
    (root / "features" / "todos.feature").write_text(TODOS_FEATURE, encoding="utf-8")
    shutil.copyfile(DATA / "todo_steps.py", root / "steps" / "todo_steps.py")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Todo features")
    team.commit = _git(root, "rev-parse", "HEAD").strip()
    return team


# --------------------------------------------------------------------------- a team member's commands


def test_pytest_features_passes_and_records_the_run(team: Team) -> None:
    before = set(run_dirs(team.root))
    proc = team.pytest("features/")
    assert proc.returncode == 0, shown(proc)

    first = proc.stderr.splitlines()[0] if proc.stderr else ""
    assert first.startswith(f"e2e: testing the app at {team.base_url} "), shown(proc)
    assert "pyproject.toml" in first or "[tool.e2e]" in first, first  # where the URL came from

    new = [p for p in run_dirs(team.root) if p not in before]
    assert len(new) == 1, new
    run_dir = new[0]
    latest = team.root / "reports" / "latest"
    assert latest.is_symlink() and latest.resolve() == run_dir.resolve()

    run = read_run(latest)
    assert run["status"] == "passed", run
    assert run["counts"]["total"] == SCENARIOS and run["counts"]["passed"] == SCENARIOS, run["counts"]
    assert run["metadata"]["branch"] == BRANCH, run["metadata"]
    assert run["metadata"]["commit"] == team.commit, run["metadata"]
    names = {s["name"] for s in run["scenarios"]}
    assert {"Two todos are added", "A todo is done"} <= names, names
    # The accessibility scan ran offline on the axe-core `e2e install` put beside the Allure CLI
    # (a done todo's grey text is a serious contrast violation, which that phrase leaves out).
    assert run["metadata"]["axe_core"] and run["accessibility"]["scans"] == 1, run.get("accessibility")

    junit = ET.parse(latest / "junit.xml").getroot()
    suites = [junit] if junit.tag == "testsuite" else list(junit.iter("testsuite"))
    assert sum(int(s.get("tests", 0)) for s in suites) == SCENARIOS
    assert sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites) == 0

    cucumber = json.loads((latest / "cucumber.json").read_text(encoding="utf-8"))
    elements = [
        e for feature in cucumber for e in feature.get("elements", []) if e.get("type") != "background"
    ]
    assert len(elements) == SCENARIOS, [e.get("name") for e in elements]
    steps = [step for e in elements for step in e.get("steps", [])]
    assert steps and all(step["result"]["status"] == "passed" for step in steps)

    # Evidence: a final-state screenshot of every scenario, and the named one.
    shots = sorted((latest / "evidence").rglob("*.png"))
    assert len([p for p in shots if "final-state" in p.name]) == SCENARIOS, shots
    assert any("two-todos" in p.name for p in shots), shots
    for scenario in run["scenarios"]:
        assert scenario["final_screenshot"], scenario
        assert (latest / scenario["final_screenshot"]).is_file(), scenario

    # Nothing a run leaves behind shows up for `git add -A` (reports/ is ignored).
    assert _git(team.root, "status", "--porcelain") == ""


def test_e2e_run_makes_a_single_file_report(team: Team) -> None:
    before = set(run_dirs(team.root))
    proc = team.e2e("run")
    assert proc.returncode == 0, shown(proc)
    assert proc.stderr.splitlines()[0].startswith(f"e2e: testing the app at {team.base_url} "), shown(proc)
    new = [p for p in run_dirs(team.root) if p not in before]
    assert len(new) == 1, new
    assert (team.root / "reports" / "latest").resolve() == new[0].resolve()

    report = team.root / "reports" / "latest" / "report" / "index.html"
    assert report.is_file(), shown(proc)
    assert report.stat().st_size > 100_000, report.stat().st_size
    html = report.read_text(encoding="utf-8", errors="replace")
    assert "googletagmanager" not in html
    assert read_run(new[0])["status"] == "passed"
    assert read_run(new[0])["report"] == "report/index.html"


def test_e2e_doctor_says_a_run_can_work(team: Team) -> None:
    proc = team.e2e("doctor")
    assert proc.returncode == 0, shown(proc)
    lines = proc.stdout.splitlines()

    def status_of(name: str) -> str:
        found = [line for line in lines if line.startswith(name)]
        assert found, f"{name!r} not listed:\n{proc.stdout}"
        return found[0]

    for name in ("Chromium", "Allure report CLI", "App under test"):
        assert status_of(name).split()[len(name.split())] == "ok", status_of(name)
    assert team.base_url in status_of("App under test")
    assert "A run can work." in proc.stdout


def test_e2e_init_again_overwrites_nothing(team: Team) -> None:
    before = snapshot(team.root)
    # Even with another URL: an existing pyproject.toml is the team's, never rewritten.
    proc = team.e2e("init", str(team.root), "--base-url", "http://other.invalid/", cwd=team.root.parent)
    assert proc.returncode == 0, shown(proc)
    assert snapshot(team.root) == before
    out = proc.stdout + proc.stderr
    assert "wrote" not in out, out
    for rel in SCAFFOLDED:
        assert f"kept  {rel} " in out, out
    assert f"wrote {SCAFFOLDED[0]}" in team.init_output  # the first time, it did write them


def test_the_team_buildspec_is_this_checkouts_buildspec(team: Team) -> None:
    assert (team.root / "buildspec.yml").read_bytes() == (REPO / "buildspec.yml").read_bytes()
    assert (team.root / "buildspec-merge.yml").read_bytes() == (REPO / "buildspec-merge.yml").read_bytes()


def test_an_unset_base_url_stops_the_run_and_says_where_to_set_it(team: Team, tmp_path: Path) -> None:
    copy = tmp_path / "todo-team"
    shutil.copytree(team.root, copy, symlinks=True, ignore=shutil.ignore_patterns("reports", ".pytest_cache"))
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith("base_url")]
    assert len(kept) == len(text.splitlines()) - 1, text
    pyproject.write_text("".join(kept), encoding="utf-8")

    for proc in (team.pytest("features/", cwd=copy), team.e2e("run", cwd=copy)):
        out = proc.stdout + proc.stderr
        assert proc.returncode == 4, shown(proc)
        for place in ("[tool.e2e]", "E2E_BASE_URL", "--base-url"):
            assert place in out, out
        assert " passed" not in out, out  # no scenario ran
    assert all(read_run(p)["status"] != "passed" for p in run_dirs(copy))


# --------------------------------------------------------------------------- in the image


def _owned_by_other(root: Path, uid: int) -> list[str]:
    wrong = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            owner = path.lstat().st_uid
            if owner != uid:
                wrong.append(f"{path.relative_to(root)} (uid {owner})")
    return wrong


@pytest.mark.slow
def test_docker_run_of_the_image_runs_the_team_suite(team: Team, e2e_image: str) -> None:
    before = set(run_dirs(team.root))
    subprocess.run(["chown", "-R", f"{TEAM_UID}:{TEAM_UID}", str(team.root)], check=True)
    try:
        proc = subprocess.run(
            ["docker", "run", "--rm", "--network", "host", "-v", f"{team.root}:/e2e", e2e_image],
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert proc.returncode == 0, shown(proc)
        new = [p for p in run_dirs(team.root) if p not in before]
        assert len(new) == 1, (new, shown(proc))
        run = read_run(new[0])
        assert run["status"] == "passed", run
        assert run["counts"]["total"] == SCENARIOS, run["counts"]
        # The image has no git binary: branch and commit come from reading .git itself.
        assert run["metadata"]["branch"] == BRANCH, run["metadata"]
        assert run["metadata"]["commit"] == team.commit, run["metadata"]
        assert (new[0] / "report" / "index.html").is_file()
        # Everything was the team's before the run, so anything else was written by the container.
        wrong = _owned_by_other(team.root, TEAM_UID)
        assert not wrong, f"files the container left to another owner than {TEAM_UID}: {wrong}"
    finally:
        subprocess.run(["chown", "-R", "0:0", str(team.root)], check=True)


@pytest.mark.slow
def test_codebuild_local_runs_the_team_buildspec(team: Team, e2e_image: str) -> None:
    before = set(run_dirs(team.root))
    proc = team.e2e(
        "codebuild-local", "--image", e2e_image, "-e", f"E2E_BASE_URL={team.base_url}", timeout=1800
    )
    assert proc.returncode == 0, shown(proc)
    new = [p for p in run_dirs(team.root) if p not in before]
    assert len(new) == 1, (new, shown(proc))
    run = read_run(new[0])
    assert run["status"] == "passed", run
    assert run["counts"]["total"] == SCENARIOS, run["counts"]
    assert run["metadata"]["branch"] == BRANCH, run["metadata"]
    assert run["metadata"]["commit"] == team.commit, run["metadata"]
    assert run["metadata"]["source"] == "codebuild", run["metadata"]
    assert f"codebuild-local: run folder {new[0]}" in proc.stdout + proc.stderr
    # The build's own post_build says "the report stays in this build (reports/latest/report/index.html)",
    # and README says reports/latest points at the newest run.
    # reports/latest follows the build's run, not the previous local run (here: `docker run`'s).
    assert (team.root / "reports" / "latest").resolve() == new[0].resolve(), "reports/latest not moved"
