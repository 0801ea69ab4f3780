"""The CodeBuild emulator's parts, without containers: the driver run with bash on this host.

``driver.sh`` is what runs in the build container in place of the ENTRYPOINT; here it runs
directly, with a plan made by ``make_plan`` from a buildspec and a temporary source folder,
as ``build.py`` prepares both. Each test is one driver run (a fraction of a second): the
``on-failure`` values, the shells, what one command leaves to the next (background
processes among it), then the variables, the source's ``.git``, the report paths and the
batch's fast-fail plumbing, which need no driver.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.codebuild import environment
from runner.codebuild.batch import run_batch
from runner.codebuild.build import BuildRequest, BuildResult, StopSignal
from runner.codebuild.buildspec import OnFailure, parse_buildspec, parse_on_failure
from runner.codebuild.driver import DRIVER, error_message, make_plan
from runner.codebuild.environment import codebuild_variables, copy_source, make_git_checkout
from runner.codebuild.printer import Printer
from runner.codebuild.reports import check_reports
from runner.codebuild.yaml_checker import BuildspecError
from runner.metadata import read_head

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the driver needs bash")


def spec_of(text: str):
    return parse_buildspec(textwrap.dedent(text), Path("buildspec.yml"))


@dataclass
class DriverRun:
    returncode: int
    output: str
    src: Path

    def phase_states(self) -> dict[str, str]:
        return dict(re.findall(r"Phase complete: (\w+) State: (\w+)", self.output))

    def count(self, text: str) -> int:
        return self.output.count(text)

    def lines(self, text: str) -> int:
        """How many output lines are exactly ``text``."""
        return self.output.splitlines().count(text)


class Driver:
    """Runs a buildspec's phases with driver.sh as build.py would, each in a fresh source folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs = 0

    def __call__(self, buildspec: str, *, timeout: float = 60) -> DriverRun:
        self.runs += 1
        build = self.root / f"build{self.runs}"
        src = build / "src"
        (src / "sub").mkdir(parents=True)
        (build / "plan.tsv").write_text(make_plan(spec_of(buildspec)))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(build),
            "CODEBUILD_SRC_DIR": str(src),
            "CB_PLAN": str(build / "plan.tsv"),
            "CB_STATE_DIR": str(build / "state"),
        }
        proc = subprocess.run(
            ["bash", str(DRIVER)],
            env=env,
            cwd=build,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        return DriverRun(proc.returncode, proc.stdout, src)

    def kill_background(self) -> None:
        """End background processes the builds left (their pid files are in the source folders)."""
        for pid_file in self.root.glob("build*/src/*.pid"):
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass


@pytest.fixture
def run_driver(tmp_path: Path):
    driver = Driver(tmp_path)
    yield driver
    driver.kill_background()


# --------------------------------------------------------------------------- on-failure: the parser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABORT", OnFailure("ABORT")),
        ("continue", OnFailure("CONTINUE")),
        ("RETRY", OnFailure("RETRY", 3, ".*")),
        ("RETRY-0", OnFailure("RETRY", 0, ".*")),
        ("RETRY-8", OnFailure("RETRY", 8, ".*")),
        ("RETRY-100", OnFailure("RETRY", 100, ".*")),
        # The reference's own examples, keyword in any case, regex kept as written.
        ("Retry-4-([A-Z])\\w+", OnFailure("RETRY", 4, "([A-Z])\\w+")),
        ("RETRY-8-([0-9]){4}", OnFailure("RETRY", 8, "([0-9]){4}")),
        ("Retry-([A-Z])\\w+", OnFailure("RETRY", 3, "([A-Z])\\w+")),
        ("RETRY-([0-9]){4}", OnFailure("RETRY", 3, "([0-9]){4}")),
        ("RETRY-exit status 75", OnFailure("RETRY", 3, "exit status 75")),
        ("RETRY-2-exit-status-7", OnFailure("RETRY", 2, "exit-status-7")),
    ],
)
def test_on_failure_values(text: str, expected: OnFailure) -> None:
    assert parse_on_failure(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("STOP", "is not one of ABORT, CONTINUE, RETRY"),
        ("RETRY-101", "between 0 and 100"),
        ("RETRY-", "nothing after the dash"),
        ("RETRY-3-", "nothing after the dash"),
        ("RETRY-3-(unclosed", "not a valid regular expression"),
    ],
)
def test_wrong_on_failure_values_name_the_line(text: str, fragment: str) -> None:
    with pytest.raises(BuildspecError) as info:
        spec_of(f"version: 0.2\nphases:\n  build:\n    on-failure: '{text}'\n    commands: ['true']\n")
    assert info.value.line == 4
    assert "phases.build.on-failure" in str(info.value) and fragment in str(info.value)


def test_no_on_failure_is_not_abort() -> None:
    spec = spec_of("version: 0.2\nphases:\n  build:\n    commands: ['true']\n")
    assert spec.phases["build"].on_failure.action == "DEFAULT"
    assert "phase\tbuild\tDEFAULT\t0" in make_plan(spec)


def test_retry_regex_is_matched_against_the_error_message() -> None:
    """The plan carries, per command, the exit statuses whose message the regex matches."""
    plan = make_plan(
        spec_of(
            """\
            version: 0.2
            phases:
              build:
                on-failure: RETRY-2-Reason. exit status 75$
                commands: ['./flaky']
            """
        )
    )
    assert "cmd\tbuild\t75\t" in plan
    policy = parse_on_failure("RETRY-npm ci")  # the command's own text is in the message
    assert policy.retries_on(error_message("npm ci", 1))
    assert not policy.retries_on(error_message("npm test", 1))


# --------------------------------------------------------------------------- on-failure: the driver

FAILING_BUILD = """\
version: 0.2
phases:
  install:
    {install_policy}
    commands:
      - echo install-ran
  build:
    {build_policy}
    commands:
      - echo build-ran; exit 3
    finally:
      - echo "build-finally succeeding=$CODEBUILD_BUILD_SUCCEEDING"
  post_build:
    commands:
      - echo "post-ran succeeding=$CODEBUILD_BUILD_SUCCEEDING"
"""


def test_no_on_failure_follows_the_phase_transitions(run_driver) -> None:
    run = run_driver(FAILING_BUILD.format(install_policy="", build_policy=""))
    assert run.returncode == 1
    assert run.phase_states() == {"INSTALL": "SUCCEEDED", "BUILD": "FAILED", "POST_BUILD": "SUCCEEDED"}
    assert "post-ran succeeding=0" in run.output
    assert (
        "Phase context status code: COMMAND_EXECUTION_ERROR Message: "
        + error_message("echo build-ran; exit 3", 3)
        in run.output
    )


def test_explicit_abort_ends_the_build_after_finally(run_driver) -> None:
    run = run_driver(FAILING_BUILD.format(install_policy="", build_policy="on-failure: ABORT"))
    assert run.returncode == 1
    assert run.phase_states() == {"INSTALL": "SUCCEEDED", "BUILD": "FAILED", "POST_BUILD": "SKIPPED"}
    assert "build-finally succeeding=1" in run.output  # finally is part of the phase
    assert "post-ran" not in run.output


def test_continue_after_a_failed_install_runs_the_next_phases(run_driver) -> None:
    spec = """\
    version: 0.2
    phases:
      install:
        on-failure: CONTINUE
        commands: ['exit 4']
      pre_build:
        commands: ['echo "pre-ran succeeding=$CODEBUILD_BUILD_SUCCEEDING"']
      build:
        commands: ['echo build-ran']
    """
    run = run_driver(spec)
    assert run.returncode == 1  # the build failed, though every later phase ran
    assert run.phase_states() == {"INSTALL": "FAILED", "PRE_BUILD": "SUCCEEDED", "BUILD": "SUCCEEDED"}
    assert "pre-ran succeeding=0" in run.output and "build-ran" in run.output


def test_failed_install_without_on_failure_skips_the_rest(run_driver) -> None:
    run = run_driver(
        FAILING_BUILD.format(install_policy="", build_policy="").replace("echo install-ran", "false")
    )
    assert run.phase_states() == {"INSTALL": "FAILED", "BUILD": "SKIPPED", "POST_BUILD": "SKIPPED"}
    assert "build-ran" not in run.output


FLAKY = """\
version: 0.2
phases:
  build:
    on-failure: {policy}
    commands:
      - echo x >> attempts; echo "attempt $(wc -l < attempts) succeeding=$CODEBUILD_BUILD_SUCCEEDING"
      - test "$(wc -l < attempts)" -ge {passes_at} || exit {status}
    finally:
      - echo finally-ran
  post_build:
    commands:
      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING"
"""


def flaky(policy: str, passes_at: int = 99, status: int = 1) -> str:
    return FLAKY.format(policy=policy, passes_at=passes_at, status=status)


def test_retry_reruns_the_phase_until_it_passes(run_driver) -> None:
    run = run_driver(flaky("RETRY", passes_at=3))
    assert run.returncode == 0, run.output
    assert run.phase_states() == {"BUILD": "SUCCEEDED", "POST_BUILD": "SUCCEEDED"}
    assert run.count("Retrying phase BUILD") == 2
    assert run.lines("finally-ran") == 3  # each attempt is the whole phase, finally included
    # A failed attempt that is retried does not make the build fail.
    assert "attempt 3 succeeding=1" in run.output and "post succeeding=1" in run.output


@pytest.mark.parametrize(("policy", "attempts"), [("RETRY", 4), ("RETRY-1", 2), ("RETRY-0", 1)])
def test_retry_count(run_driver, policy: str, attempts: int) -> None:
    run = run_driver(flaky(policy))
    assert run.returncode == 1
    assert run.count("Running command echo x >> attempts") == attempts
    # Retries used up: the phase transitions apply, so a failed build still runs post_build.
    assert run.phase_states() == {"BUILD": "FAILED", "POST_BUILD": "SUCCEEDED"}
    assert "post succeeding=0" in run.output


def test_retry_regex_that_matches(run_driver) -> None:
    run = run_driver(flaky("RETRY-exit status 75", passes_at=2, status=75))
    assert run.returncode == 0, run.output
    assert run.count("Retrying phase BUILD") == 1


def test_retry_regex_that_does_not_match_is_not_retried(run_driver) -> None:
    run = run_driver(flaky("RETRY-exit status 75", passes_at=2, status=1))
    assert run.returncode == 1
    assert run.count("Running command echo x >> attempts") == 1
    assert "does not match the regular expression; not retried" in run.output


def test_retry_count_and_regex(run_driver) -> None:
    run = run_driver(flaky("RETRY-2-status 7[0-9]$", status=76))
    assert run.count("Running command echo x >> attempts") == 3
    assert "2 retries used up" in run.output


def test_retry_of_install_that_never_passes_ends_the_build(run_driver) -> None:
    run = run_driver(
        "version: 0.2\nphases:\n  install:\n    on-failure: RETRY-1\n    commands: ['false']\n"
        "  build:\n    commands: ['echo build-ran']\n"
    )
    assert run.count("Running command false") == 2
    assert run.phase_states() == {"INSTALL": "FAILED", "BUILD": "SKIPPED"}


def test_retry_keeps_what_the_failed_attempt_left(run_driver) -> None:
    """No rollback between attempts: the session goes on from the failed attempt."""
    spec = "version: 0.2\nphases:\n  build:\n    on-failure: RETRY-2\n    commands:\n"
    spec += "      - 'N=x${N:-}; echo \"N=$N\"'\n      - 'test \"$N\" = xxx'\n"
    run = run_driver(spec)
    assert run.returncode == 0, run.output
    assert run.lines("N=xxx") == 1 and run.count("Retrying phase BUILD") == 2


# --------------------------------------------------------------------------- the shells

SHELL_PROBE = """\
version: 0.2
{env}
phases:
  build:
    commands:
      - echo "script=$0"
      - if [[ 1 == 1 ]]; then echo bash-syntax-ok; fi
      - missing-command-xyz || true
"""


def test_default_shell_is_bin_sh(run_driver) -> None:
    assert spec_of("version: 0.2\nphases:\n  build:\n    commands: ['true']\n").shell == "/bin/sh"
    run = run_driver(SHELL_PROBE.format(env=""))
    assert re.search(r"script=\S+/script\.sh", run.output)
    assert run.lines("bash-syntax-ok") == 0
    if os.path.realpath("/bin/sh").endswith("dash"):
        # The service's own wording on Debian and Ubuntu images (its scripts run in /bin/sh).
        assert re.search(r"script\.sh: 4: missing-command-xyz: not found", run.output), run.output


def test_env_shell_bash(run_driver) -> None:
    run = run_driver(SHELL_PROBE.format(env="env:\n  shell: bash"))
    assert run.lines("bash-syntax-ok") == 1
    assert re.search(r"script\.sh: line 4: missing-command-xyz: command not found", run.output)


def test_env_shell_bin_sh(run_driver) -> None:
    run = run_driver(SHELL_PROBE.format(env="env:\n  shell: /bin/sh"))
    assert run.lines("bash-syntax-ok") == 0 and re.search(
        r"script\.sh: (line )?4: \[\[: .*not found", run.output
    )


@pytest.mark.parametrize(
    ("shell", "fragment"),
    [("sh", "use bash or /bin/sh"), ("zsh", "use bash or /bin/sh"), ("powershell.exe", "Windows")],
)
def test_other_shells_are_refused(shell: str, fragment: str) -> None:
    with pytest.raises(BuildspecError) as info:
        spec_of(f"version: 0.2\nenv:\n  shell: {shell}\nphases:\n  build:\n    commands: ['true']\n")
    assert info.value.line == 3 and fragment in str(info.value)


# --------------------------------------------------------------------------- one command to the next

SESSION = """\
version: 0.2
env:
  shell: {shell}
phases:
  install:
    commands:
      - cd sub && export EXPORTED=yes && PLAIN=kept && GONE=soon
      - |
        QUOTED="it's
        two lines"; unset GONE
      - set -e; set -u; trap 'echo trap-ran' EXIT; echo first-done
      - false; echo "set -e did not carry over"
      - echo "unset=${{UNSET_VAR:-no}}"
  build:
    commands:
      - echo "cwd=$(pwd) exported=$EXPORTED plain=$PLAIN gone=${{GONE:-unset}}"
      - echo "quoted=[$QUOTED]"
      - echo "child sees plain=[$(sh -c 'echo ${{PLAIN:-}}')] exported=[$(sh -c 'echo $EXPORTED')]"
      - env | grep -c '^CB_' || true
"""


@pytest.mark.parametrize("shell", ["bash", "/bin/sh"])
def test_what_carries_over(run_driver, shell: str) -> None:
    run = run_driver(SESSION.format(shell=shell))
    out = run.output
    assert run.returncode == 0, out
    assert f"cwd={run.src}/sub exported=yes plain=kept gone=unset" in out
    assert "quoted=[it's\ntwo lines]" in out
    assert "child sees plain=[] exported=[yes]" in out  # plain variables stay plain
    # A trap runs when its own command's shell exits; options do not carry over.
    assert run.lines("trap-ran") == 1 and out.index("\nfirst-done\n") < out.index("\ntrap-ran\n")
    assert run.lines("set -e did not carry over") == 1 and run.lines("unset=no") == 1
    # The driver's own variables are not the build's.
    assert re.search(r"Running command env \| grep -c '\^CB_' \|\| true\n0\n", out), out


def test_functions_carry_over_in_bash_only(run_driver) -> None:
    def spec(shell: str) -> str:
        return (
            f"version: 0.2\nenv:\n  shell: {shell}\nphases:\n  build:\n    commands:\n"
            "      - 'helper() { echo helper-called; }'\n      - helper\n"
        )

    assert run_driver(spec("bash")).lines("helper-called") == 1
    run = run_driver(spec("/bin/sh"))
    assert run.lines("helper-called") == 0 and run.returncode == 1


def test_exit_in_a_command_fails_only_that_command_and_keeps_its_changes(run_driver) -> None:
    spec = """\
    version: 0.2
    env:
      shell: bash
    phases:
      build:
        commands:
          - export BEFORE_EXIT=1; cd sub; exit 0
          - echo "before_exit=$BEFORE_EXIT cwd=$(pwd)"
    """
    run = run_driver(spec)
    assert f"before_exit=1 cwd={run.src}/sub" in run.output


# --------------------------------------------------------------------------- background processes

BACKGROUND = """\
version: 0.2
env:
  shell: {shell}
phases:
  install:
    commands:
      # The CodeBuild docs' pattern: nohup, and a pid file for the later commands.
      - nohup sleep 60 > /dev/null 2>&1 & echo $! > nohup.pid
      - sleep 60 > /dev/null 2>&1 & echo $! > plain.pid
  build:
    commands:
      - kill -0 "$(cat nohup.pid)" && kill -0 "$(cat plain.pid)" && echo both-alive
      - echo "bang=[$!] jobs=[$(jobs)]"
      - wait "$(cat plain.pid)"; echo "wait-status=$?"
  post_build:
    commands:
      - kill "$(cat nohup.pid)" "$(cat plain.pid)" && echo killed
"""


@pytest.mark.parametrize("shell", ["bash", "/bin/sh"])
def test_background_processes_run_on_into_later_phases(run_driver, shell: str) -> None:
    run = run_driver(BACKGROUND.format(shell=shell))
    out = run.output
    assert run.returncode == 0, out
    assert "both-alive" in out and "killed" in out
    # The job table and $! belong to the command that started the process; `wait` from a
    # later command is refused by the shell (127: not its child), so poll or kill instead.
    assert "bang=[] jobs=[]" in out
    assert "wait-status=127" in out


# --------------------------------------------------------------------------- the variables

EXPECTED_VARIABLES = {
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EC2_METADATA_DISABLED",
    "CODEBUILD_BUILD_ARN",
    "CODEBUILD_BUILD_ID",
    "CODEBUILD_BUILD_IMAGE",
    "CODEBUILD_BUILD_NUMBER",
    "CODEBUILD_BUILD_SUCCEEDING",
    "CODEBUILD_BUILD_URL",
    "CODEBUILD_INITIATOR",
    "CODEBUILD_KMS_KEY_ID",
    "CODEBUILD_LOG_PATH",
    "CODEBUILD_PROJECT_ARN",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CODEBUILD_SOURCE_REPO_URL",
    "CODEBUILD_SOURCE_VERSION",
    "CODEBUILD_SRC_DIR",
    "CODEBUILD_START_TIME",
    "HOME",
}
WEBHOOK_VARIABLES = {
    "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID",
    "CODEBUILD_WEBHOOK_BASE_REF",
    "CODEBUILD_WEBHOOK_EVENT",
    "CODEBUILD_WEBHOOK_HEAD_REF",
    "CODEBUILD_WEBHOOK_PREV_COMMIT",
    "CODEBUILD_WEBHOOK_TRIGGER",
}


def git(cwd: Path, *args: str) -> str:
    base = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "init.defaultBranch=main"]
    return subprocess.run([*base, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A source checkout: two commits on main, an origin, an uncommitted change."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.txt").write_text("one\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    (root / "a.txt").write_text("two\n")
    git(root, "commit", "-q", "-am", "second")
    git(root, "remote", "add", "origin", "https://github.com/example/repo.git")
    (root / "a.txt").write_text("uncommitted\n")
    return root


def variables(source: Path, **kwargs) -> dict[str, str]:
    return codebuild_variables(
        project="proj",
        build_number=7,
        src_dir="/codebuild/output/src123456789/src",
        image="img:1",
        region="eu-west-1",
        source=source,
        now=1_700_000_000.5,
        **kwargs,
    )


def test_the_service_variables_and_no_others(repo: Path) -> None:
    env = variables(repo, identifier="shard1")
    assert set(env) == EXPECTED_VARIABLES | WEBHOOK_VARIABLES | {"CODEBUILD_BATCH_BUILD_IDENTIFIER"}
    assert "CODEBUILD_LOCAL" not in env
    head, parent = git(repo, "rev-parse", "HEAD"), git(repo, "rev-parse", "HEAD^")
    project, build_uuid = env["CODEBUILD_BUILD_ID"].split(":")
    assert project == "proj" and str(uuid.UUID(build_uuid)) == build_uuid
    assert env["CODEBUILD_LOG_PATH"] == build_uuid
    assert env["CODEBUILD_BUILD_ARN"] == f"arn:aws:codebuild:eu-west-1:000000000000:build/proj:{build_uuid}"
    assert env["CODEBUILD_PROJECT_ARN"] == "arn:aws:codebuild:eu-west-1:000000000000:project/proj"
    assert env["CODEBUILD_KMS_KEY_ID"] == "arn:aws:kms:eu-west-1:000000000000:alias/aws/s3"
    assert env["CODEBUILD_BUILD_IMAGE"] == "img:1"
    assert env["CODEBUILD_START_TIME"] == "1700000000500"
    assert env["CODEBUILD_RESOLVED_SOURCE_VERSION"] == env["CODEBUILD_SOURCE_VERSION"] == head
    assert env["CODEBUILD_SOURCE_REPO_URL"] == "https://github.com/example/repo.git"
    assert env["CODEBUILD_WEBHOOK_PREV_COMMIT"] == parent
    assert env["CODEBUILD_WEBHOOK_HEAD_REF"] == "refs/heads/main"
    assert env["CODEBUILD_WEBHOOK_TRIGGER"] == "branch/main" and env["CODEBUILD_WEBHOOK_EVENT"] == "PUSH"
    assert env["CODEBUILD_WEBHOOK_BASE_REF"] == "" and env["HOME"] == "/root"
    assert env["CODEBUILD_BATCH_BUILD_IDENTIFIER"] == "shard1"


def test_detached_head_has_no_webhook_variables(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    assert set(variables(repo)) == EXPECTED_VARIABLES


def test_first_commit_has_the_zero_previous_commit(tmp_path: Path) -> None:
    root = tmp_path / "one"
    root.mkdir()
    git(root, "init", "-q")
    (root / "f").write_text("x")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "only")
    assert variables(root)["CODEBUILD_WEBHOOK_PREV_COMMIT"] == "0" * 40


def test_every_variable_is_listed_with_its_source() -> None:
    doc = environment.__doc__ or ""
    for name in EXPECTED_VARIABLES | WEBHOOK_VARIABLES | {"CODEBUILD_BATCH_BUILD_IDENTIFIER"}:
        line = next((x for x in doc.splitlines() if f"``{name}``" in x), "")
        assert re.search(r"\| (documented|seen)", line) or name == "AWS_EC2_METADATA_DISABLED", name
    assert "AWS_EC2_METADATA_DISABLED" in doc


# --------------------------------------------------------------------------- the source's .git


def test_the_source_copy_has_a_depth_one_checkout(repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy"
    copy_source(repo, dest)
    assert make_git_checkout(repo, dest) is None
    head = git(repo, "rev-parse", "HEAD")
    assert git(dest, "rev-parse", "HEAD") == head
    assert git(dest, "rev-list", "--count", "HEAD") == "1"  # shallow, as GitCloneDepth: 1
    assert (dest / ".git" / "shallow").is_file()
    assert subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=dest).returncode != 0  # detached
    assert git(dest, "status", "--porcelain") == "M a.txt"  # what is built: the work tree
    assert git(dest, "remote", "get-url", "origin") == "https://github.com/example/repo.git"
    assert read_head(dest) == (None, head)  # what the runner reads where git is not installed


def test_no_git_checkout_without_a_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "dest").mkdir()
    assert make_git_checkout(tmp_path / "plain", tmp_path / "dest") is not None
    assert not (tmp_path / "dest" / ".git").exists()


# --------------------------------------------------------------------------- report paths

REPORTS = """\
version: 0.2
phases:
  build:
    commands: ['true']
reports:
  unit:
    files: [{files}]
    base-directory: '{base}'
"""


@pytest.mark.parametrize(
    ("base", "files", "where", "shown"),
    [
        ("../../etc", "passwd", "reports.unit.base-directory", "../../etc"),
        ("/etc", "passwd", "reports.unit.base-directory", "/etc"),
        ("$CODEBUILD_SRC_DIR/../x", "junit.xml", "reports.unit.base-directory", "$CODEBUILD_SRC_DIR/../x"),
        ("out", "'../../etc/passwd'", "reports.unit.files", "../../etc/passwd"),
        ("out", "/etc/passwd", "reports.unit.files", "/etc/passwd"),
    ],
)
def test_report_paths_outside_the_source_are_refused(base: str, files: str, where: str, shown: str) -> None:
    with pytest.raises(BuildspecError) as info:
        spec_of(REPORTS.format(base=base, files=files))
    message = str(info.value)
    assert where in message and repr(shown) in message and "outside the source folder" in message


@pytest.mark.parametrize(
    ("base", "files"),
    [("out/junit", "'../junit.xml'"), ("$CODEBUILD_SRC_DIR/out", "'**/*.xml'"), (".", "out/*.xml")],
)
def test_report_paths_inside_the_source_are_accepted(base: str, files: str) -> None:
    spec_of(REPORTS.format(base=base, files=files))


def test_symbolic_links_out_of_the_source_are_not_read(tmp_path: Path) -> None:
    host = tmp_path / "host"
    host.mkdir()
    (host / "junit.xml").write_text("<testsuite name='host' tests='0'/>")
    workspace = tmp_path / "src"
    (workspace / "out").mkdir(parents=True)
    (workspace / "out" / "own.xml").write_text("<testsuite name='own' tests='0'/>")
    (workspace / "out" / "stolen.xml").symlink_to(host / "junit.xml")
    (workspace / "linked").symlink_to(host)
    spec = spec_of(REPORTS.format(base="out", files="'*.xml'"))
    (check,) = check_reports(spec, workspace)
    assert check.files == ["out/own.xml"]
    assert check.problems == ["out/stolen.xml: a symbolic link out of the source folder: not read"]
    (check,) = check_reports(spec_of(REPORTS.format(base="linked", files="junit.xml")), workspace)
    assert check.files == [] and "points outside the source folder: not read" in check.problems[0]


# --------------------------------------------------------------------------- batch fast-fail


def test_stop_signal_reaches_builds_attached_before_and_after() -> None:
    signal_ = StopSignal()
    calls: list[str] = []
    early = signal_.attach(lambda: calls.append("early"))
    done = signal_.attach(lambda: calls.append("done"))
    signal_.detach(done)
    signal_.stop()
    late = signal_.attach(lambda: calls.append("late"))
    assert calls == ["early", "late"]
    assert signal_.stopped(early) and signal_.stopped(late) and not signal_.stopped(done)


FAST_FAIL = """\
version: 0.2
phases:
  build:
    commands: ['true']
batch:
  fast-fail: {fast_fail}
  build-graph:
    - identifier: fails
    - identifier: slow
    - identifier: after
      depend-on: [slow]
"""


def _fake_build(request: BuildRequest) -> BuildResult:
    """``fails`` fails at once; the others run until stopped (or 1.5 s), as a container would."""
    if request.identifier == "fails":
        time.sleep(0.2)
        return BuildResult(request.identifier, "id", False, 1)
    assert request.stop_signal is not None
    ended = threading.Event()
    token = request.stop_signal.attach(ended.set)
    ended.wait(1.5)
    request.stop_signal.detach(token)
    stopped = request.stop_signal.stopped(token)
    return BuildResult(request.identifier, "id", not stopped, 137 if stopped else 0, stopped=stopped)


@pytest.mark.parametrize("fast_fail", [True, False])
def test_fast_fail_stops_the_running_builds(tmp_path: Path, fast_fail: bool) -> None:
    spec = spec_of(FAST_FAIL.format(fast_fail=str(fast_fail).lower()))
    assert spec.batch is not None
    request = BuildRequest(spec=spec, image="img", source=tmp_path, project="p", region="r", overrides={})
    started = time.monotonic()
    with open(os.devnull, "w") as quiet:
        results = run_batch(None, request, spec.batch, Printer(quiet), submit=_fake_build)
    states = {r.identifier: r.state for r in results}
    if fast_fail:
        assert states == {"fails": "FAILED", "slow": "STOPPED", "after": "SKIPPED"}
        assert time.monotonic() - started < 5
    else:
        assert states == {"fails": "FAILED", "slow": "SUCCEEDED", "after": "SUCCEEDED"}
