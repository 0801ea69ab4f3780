"""`e2e run`: pytest's exit code, a report even for a failing run, nothing lost when publishing fails."""

from __future__ import annotations

from tests.support import E2EProject


def test_a_failing_run_still_gets_its_report_and_exits_like_pytest(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("failing.feature")
    run = e2e_project.e2e("run", E2E_EXPECT_TIMEOUT="1500")
    assert run.returncode == 1, run.output
    report = run.run_dir / "report" / "index.html"
    assert report.is_file() and report.stat().st_size > 100_000
    assert f"e2e: report reports/{run.run_dir.name}/report/index.html" in run.output
    assert (e2e_project.root / "reports" / "latest").resolve() == run.run_dir.resolve()
    assert run.run_json()["report"] == "report/index.html"


def test_pytest_arguments_pass_through(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("failing.feature")
    run = e2e_project.e2e("run", "--no-report", "-k", "home")
    assert run.returncode == 0, run.output
    assert run.run_json()["counts"]["total"] == 1
    assert not (run.run_dir / "report").exists()


def test_a_failed_publish_keeps_the_local_run_and_fails_the_command(e2e_project: E2EProject) -> None:
    e2e_project.add_feature("two_scenarios.feature")
    run = e2e_project.e2e(
        "run",
        E2E_REPORT_BUCKET="team-reports",
        AWS_ENDPOINT_URL_S3="http://127.0.0.1:9",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    assert run.returncode == 1, run.output
    assert f"e2e: publish failed, local results kept in reports/{run.run_dir.name}" in run.output
    assert "AWS_ENDPOINT_URL_S3" in run.output
    assert (run.run_dir / "report" / "index.html").is_file()
    assert run.run_json()["status"] == "passed"
