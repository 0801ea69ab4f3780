"""runner.settings: every setting declared once; resolve() and what is made from the declarations.

Fast: resolve() is called with ``environ=`` and ``overrides=`` in a temporary project; no
pytest subprocess per value (``tests/test_faults_settings.py`` keeps one real run per kind).
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from runner import parsers
from runner.cli.common import setting_option
from runner.settings import SETTINGS, TABLE_END, TABLE_START, Settings, SettingsError, resolve, with_table

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sample"\n\n[tool.e2e]\n')
    return tmp_path


def _with(project: Path, toml: str) -> Path:
    (project / "pyproject.toml").write_text(f'[project]\nname = "sample"\n\n[tool.e2e]\n{toml}\n')
    return project


def _refused(project: Path, message: str, **kwargs: object) -> None:
    with pytest.raises(SettingsError) as caught:
        resolve(project, **kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)


# --------------------------------------------------------------------------- the declarations


def test_the_readme_table_is_the_generated_one() -> None:
    readme = README.read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme
    assert with_table(readme) == readme, (
        "README.md's options table differs from the settings' declarations: "
        "run `python -m runner.settings --update README.md`"
    )


def test_every_field_but_the_roots_is_a_declared_setting() -> None:
    import dataclasses

    fields = {f.name for f in dataclasses.fields(Settings)} - {"project_root", "sources"}
    assert set(SETTINGS) == fields
    envs = [s.env for s in SETTINGS.values()]
    assert len(set(envs)) == len(envs) and all(e.startswith("E2E_") for e in envs)
    flags = [f for s in SETTINGS.values() for f in (s.flag, *s.aliases) if f]
    assert len(set(flags)) == len(flags)


def test_the_defaults_are_written_once_in_the_declarations(project: Path) -> None:
    settings = resolve(project, environ={})
    for name, setting in SETTINGS.items():
        value = getattr(settings, name)
        expected = project / setting.default if name == "reports_dir" else setting.default
        assert value == expected, name
        assert settings.source_of(name) == "default"
    assert settings.viewport == parsers.DEFAULT_VIEWPORT
    assert Settings.image == "e2e-runner:latest"  # the class attribute the CLI shows


def test_the_new_settings_and_their_defaults(project: Path) -> None:
    settings = resolve(project, environ={})
    assert settings.scenario_timeout == 300
    assert settings.console_noise == "drop"
    assert settings.public_variables == ()
    given = resolve(
        project,
        environ={
            "E2E_SCENARIO_TIMEOUT": "0",
            "E2E_CONSOLE_NOISE": "KEEP",
            "E2E_PUBLIC_VARIABLES": "APP_USER, SHOP_URL",
        },
    )
    assert given.scenario_timeout == 0
    assert given.console_noise == "keep" and given.public_variables == ("APP_USER", "SHOP_URL")
    _refused(
        project,
        "E2E_CONSOLE_NOISE (environment) = 'loud': expected one of: drop, keep.",
        environ={"E2E_CONSOLE_NOISE": "loud"},
    )
    _refused(
        project,
        "E2E_PUBLIC_VARIABLES (environment) = '1X': not variable names: 1X.",
        environ={"E2E_PUBLIC_VARIABLES": "1X"},
    )


def test_action_timeout_is_ten_seconds_unless_set(project: Path) -> None:
    assert resolve(project, environ={}).action_timeout == 10000
    assert resolve(project, environ={"E2E_ACTION_TIMEOUT": "1500"}).action_timeout == 1500
    assert resolve(project, {"action_timeout": "2500"}, environ={}).action_timeout == 2500
    _refused(
        project,
        "--action-timeout (command line) = '0': expected a whole number of milliseconds between 1",
        overrides={"action_timeout": "0"},
        environ={},
    )


# --------------------------------------------------------------------------- sources and flag names


def test_flags_override_variables_which_override_the_file(project: Path) -> None:
    _with(project, "expect_timeout = 1000")
    assert (
        resolve(project, environ={}).source_of("expect_timeout") == "pyproject.toml [tool.e2e] expect_timeout"
    )
    from_env = resolve(project, environ={"E2E_EXPECT_TIMEOUT": "2000"})
    assert (
        from_env.expect_timeout == 2000
        and from_env.source_of("expect_timeout") == "E2E_EXPECT_TIMEOUT (environment)"
    )
    flagged = resolve(project, {"expect_timeout": "3000"}, environ={"E2E_EXPECT_TIMEOUT": "2000"})
    assert (
        flagged.expect_timeout == 3000
        and flagged.source_of("expect_timeout") == "--expect-timeout (command line)"
    )
    assert resolve(project, {"expect_timeout": None}, environ={}).expect_timeout == 1000  # None: not given


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("report_bucket", "", None),  # an empty bucket is "unset", not an error
        ("report_prefix", "a/../b", "--prefix (command line) = 'a/../b': must not contain '.' or '..' segments (also as %2e)."),
        (
            "trace",
            "sometimes",
            "--tracing (command line) = 'sometimes': expected one of: retain-on-failure, on, off.",
        ),
        ("shard", "3/2", "--shard (command line) = '3/2': INDEX must be between 1 and TOTAL"),
        ("base_url", "ftp://x", "--base-url (command line) = 'ftp://x': expected an http:// or https:// URL"),
        ("entrypoint_no_browser", "maybe", "--no-browser (command line) = 'maybe': expected true or false."),
    ],
)
def test_errors_name_the_declared_flag(project: Path, name: str, value: str, message: str | None) -> None:
    if message is None:
        assert getattr(resolve(project, {name: value}, environ={}), name) is None
    else:
        _refused(project, message, overrides={name: value}, environ={})


def test_the_bucket_flag_is_the_source_of_the_bucket(project: Path) -> None:
    settings = resolve(project, {"report_bucket": "team-reports"}, environ={})
    assert settings.source_of("report_bucket") == "--bucket (command line)"


def test_unknown_keys_in_the_file_are_listed(project: Path) -> None:
    _with(project, "viewprt = '800x600'")
    _refused(project, "unknown key(s) in [tool.e2e]: viewprt. Known keys:", environ={})


# --------------------------------------------------------------------------- parsers, through resolve()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nan", "a finite number of milliseconds >= 0."),
        ("inf", "a finite number of milliseconds >= 0."),
        ("-1", "a finite number of milliseconds >= 0."),
        ("1e400", "a finite number of milliseconds >= 0."),
        ("1e10", "at most 2147483647 milliseconds (the longest delay Playwright keeps)."),
    ],
)
def test_slow_mo_that_is_not_a_finite_delay_is_refused_by_name(
    project: Path, value: str, expected: str
) -> None:
    _refused(
        project, f"E2E_SLOW_MO (environment) = {value!r}: expected {expected}", environ={"E2E_SLOW_MO": value}
    )
    _refused(
        project,
        f"--slow-mo (command line) = {value!r}: expected {expected}",
        overrides={"slow_mo": value},
        environ={},
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100000x100000", "expected at most 7680x4320"),
        ("7681x1080", "expected at most 7680x4320"),
        ("1920x4321", "expected at most 7680x4320"),
        ("0x10", "expected WIDTHxHEIGHT, for example 1920x1080, both at least 1"),
        ("1920x1080x2", "expected WIDTHxHEIGHT"),
        ("1920x１０８０", "expected WIDTHxHEIGHT"),
    ],
)
def test_a_viewport_out_of_bounds_is_refused_by_name(project: Path, value: str, expected: str) -> None:
    _refused(project, f"E2E_VIEWPORT (environment) = {value!r}: {expected}", environ={"E2E_VIEWPORT": value})
    _refused(
        project,
        f"--viewport (command line) = {value!r}: {expected}",
        overrides={"viewport": value},
        environ={},
    )


def test_toml_values_are_checked_the_same_way(project: Path) -> None:
    _with(project, "slow_mo = nan")  # TOML has nan and inf literals
    _refused(
        project,
        "pyproject.toml [tool.e2e] slow_mo = nan: expected a finite number of milliseconds >= 0.",
        environ={},
    )
    _with(project, "headed = true\nexpect_timeout = 2500\nbrowser_args = ['--lang=de']")
    settings = resolve(project, environ={})
    assert (
        settings.headed is True
        and settings.expect_timeout == 2500
        and settings.browser_args == ("--lang=de",)
    )
    _with(project, "expect_timeout = true")
    _refused(
        project,
        "pyproject.toml [tool.e2e] expect_timeout = True: expected a whole number, not true or false.",
        environ={},
    )


def test_the_largest_viewport_and_a_long_slow_mo_are_accepted(project: Path) -> None:
    settings = resolve(project, environ={"E2E_VIEWPORT": "7680x4320", "E2E_SLOW_MO": "2147483647"})
    assert settings.viewport == (7680, 4320)
    assert settings.slow_mo == 2147483647.0


def test_the_shard_is_parsed_once_by_the_settings(project: Path) -> None:
    assert resolve(project, environ={"E2E_SHARD": "1/2"}).shard == (1, 2)
    assert resolve(project, environ={"E2E_SHARD": " 3 / 3 "}).shard == (3, 3)
    assert resolve(project, environ={"E2E_SHARD": ""}).shard is None
    for bad in ("0/2", "3/2", "1", "a/b", "1/0", "²/3"):
        with pytest.raises(SettingsError, match=r"E2E_SHARD \(environment\)"):
            resolve(project, environ={"E2E_SHARD": bad})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("screenshots", "on", "final"),
        ("screenshots", "Every-Step", "every-step"),
        ("screenshot_quality", "100", 100),
        ("run_timeout", "12", 12),
        ("secret_variables", "A,B C", ("A", "B", "C")),
        ("headed", "yes", True),
        ("step_library", "0", False),
        ("chromium", "  ", None),
    ],
)
def test_values_are_parsed(project: Path, name: str, value: str, expected: object) -> None:
    assert getattr(resolve(project, environ={SETTINGS[name].env: value}), name) == expected


# --------------------------------------------------------------------------- the flags made from them


def test_a_commands_option_is_made_from_the_declaration() -> None:
    seen: dict[str, object] = {}

    @click.command()
    @setting_option("report_bucket")
    @setting_option("entrypoint_no_browser")
    def command(report_bucket: str | None, entrypoint_no_browser: bool | None) -> None:
        seen.update(bucket=report_bucket, no_browser=entrypoint_no_browser)

    runner = CliRunner()
    help_text = runner.invoke(command, ["--help"]).output
    assert (
        "--bucket" in help_text
        and "[E2E_REPORT_BUCKET]" in help_text
        and "S3 bucket for reports" in help_text
    )
    assert runner.invoke(command, []).exit_code == 0 and seen == {"bucket": None, "no_browser": None}
    runner.invoke(command, ["--bucket", "b", "--no-browser"])
    assert seen == {"bucket": "b", "no_browser": True}


def test_the_pytest_flags_are_made_from_the_declarations(pytestconfig: pytest.Config) -> None:
    """This very run has the plugin's flags: each declared pytest flag, with its setting's dest."""
    parser = pytestconfig._parser  # the run's own parser: no subprocess needed
    options = {name: opt for opt in parser._anonymous.options for name in opt.names()}
    options.update({name: opt for group in parser._groups for opt in group.options for name in opt.names()})
    for setting in SETTINGS.values():
        if setting.flag and setting.on == "pytest":
            for flag in (setting.flag, *setting.aliases):
                assert options[flag].dest == f"e2e_{setting.name}", flag
            assert setting.env in options[setting.flag].attrs()["help"]
    assert options["--screenshots"].attrs()["choices"] == (
        "final",
        "every-step",
        "only-on-failure",
        "off",
        "on",
    )
    assert "--bucket" not in options  # an e2e command's flag, not pytest's
