"""One typed settings object, resolved once from three layers, each setting declared once.

Precedence, lowest first: ``[tool.e2e]`` in ``pyproject.toml``, then ``E2E_*``
environment variables, then command-line flags. Every value remembers where it came
from, so a bad value is reported as "``E2E_VIEWPORT`` (environment)" or
"``pyproject.toml`` [tool.e2e] viewport" rather than as a bare parse error.

Each field of ``Settings`` is its setting's one declaration (``_setting(...)``): default,
``E2E_*`` variable, parser, flag and help. ``SETTINGS`` is read from those fields, and
from it come ``resolve()``, the pytest flags (``runner.plugin.options``), the ``e2e``
commands' option help (``runner.cli.common.setting_option``) and the README's options
table (``python -m runner.settings --markdown``; ``tests/unit/test_settings.py`` keeps the
README equal to it). Adding a setting is adding one field.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from runner import parsers
from runner.parsers import Choice


class SettingsError(Exception):
    """A configuration value is wrong; the message names where it came from and what to do."""


@dataclass(frozen=True)
class Setting:
    """What is declared of one setting; ``name`` and ``default`` come from its field."""

    name: str
    default: Any
    env: str
    parse: Callable[[Any], Any]
    help: str  # Markdown: the README's "meaning"; the flags' help drops the backticks
    flag: str | None = None  # the one flag that sets it; error messages name it
    aliases: tuple[str, ...] = ()  # pytest-playwright's names for the same flag
    on: Literal["pytest", "e2e"] = "pytest"  # whose flag: pytest's (the plugin) or the e2e commands'
    metavar: str | None = None
    shown_default: str | None = None  # the default in words, when the value alone says too little
    secret: bool = False  # never printed: not in the settings' repr, masked in errors

    @property
    def is_switch(self) -> bool:
        """A flag without a value (``--headed``), for a boolean."""
        return self.parse is parsers.boolean

    @property
    def choices(self) -> tuple[str, ...] | None:
        return self.parse.accepted if isinstance(self.parse, Choice) else None

    @property
    def default_text(self) -> str:
        """The default as the README and the flags' help show it."""
        if self.shown_default is not None:
            return self.shown_default
        value = self.default
        if value is None:
            return "unset"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int | float):
            return f"{value:g}"
        if isinstance(value, tuple):
            return f"`{'x'.join(map(str, value))}`" if value else ""
        return f"`{value}`"

    def flag_help(self) -> str:
        """The help of its flag: the meaning, the default, the variable."""
        text = self.help.replace("`", "")
        default = self.default_text.replace("`", "")
        if default:
            text += f"; default {default}"
        return f"{text} [{self.env}]"


_SPEC = "e2e.setting"


def _setting(default: Any, env: str, parse: Callable[[Any], Any], help: str, **declared: Any) -> Any:
    """A ``Settings`` field declaring one setting (see ``Setting`` for ``declared``)."""
    return field(
        default=default,
        repr=not declared.get("secret", False),
        metadata={_SPEC: dict(env=env, parse=parse, help=help, **declared)},
    )


# ``base_url = "demo"``: the bundled demo app, started for the run on a free loopback port.
DEMO = "demo"
# Where the app under test can be given, for the message when it is not.
BASE_URL_PLACES = (
    'base_url = "https://..." in [tool.e2e] of pyproject.toml, the E2E_BASE_URL environment variable, '
    'or --base-url (pytest) / -e E2E_BASE_URL=... (e2e codebuild-local); base_url = "demo" runs the '
    "bundled demo app"
)
SCREENSHOT_MODES = ("final", "every-step", "only-on-failure", "off")


UPDATE_BASELINES = ("none", "missing", "changed", "all")


@dataclass(frozen=True)
class Settings:
    """Everything a step of the pipeline needs to know, resolved once."""

    project_root: Path
    # fmt: off
    base_url: str | None = _setting(
        None, "E2E_BASE_URL", parsers.optional_str,
        "the app under test; `demo`: the bundled demo app, started on a free loopback port (this "
        "repository's setting). Every run's first line names the app and where its URL came from",
        flag="--base-url", metavar="URL", shown_default="unset (an error)")
    headed: bool = _setting(
        False, "E2E_HEADED", parsers.boolean, "show the browser window (local debugging)", flag="--headed")
    chromium: str | None = _setting(
        None, "E2E_CHROMIUM", parsers.optional_str,
        "Chromium binary", flag="--chromium", metavar="PATH",
        shown_default="found: Playwright's own, else Debian's `chromium`")
    browser_args: tuple[str, ...] = _setting((), "E2E_BROWSER_ARGS", parsers.args, "extra Chromium flags")
    viewport: tuple[int, int] = _setting(
        parsers.DEFAULT_VIEWPORT, "E2E_VIEWPORT", parsers.viewport,
        f"page size, at most {parsers.MAX_VIEWPORT[0]}x{parsers.MAX_VIEWPORT[1]}",
        flag="--viewport", metavar="WxH")
    slow_mo: float = _setting(
        0.0, "E2E_SLOW_MO", parsers.slow_mo_ms, "milliseconds added to every action",
        flag="--slow-mo", aliases=("--slowmo",), metavar="MS")
    action_timeout: int = _setting(
        10000, "E2E_ACTION_TIMEOUT", parsers.timeout_ms,
        "how long an action (click, fill, select, check; a custom step's too) may wait for its "
        "element (ms), and an evidence screenshot for the page; not page loads nor checks",
        flag="--action-timeout", metavar="MS")
    expect_timeout: int = _setting(
        5000, "E2E_EXPECT_TIMEOUT", parsers.positive_int,
        "how long checks wait (ms); set with Playwright's `expect.set_options`, so a custom step's "
        "bare `expect()` waits as long",
        flag="--expect-timeout", metavar="MS")
    navigation_timeout: int = _setting(
        30000, "E2E_NAVIGATION_TIMEOUT", parsers.timeout_ms,
        "how long a page load may take (ms); an app that hangs fails the step after this",
        flag="--navigation-timeout", metavar="MS")
    api_timeout: int = _setting(
        10000, "E2E_API_TIMEOUT", parsers.timeout_ms,
        "how long one request of an API step may take (ms); an API that hangs fails the step after this",
        flag="--api-timeout", metavar="MS")
    screenshots: str = _setting(
        "final", "E2E_SCREENSHOTS",
        Choice(SCREENSHOT_MODES, {"on": "final"}, " (or 'on', as pytest-playwright says)"),
        "`final` (or `on`: final state + failing step), `every-step`, `only-on-failure`, `off`",
        flag="--screenshots", aliases=("--screenshot",))
    screenshot_format: str = _setting(
        "png", "E2E_SCREENSHOT_FORMAT", Choice(("png", "jpeg")),
        "`png` (lossless) or `jpeg` (at `screenshot_quality`: cheaper to take and store)",
        flag="--screenshot-format")
    screenshot_quality: int = _setting(
        80, "E2E_SCREENSHOT_QUALITY", parsers.quality, "JPEG quality, 1 to 100",
        flag="--screenshot-quality", metavar="1-100")
    device: str | None = _setting(
        None, "E2E_DEVICE", parsers.optional_str,
        "emulate a device of Playwright's registry (`\"iPhone 13\"`, `\"Pixel 7\"`): viewport, user agent, touch",
        flag="--device", metavar="NAME")
    trace: str = _setting(
        "retain-on-failure", "E2E_TRACE", Choice(("retain-on-failure", "on", "off")),
        "Playwright trace: `retain-on-failure`, `on`, `off`", flag="--tracing")
    video: str = _setting(
        "off", "E2E_VIDEO", Choice(("off", "retain-on-failure", "on")),
        "`off`, `retain-on-failure`, `on`", flag="--video")
    console_noise: str = _setting(
        "drop", "E2E_CONSOLE_NOISE", Choice(("drop", "keep")),
        "`drop`: known browser noise (a missing favicon) left out of the console evidence; `keep`: kept")
    static_cache: bool = _setting(
        True, "E2E_STATIC_CACHE", parsers.boolean,
        "a static response the app marks cacheable (CSS, JS, images, fonts, media; no credentials) is "
        "reused by the run's later contexts, fresh or revalidated as HTTP caching says (see \"Static "
        "assets\"); cookies, storage and pages stay each scenario's own")
    browser_server: str = _setting(
        "shared", "E2E_BROWSER_SERVER", Choice(("shared", "private")),
        "`shared`: one browser for all processes; `private`: one per process", flag="--browser-server")
    reports_dir: Path = _setting(
        Path("reports"), "E2E_REPORTS_DIR", parsers.folder, "where run folders are made",
        flag="--reports-dir", aliases=("--output",), metavar="DIR")
    report_bucket: str | None = _setting(
        None, "E2E_REPORT_BUCKET", parsers.optional_str, "S3 bucket for reports", flag="--bucket", on="e2e")
    report_prefix: str = _setting(
        "e2e", "E2E_REPORT_PREFIX", parsers.prefix, "key prefix in the bucket", flag="--prefix", on="e2e")
    report_url: str | None = _setting(
        None, "E2E_REPORT_URL", parsers.optional_str, "public base URL of the prefix, for printed links")
    report_evidence: str = _setting(
        "compact", "E2E_REPORT_EVIDENCE", Choice(("compact", "full")),
        "what the single-file report embeds: `compact` (WebP screenshots, traces and videos named, not "
        "embedded) or `full` (every attachment as recorded)")
    branch: str | None = _setting(
        None, "E2E_BRANCH", parsers.optional_str, "the run's branch when neither CodeBuild nor git can say",
        shown_default="found")
    shard: tuple[int, int] | None = _setting(
        None, "E2E_SHARD", parsers.shard, "run only shard `INDEX/TOTAL` (scenarios balanced by earlier durations)",
        flag="--shard", metavar="INDEX/TOTAL")
    shards_url: str | None = _setting(
        None, "E2E_SHARDS_URL", parsers.optional_str,
        "where the shards of a batch meet (`s3://bucket/prefix` or a folder)",
        flag="--shards-url", on="e2e", shown_default="under the bucket")
    batch_key: str | None = _setting(
        None, "E2E_BATCH_KEY", parsers.optional_str, "what keys one batch's stash", shown_default="the commit")
    state_dir: str | None = _setting(
        None, "E2E_STATE_DIR", parsers.optional_str,
        "where the shared browser's state files live; created 0700 and checked before every use (owner, "
        "mode, not a link): a folder someone else controls is refused",
        shown_default="`$XDG_RUNTIME_DIR/e2e-runner`, else `$TMPDIR/e2e-runner-<uid>`")
    tools_dir: str | None = _setting(
        None, "E2E_TOOLS_DIR", parsers.optional_str,
        "a folder holding `node_modules/allure` (the image sets it)", shown_default="this project")
    node: str | None = _setting(
        None, "E2E_NODE", parsers.optional_str, "the Node.js that runs the Allure CLI",
        shown_default="`node`, else Playwright's")
    image: str = _setting(
        "e2e-runner:latest", "E2E_IMAGE", parsers.optional_str, "the image `e2e codebuild-local` runs",
        flag="--image", on="e2e")
    step_library: bool = _setting(
        True, "E2E_STEP_LIBRARY", parsers.boolean, "register the generic step library `runner.steps.web`")
    secret_variables: tuple[str, ...] = _setting(
        (), "E2E_SECRET_VARIABLES", parsers.names, "more variables whose values are secrets (see \"Secrets\")")
    public_variables: tuple[str, ...] = _setting(
        (), "E2E_PUBLIC_VARIABLES", parsers.names,
        "variables a step uses as `${NAME}` whose values are not secrets (shown, not masked)")
    run_folder_mode: str = _setting(
        "private", "E2E_RUN_FOLDER_MODE", Choice(("private", "shared")),
        "`private`: run folders owner-only (0700/0600); `shared`: as the umask makes them")
    min_free_mb: int = _setting(
        50, "E2E_MIN_FREE_MB", parsers.non_negative_int,
        "a run stops, written up, when less is free where it writes")
    run_timeout: int = _setting(
        0, "E2E_RUN_TIMEOUT", parsers.non_negative_int,
        "the whole run's limit in seconds; past it the run stops, written up as interrupted",
        shown_default="0 (none)")
    scenario_timeout: int = _setting(
        300, "E2E_SCENARIO_TIMEOUT", parsers.non_negative_int,
        "one scenario's limit in seconds (0: none); past it the scenario fails and the run goes on")
    notify_url: str | None = _setting(
        None, "E2E_NOTIFY_URL", parsers.webhook_url,
        "a webhook that gets one JSON POST in Slack's incoming-webhook form after each publish "
        "(see \"Notifications\"); a secret: give it in the environment, it is never printed",
        secret=True, shown_default="unset (no message)")
    notify_on: str = _setting(
        "failure", "E2E_NOTIFY_ON", Choice(("failure", "always", "change")),
        "when `notify_url` is told: `failure` (a red run), `always`, or `change` (the status differs "
        "from the branch's previous published run); once per run, never per shard")
    entrypoint_no_browser: bool = _setting(
        False, "E2E_ENTRYPOINT_NO_BROWSER", parsers.boolean, "the image's ENTRYPOINT starts no browser",
        flag="--no-browser", on="e2e")
    a11y_tags: tuple[str, ...] = _setting(
        ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"), "E2E_A11Y_TAGS", parsers.axe_tags,
        "the axe-core tags an accessibility check runs (WCAG 2.1 A and AA by default)")
    a11y_disabled_rules: tuple[str, ...] = _setting(
        (), "E2E_A11Y_DISABLED_RULES", parsers.axe_names,
        "axe-core rule ids left out of every accessibility check (e.g. `color-contrast` on huge pages)")
    update_baselines: str = _setting(
        "missing", "E2E_UPDATE_BASELINES", Choice(UPDATE_BASELINES),
        "what visual comparisons write: `none`, `missing` (absent baselines), `changed` (also mismatched "
        "ones), `all` (every compared one), as Playwright's `--update-snapshots`",
        flag="--update-baselines", shown_default="`missing` (`none` under CI=true)")
    visual_threshold: float = _setting(
        0.2, "E2E_VISUAL_THRESHOLD", parsers.unit_fraction,
        "per-pixel colour distance (0 to 1) under which two pixels count as equal (Playwright's `threshold`)")
    visual_max_diff_pixels: int | None = _setting(
        None, "E2E_VISUAL_MAX_DIFF_PIXELS", parsers.non_negative_int,
        "how many pixels may differ and the comparison still pass (Playwright's `maxDiffPixels`)")
    visual_max_diff_pixel_ratio: float | None = _setting(
        None, "E2E_VISUAL_MAX_DIFF_PIXEL_RATIO", parsers.unit_fraction,
        "the share of pixels (0 to 1) that may differ (Playwright's `maxDiffPixelRatio`)")
    visual_mask_test_ids: tuple[str, ...] = _setting(
        (), "E2E_VISUAL_MASK_TEST_IDS", parsers.test_ids,
        "test ids of elements painted over in every visual comparison (parts that change by nature)")
    renderer: str = _setting(
        parsers.LOCAL_RENDERER, "E2E_RENDERER", parsers.renderer,
        "the renderer baselines are named by (`image` in the runner's image; `local-<os>` elsewhere)",
        shown_default="`local-<os>` (`image` in the image)")
    # fmt: on
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def viewport_size(self) -> dict[str, int]:
        return {"width": self.viewport[0], "height": self.viewport[1]}

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")


# Every setting, in the order of the README's table, read from the declarations above.
SETTINGS: dict[str, Setting] = {
    f.name: Setting(name=f.name, default=f.default, **f.metadata[_SPEC])
    for f in dataclasses.fields(Settings)
    if _SPEC in f.metadata
}


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding a pyproject.toml (else ``start``)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    return here


def _read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc}). Fix the file and run again.") from exc
    table = data.get("tool", {}).get("e2e", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.e2e] must be a table")
    return table


def _override_origin(setting: Setting) -> str:
    return f"{setting.flag} (command line)" if setting.flag else f"{setting.name} (given by the caller)"


def resolve(
    project_root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge pyproject, environment and flags (``overrides``; ``None`` values are ignored)."""
    root = find_project_root(project_root)
    env = os.environ if environ is None else environ
    table = _read_pyproject(root)
    unknown = sorted(set(table) - set(SETTINGS))
    if unknown:
        raise SettingsError(
            f"{root / 'pyproject.toml'}: unknown key(s) in [tool.e2e]: {', '.join(unknown)}. "
            f"Known keys: {', '.join(sorted(SETTINGS))}."
        )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, setting in SETTINGS.items():
        raw: Any = None
        origin = "default"
        if name in table:
            raw, origin = table[name], f"pyproject.toml [tool.e2e] {name}"
        if env.get(setting.env) is not None:
            raw, origin = env[setting.env], f"{setting.env} (environment)"
        if overrides and overrides.get(name) is not None:
            raw, origin = overrides[name], _override_origin(setting)
        if origin == "default":
            continue
        try:
            values[name] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            shown = "***" if setting.secret else repr(raw)
            raise SettingsError(f"{origin} = {shown}: {exc}.") from None
        sources[name] = origin
    reports_dir = Path(values.pop("reports_dir", SETTINGS["reports_dir"].default))
    if not reports_dir.is_absolute():
        reports_dir = root / reports_dir
    base_url = values.get("base_url")
    if base_url is not None and base_url != DEMO and not base_url.startswith(("http://", "https://")):
        raise SettingsError(
            f"{sources['base_url']} = {base_url!r}: expected an http:// or https:// URL of the app under test "
            f"(or {DEMO!r} for the bundled demo app)."
        )
    if "update_baselines" not in values and parsers.under_ci(env):
        values["update_baselines"] = "none"  # CI never writes a baseline unless told to
    return Settings(project_root=root, reports_dir=reports_dir, sources=sources, **values)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The README's options table, one row per declared setting."""
    lines = [
        "| setting (`[tool.e2e]`) | variable | flag | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS.values():
        flag = f"`{s.flag}`" if s.flag else ""
        if s.aliases:
            flag += " " + " ".join(f"(`{a}`)" for a in s.aliases)
        cells = (f"`{s.name}`", f"`{s.env}`", flag, s.default_text, s.help)
        lines.append("|" + "|".join(f" {_cell(c)} " if c else " " for c in cells) + "|")
    return "\n".join(lines) + "\n"


TABLE_START = "<!-- options table: made by `python -m runner.settings --markdown`; do not edit by hand -->"
TABLE_END = "<!-- end of the options table -->"


def with_table(readme: str) -> str:
    """``readme`` with the text between the table's markers replaced by ``markdown_table()``."""
    before, start, rest = readme.partition(TABLE_START)
    _, end, after = rest.partition(TABLE_END)
    if not start or not end:
        raise SettingsError(f"the README has no options table between {TABLE_START!r} and {TABLE_END!r}")
    return f"{before}{TABLE_START}\n{markdown_table()}{TABLE_END}{after}"


def main(argv: list[str]) -> int:
    """``--markdown``: print the options table; ``--update FILE``: rewrite it in FILE."""
    if argv == ["--markdown"]:
        sys.stdout.write(markdown_table())
        return 0
    if len(argv) == 2 and argv[0] == "--update":
        path = Path(argv[1])
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    sys.stderr.write("usage: python -m runner.settings --markdown | --update README.md\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
