"""Names that become keys, file names and folders: branch names, run ids, evidence names, the
reports folder and its settings. Properties are checked with hypothesis on the functions that
make the names; the end-to-end cases run ``e2e publish`` (a process) or ``publish_run``.

Catalogue (area | what is tried | what must happen):

- branch names | any text (unicode, lone surrogates, ``/``, spaces, ``..``, leading dots, NUL,
  250+ characters) through ``branch_slug`` | a valid key and file name (no ``..`` or empty
  segment, no leading ``/`` or dot, each segment <= 255 bytes, ``latest/<slug>/index.html``
  <= 1024 bytes with a prefix), at most BRANCH_SLUG_MAX characters, deterministic, distinct
  branches get distinct slugs (a cut name carries a hash of the whole), readable names unchanged
- branch names, end to end | a 250-character branch published with ``e2e publish --to DIR``, then
  a normal run (also from the state the old failure left: entry written, pages not) | both
  exit 0 and both runs are in index.html; the long branch's latest page exists
- branch names, every kind | one run per odd branch name to a local folder and to S3 |
  every publish completes, every latest page is inside latest/, every run is indexed
- run ids | strings the run id pattern accepts (``\\d`` takes any script's digits, ``$`` a final
  newline: both now refused) and any other text through ``run_root`` / ``entry_key`` | a valid
  key for a run id, ValueError for anything else; ``new_run_id`` always makes a valid id
- evidence names (runner/plugin/evidence.py ``slugify``) | any text | a single file-name
  segment, deterministic, at most 255 bytes also for non-Latin names (the limit counts
  bytes), "a b" and "a-b" apart, a lone surrogate (a non-UTF-8 file name) hashed
- reports_dir / report_prefix | ``reports_dir = 5`` (and true, 1.5, arrays, tables, "") in
  [tool.e2e] | refused, naming the setting and its source; no folder ``5/`` is made
- the reports folder | under a regular file, itself a regular file, a name too long |
  ``create_run_dir`` raises RunFolderError naming the folder and the setting; ``e2e run`` and
  ``pytest features/`` say so without a traceback
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from runner.publish.layout import (
    BRANCH_SLUG_MAX,
    LATEST_DIR,
    branch_latest_page,
    branch_slug,
    entry_key,
    run_root,
)
from runner.publish.local_target import LocalTarget
from runner.publish.publisher import publish_run
from runner.publish.targets import open_target
from runner.run.folder import RUN_ID_PATTERN, RunFolderError, create_run_dir, new_run_id
from runner.settings import SettingsError, resolve
from tests.support import E2E, E2EProject
from tests.support.runs import synthetic_run, tree_digest
from tests.support.s3 import S3Server, make_bucket, read_objects
from tests.support.s3 import s3 as s3  # noqa: F401 - fixture
from tests.support.s3 import s3_server as s3_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
_KEPT = {"E2E_TOOLS_DIR", "E2E_NODE"}

PROPERTIES = settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Text of every kind, lone surrogates included (JSON may carry them: "\ud800").
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
# Text made of the characters that matter to paths, to find their corner cases fast.
PATHLIKE = st.text(st.sampled_from(list("/.-_ a\\\x00ü日\t~:")), max_size=60)
LONG = st.text(st.characters(exclude_categories=()), min_size=200, max_size=600)
BRANCHES = st.one_of(ANY_TEXT, PATHLIKE, LONG)


def assert_valid_key(key: str) -> None:
    """A valid S3 key and relative file path: no leading '/', no empty, '.' or '..' segment,
    no NUL, each segment <= 255 bytes in UTF-8 and the whole <= 1024 bytes."""
    assert not key.startswith("/"), key
    for segment in key.split("/"):
        assert segment not in {"", ".", ".."}, key
        assert "\x00" not in segment, key
        assert len(segment.encode("utf-8")) <= 255, key
    assert len(key.encode("utf-8")) <= 1024, key


# --------------------------------------------------------------------------- branch names


@PROPERTIES
@given(BRANCHES)
@example("x" * 250)
@example("JIRA-1234 make the login page remember the user " * 6)
@example("../../etc/passwd")
@example(".hidden/..../.git")
@example("")
@example("a//b/")
@example("\ud800")
def test_branch_slugs_are_valid_keys(branch: str) -> None:
    slug = branch_slug(branch)
    assert len(slug) <= BRANCH_SLUG_MAX
    assert slug.isascii()
    for segment in slug.split("/"):
        assert segment and not segment.startswith("."), slug
        assert all(c.isalnum() or c in "._-" for c in segment), slug
    assert_valid_key(f"e2e/{LATEST_DIR}{slug}/index.html")
    assert branch_latest_page(branch) == f"{LATEST_DIR}{slug}/index.html"
    assert branch_slug("".join(list(branch))) == slug, "deterministic"


@PROPERTIES
@given(st.lists(BRANCHES, min_size=2, max_size=40, unique=True))
@example(["a b", "a-b", "a_b", "a/b", "a--b"])
@example(["x" * 250, "x" * 251, "x" * 250 + "y"])
@example([".git", "git", "..git", "-git"])
@example(["ü", "é", "-", ""])
def test_distinct_branches_get_distinct_slugs(branches: list[str]) -> None:
    slugs = [branch_slug(b) for b in branches]
    assert len(set(slugs)) == len(slugs), dict(zip(branches, slugs, strict=True))


@PROPERTIES
@given(
    st.lists(st.text(st.characters(exclude_categories=()), min_size=1), min_size=2, max_size=8, unique=True)
)
def test_long_names_that_share_their_start_stay_apart(endings: list[str]) -> None:
    start = "feature/" + "a" * 300
    slugs = {branch_slug(start + ending) for ending in endings}
    assert len(slugs) == len(endings)


@PROPERTIES
@given(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}){0,3}", fullmatch=True)
)
def test_readable_branch_names_are_kept(branch: str) -> None:
    if any(part.endswith("-") for part in branch.split("/")):
        return  # a trailing '-' is trimmed, so such a name is hashed (still distinct)
    assert branch_slug(branch) == branch


# --------------------------------------------------------------------------- run ids


@PROPERTIES
@given(st.from_regex(RUN_ID_PATTERN))
def test_what_the_run_id_pattern_accepts_is_a_safe_name(run_id: str) -> None:
    # ``\d`` would accept any script's digits and ``$`` a final newline: the pattern must not.
    assert run_id.isascii() and len(run_id) == 22 and "\n" not in run_id
    assert_valid_key(run_root(run_id) + "run.json")
    assert_valid_key(entry_key(run_id))


@PROPERTIES
@given(st.one_of(ANY_TEXT, PATHLIKE, st.from_regex(r"\d{8}-\d{6}-[0-9a-f]{6}\n?")))
@example("20261121-233000-a1b2c3\n")
@example("٢٠٢٦١١٢١-233000-a1b2c3")
@example("../../../etc")
def test_run_keys_refuse_what_is_not_a_run_id(text: str) -> None:
    if RUN_ID_PATTERN.match(text):
        assert_valid_key(entry_key(text))
        assert run_root(text) == f"runs/{text}/"
        return
    with pytest.raises(ValueError, match="not a run id"):
        run_root(text)
    with pytest.raises(ValueError, match="not a run id"):
        entry_key(text)


@PROPERTIES
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_new_run_ids_are_run_ids(moment: datetime) -> None:
    run_id = new_run_id(moment)
    assert RUN_ID_PATTERN.match(run_id), run_id
    assert run_id.startswith(moment.strftime("%Y%m%d-%H%M%S"))


@PROPERTIES
@given(st.lists(st.from_regex(RUN_ID_PATTERN), min_size=2, max_size=20, unique=True))
def test_distinct_run_ids_get_distinct_keys(run_ids: list[str]) -> None:
    assert len({entry_key(r) for r in run_ids}) == len(run_ids)
    assert len({run_root(r) for r in run_ids}) == len(run_ids)


# --------------------------------------------------------------------------- evidence names


def _slugify():  # noqa: ANN202 - imported late: the plugin module pulls in Playwright
    from runner.plugin.evidence import slugify

    return slugify


@PROPERTIES
@given(st.text(max_size=300), st.sampled_from([60, 80, 120]))
def test_evidence_names_are_one_deterministic_segment(text: str, limit: int) -> None:
    slugify = _slugify()
    name = slugify(text, limit)
    assert name == slugify(text, limit)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in {"", ".", ".."} and not name.startswith(".")
    assert len(name) <= max(limit, len(text))


@PROPERTIES
@given(st.text(st.characters(categories=["L"]), min_size=1, max_size=300))
@example("ログインできることを確認する" * 10)
def test_evidence_names_fit_a_file_name(text: str) -> None:
    # The scenario folder is slugify(nodeid, limit=120); a screenshot "NN-" + slugify(name, 60) + ".png".
    slugify = _slugify()
    assert len(slugify(text, 120).encode("utf-8")) <= 255
    assert len(f"01-{slugify(text, 60)}.png".encode()) <= 255


@PROPERTIES
@given(st.text(st.characters(categories=["Cs"]), min_size=1, max_size=5))
@example("features/caf\udce9.feature::test_login")
def test_evidence_names_take_undecodable_file_names(text: str) -> None:
    assert _slugify()(text, 120)


@PROPERTIES
@given(st.lists(st.text(st.sampled_from(list("ab -_.")), max_size=8), min_size=2, max_size=10, unique=True))
@example(["login as admin", "login-as-admin"])
def test_distinct_evidence_names_stay_apart(texts: list[str]) -> None:
    slugify = _slugify()
    names = [slugify(t) for t in texts]
    assert len(set(names)) == len(names), dict(zip(texts, names, strict=True))


# --------------------------------------------------------------------------- branch names, end to end


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_") or k in _KEPT}
    env["E2E_REPORTS_DIR"] = str(tmp_path / "reports")
    env.update(extra)
    return env


def e2e(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([E2E, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


# One segment with spaces: the slug the old code made was these 250 characters and a hash, 259
# bytes, over a file name's 255 (the failure was "File name too long" after the entry was written).
LONG_BRANCH = ("JIRA-1234 make the login page remember the user " * 6)[:249] + "s"


def test_a_250_character_branch_publishes_to_a_local_site_and_so_does_the_next_run(tmp_path: Path) -> None:
    assert len(LONG_BRANCH) == 250
    site = tmp_path / "site"
    env = process_env(tmp_path)
    start = datetime.now(UTC)
    long_run = synthetic_run(tmp_path / "reports", branch=LONG_BRANCH, started=start)
    before = tree_digest(long_run)
    first = e2e("publish", str(long_run), "--to", str(site), env=env)
    assert first.returncode == 0, first.stderr
    assert long_run.name in (site / "index.html").read_text(encoding="utf-8")
    latest = site / branch_latest_page(LONG_BRANCH)
    assert latest.is_file() and long_run.name in latest.read_text(encoding="utf-8")
    assert tree_digest(long_run) == before

    # The state the old failure left behind: the entry written, the shared pages not. The
    # next publish must rebuild them all.
    (site / "index.html").unlink()
    (site / "runs" / "index.json").unlink()
    shutil.rmtree(site / "latest")
    normal = synthetic_run(tmp_path / "reports", branch="main", started=start + timedelta(seconds=1))
    second = e2e("publish", str(normal), "--to", str(site), env=env)
    assert second.returncode == 0, second.stderr
    page = (site / "index.html").read_text(encoding="utf-8")
    assert long_run.name in page and normal.name in page
    assert latest.is_file() and (site / "latest" / "main" / "index.html").is_file()
    index = json.loads((site / "runs" / "index.json").read_text(encoding="utf-8"))
    assert {r["run_id"] for r in index["runs"]} == {long_run.name, normal.name}
    for path in site.rglob("*"):
        assert len(path.name.encode()) <= 255, path


ODD_BRANCHES = [
    LONG_BRANCH,
    "feature/" + "x" * 250,
    "x" * 250,
    "日本語のブランチ名" * 20,  # 180 characters, 540 bytes
    "feature/login",
    "fix spaces in the name",
    "ünïcödé/ブランチ",
    "../../etc/passwd",
    "..",
    ".hidden/.git",
    "a//b/",
    "back\\slash",
    "tab\tand\nnewline",
]


def _without_results(run_dir: Path) -> Path:
    """No Allure results, so no report is generated: these cases are about the keys only."""
    results = run_dir / "allure-results"
    shutil.rmtree(results)
    results.mkdir()
    return run_dir


def _settings(tmp_path: Path, bucket: str | None):  # noqa: ANN202
    environ = {k: v for k, v in os.environ.items() if not k.startswith("E2E_") or k in _KEPT}
    return resolve(ROOT, {"report_bucket": bucket, "reports_dir": str(tmp_path / "reports")}, environ=environ)


def _odd_runs(tmp_path: Path) -> list[Path]:
    start = datetime.now(UTC)
    return [
        _without_results(synthetic_run(tmp_path / "reports", branch=b, started=start + timedelta(seconds=i)))
        for i, b in enumerate(ODD_BRANCHES)
    ]


def test_every_kind_of_branch_name_publishes_to_a_local_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    settings_ = _settings(tmp_path, None)
    runs = _odd_runs(tmp_path)
    for run in runs:
        publish_run(LocalTarget(site), run, settings_, log=lambda _: None)
    page = (site / "index.html").read_text(encoding="utf-8")
    assert all(run.name in page for run in runs)
    latest_root = (site / "latest").resolve()
    for branch, run in zip(ODD_BRANCHES, runs, strict=True):
        latest = (site / branch_latest_page(branch)).resolve()
        assert latest_root in latest.parents, branch
        assert run.name in latest.read_text(encoding="utf-8"), branch
    assert len(list((site / "latest").rglob("index.html"))) == len(ODD_BRANCHES) + 1


def test_every_kind_of_branch_name_publishes_to_s3(s3: S3Server, tmp_path: Path) -> None:
    bucket = make_bucket(s3.endpoint, public=False)
    settings_ = _settings(tmp_path, bucket)
    runs = _odd_runs(tmp_path)
    for run in runs:
        publish_run(open_target(settings_), run, settings_, log=lambda _: None)
    objects = read_objects(s3.endpoint, bucket, "e2e/")
    for key in objects:
        assert_valid_key(key)
    for branch, run in zip(ODD_BRANCHES, runs, strict=True):
        assert run.name in objects[f"e2e/{branch_latest_page(branch)}"].decode(), branch
    index = json.loads(objects["e2e/runs/index.json"])
    assert {r["run_id"] for r in index["runs"]} == {r.name for r in runs}


# --------------------------------------------------------------------------- settings


def _project(tmp_path: Path, table: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(f"[tool.e2e]\n{table}\n", encoding="utf-8")
    return project


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ("reports_dir = 5", "pyproject.toml [tool.e2e] reports_dir = 5: expected a folder path (a string)"),
        ("report_prefix = 5", "pyproject.toml [tool.e2e] report_prefix = 5: expected a key prefix (a string"),
    ],
)
@pytest.mark.parametrize("command", [["publish"], ["run"]])
def test_a_number_is_not_a_folder(tmp_path: Path, table: str, said: str, command: list[str]) -> None:
    project = _project(tmp_path, table)
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_")}
    proc = e2e(*command, env=env, cwd=project)
    assert proc.returncode != 0
    assert said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml"], "no folder 5/ was made"


@pytest.mark.parametrize(
    "value",
    ["5", "true", "1.5", '["reports"]', '{ path = "reports" }', '""', '"   "', "2026-11-21"],
)
@pytest.mark.parametrize("name", ["reports_dir", "report_prefix"])
def test_only_strings_are_folder_settings(tmp_path: Path, name: str, value: str) -> None:
    project = _project(tmp_path, f"{name} = {value}")
    if name == "report_prefix" and value in {'""', '"   "'}:
        with pytest.raises(SettingsError, match=r"report_prefix = .*: must not be empty or \"/\""):
            resolve(project, environ={})  # not the bucket's root
        return
    with pytest.raises(SettingsError, match=rf"pyproject.toml \[tool.e2e\] {name} = .*: expected a"):
        resolve(project, environ={})


@pytest.mark.parametrize(
    ("prefix", "said"),
    [
        ("/", 'must not be empty or "/"'),
        ("//", 'must not be empty or "/"'),
        (".", "must not contain '.' or '..'"),
        ("a/./b", "must not contain '.' or '..'"),
        ("..", "must not contain '.' or '..'"),
        ("a/..", "must not contain '.' or '..'"),
        ("%2e%2e", "must not contain '.' or '..'"),
        ("a/%2E/b", "must not contain '.' or '..'"),
        ("a//b", "must not contain '//'"),
        ("a\\b", "must not contain '//' or '\\'"),
        ("a\tb", "control characters"),
    ],
)
def test_a_prefix_browsers_would_normalise_is_refused(tmp_path: Path, prefix: str, said: str) -> None:
    with pytest.raises(SettingsError, match=rf"E2E_REPORT_PREFIX \(environment\).*{re.escape(said)}"):
        resolve(tmp_path, environ={"E2E_REPORT_PREFIX": prefix})
    table = json.dumps(prefix)
    project = _project(tmp_path, f"report_prefix = {table}")
    with pytest.raises(
        SettingsError, match=rf"pyproject.toml \[tool.e2e\] report_prefix = .*{re.escape(said)}"
    ):
        resolve(project, environ={})
    assert resolve(tmp_path, environ={"E2E_REPORT_PREFIX": "/team/e2e.v2/"}).report_prefix == "team/e2e.v2"


def test_strings_are_still_folders(tmp_path: Path) -> None:
    project = _project(tmp_path, 'reports_dir = "out/5"\nreport_prefix = "team/e2e"')
    settings_ = resolve(project, environ={})
    assert settings_.reports_dir == project / "out" / "5"
    assert settings_.report_prefix == "team/e2e"
    from_env = resolve(project, environ={"E2E_REPORTS_DIR": "5", "E2E_REPORT_PREFIX": "7"})
    assert from_env.reports_dir == project / "5" and from_env.report_prefix == "7"


# --------------------------------------------------------------------------- the reports folder


def _unwritable(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return {
        "under a regular file": a_file / "reports",
        "a regular file": a_file,
        "a name too long": tmp_path / ("r" * 300) / "reports",
    }


@pytest.mark.parametrize("case", ["under a regular file", "a regular file", "a name too long"])
def test_an_unwritable_reports_folder_is_named_with_its_setting(tmp_path: Path, case: str) -> None:
    reports = _unwritable(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RunFolderError) as caught:
        create_run_dir(reports, source="E2E_REPORTS_DIR (environment)")
    message = str(caught.value)
    assert str(reports) in message
    assert "(from E2E_REPORTS_DIR (environment))" in message
    assert "reports_dir" in message and "E2E_REPORTS_DIR" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing was made"
    without_source = str(pytest.raises(RunFolderError, create_run_dir, reports).value)
    assert "reports_dir" in without_source and "E2E_REPORTS_DIR" in without_source


def test_create_run_dir_still_makes_fresh_folders(tmp_path: Path) -> None:
    made = {create_run_dir(tmp_path / "deep" / "reports") for _ in range(20)}
    assert len(made) == 20
    for run_dir in made:
        assert RUN_ID_PATTERN.match(run_dir.name)
        assert (run_dir / "allure-results").is_dir() and (run_dir / "evidence").is_dir()


def test_e2e_run_names_an_unwritable_reports_folder(tmp_path: Path) -> None:
    reports = _unwritable(tmp_path)["under a regular file"]
    project = _project(tmp_path, 'base_url = "demo"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_")}
    proc = e2e("run", env={**env, "E2E_REPORTS_DIR": str(reports)}, cwd=project)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in output, output
    assert str(reports) in output and "E2E_REPORTS_DIR" in output


def test_pytest_names_an_unwritable_reports_folder(tmp_path: Path) -> None:
    reports = _unwritable(tmp_path)["under a regular file"]
    project = E2EProject(tmp_path / "team")
    project.add_feature("x.feature", "Feature: x\n  Scenario: y\n    Given I open the home page\n")
    result = project.pytest("features", timeout=120, E2E_REPORTS_DIR=str(reports))
    assert result.returncode != 0
    assert "Traceback" not in result.output and "INTERNALERROR" not in result.output, result.output
    assert str(reports) in result.output and "E2E_REPORTS_DIR" in result.output
