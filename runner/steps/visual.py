"""Visual comparison: the page (or one element) compared with a baseline image.

========================================================================================  ====  ==============================================
Phrase                                                                                    Kw    What it does
========================================================================================  ====  ==============================================
``the page looks like the baseline "home"``                                               Then  the full page equals its baseline
``the element with test id "cart" looks like the baseline "cart"``                        Then  that element equals its baseline
``the page looks like the baseline "home" masking the test ids "clock, ad"``              Then  the same, those elements painted over first
``the element with test id "cart" looks like the baseline "cart" masking the test ids "x"``  Then  the same for an element
========================================================================================  ====  ==============================================

Captures are stable (``runner.visual.capture``): fonts loaded, animations stopped, caret
hidden, screenshots until two in a row are equal, within the expect timeout. The comparison
is pixelmatch's with Playwright's thresholds (``runner.visual.compare``), from the settings
``visual_threshold``, ``visual_max_diff_pixels`` and ``visual_max_diff_pixel_ratio``; the
setting ``visual_mask_test_ids`` masks those test ids in every comparison (besides the
phrase's). Baselines live next to the feature (``runner.visual.baselines``), one per
renderer. ``update_baselines`` says what a comparison may write: ``none``, ``missing``
(absent baselines), ``changed`` (also mismatched ones), ``all``; a step that writes one
passes, tagged ``baseline written`` in the report and listed in run.json's ``visual``.

A mismatch fails the step with ONE attachment of type ``application/vnd.allure.image.diff``
(expected, actual and diff as ``data:`` URLs, which Allure 3 shows as diff, actual,
expected, side by side and overlay); the actual image is kept in the run folder for
``e2e baselines accept``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import allure
import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from pytest_bdd import then

from runner.steps.web import phrase
from runner.visual.baselines import Record, baseline_path, other_renderers, write_record
from runner.visual.capture import MASK_COLOR, Unstable, stable_capture, wait_for_fonts
from runner.visual.compare import Thresholds, compare_images, decode_png, encode_png

__all__ = ["IMAGE_DIFF", "VisualFailure", "Visual", "element_looks_like", "page_looks_like", "split_test_ids"]

IMAGE_DIFF = "application/vnd.allure.image.diff"
USER_PROPERTY = "e2e_visual"
WRITTEN_TAG = "baseline written"


class VisualFailure(AssertionError):
    """A comparison that did not hold, or a baseline that is missing where none may be written."""


def split_test_ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass(repr=False)
class Visual:
    """What one scenario needs to compare: its settings, where its baselines and run folder are."""

    settings: Any
    run_dir: Path
    feature_file: Path
    scenario: str
    node: Any = None

    def __repr__(self) -> str:  # shown in tracebacks: the scenario, not every setting
        return f"Visual({self.feature_file.name}: {self.scenario!r})"

    @classmethod
    def for_request(cls, request: pytest.FixtureRequest) -> Visual:
        settings = request.getfixturevalue("e2e_settings")
        evidence = request.getfixturevalue("evidence")
        where = request.node.stash.get(_SCENARIO, None)
        if where is None:
            raise VisualFailure("Visual comparison works in a Gherkin scenario only")
        feature_file, name = where
        params = getattr(getattr(request.node, "callspec", None), "id", None)
        if params:  # each Examples row has its own baselines
            name = f"{name} [{params}]"
        return cls(settings, Path(evidence.run_dir), feature_file, name, request.node)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            threshold=self.settings.visual_threshold,
            max_diff_pixels=self.settings.visual_max_diff_pixels,
            max_diff_pixel_ratio=self.settings.visual_max_diff_pixel_ratio,
        )

    def _mark(self, record: Record) -> None:
        if self.node is not None:
            self.node.user_properties.append(
                (USER_PROPERTY, {"name": record.name, "baseline": record.baseline, "outcome": record.outcome})
            )

    def compare(self, page: Page, target: Page | Locator, name: str, masks: list[str]) -> str:
        """Compare ``target`` with its baseline ``name``; returns what happened (passed, written)."""
        settings = self.settings
        root = Path(settings.project_root)
        path = baseline_path(self.feature_file, self.scenario, name, settings.renderer)
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise VisualFailure(
                f"{self.feature_file}: baselines must be inside the project ({root})"
            ) from None
        timeout = settings.expect_timeout
        mask_ids = list(dict.fromkeys([*settings.visual_mask_test_ids, *masks]))
        wait_for_fonts(page, timeout)

        def shoot() -> bytes:
            options: dict[str, Any] = {
                "animations": "disabled",
                "caret": "hide",
                "type": "png",
                "mask": [page.get_by_test_id(t) for t in mask_ids],
                "mask_color": MASK_COLOR,
                "timeout": timeout,
            }
            if isinstance(target, Page):
                options["full_page"] = True
            try:
                return target.screenshot(**options)
            except PlaywrightError as exc:
                raise VisualFailure(
                    f'baseline "{name}": no screenshot ({str(exc).splitlines()[0]})'
                ) from None

        mode = settings.update_baselines
        expected = decode_png(path.read_bytes()) if path.is_file() else None
        thresholds = self.thresholds

        def matches(image: Image.Image) -> bool:
            return (
                expected is not None and mode != "all" and compare_images(expected, image, thresholds).equal
            )

        capture = stable_capture(shoot, timeout, matches=matches)
        record = Record(baseline=relative, outcome="", name=name, scenario=self.scenario)
        if expected is None or mode == "all":
            if expected is None and mode == "none":
                others = other_renderers(path)
                elsewhere = f" (there is one for: {', '.join(others)})" if others else ""
                record.outcome, record.message = (
                    "missing",
                    f"no baseline for renderer {settings.renderer}{elsewhere}",
                )
                self._keep(record, capture.png)
                allure.attach(
                    capture.png,
                    name=f"{name} (actual, no baseline)",
                    attachment_type=allure.attachment_type.PNG,
                )
                raise VisualFailure(
                    f'No baseline "{name}" for the renderer {settings.renderer}{elsewhere}: {relative}. '
                    "update_baselines is none (the default under CI=true): write it with --update-baselines missing, "
                    f"or take this run's images with: e2e baselines accept {self.run_dir}"
                )
            return self._write(path, record, capture.png, "added" if expected is None else "rewritten")
        comparison = compare_images(expected, capture.image, thresholds)
        if comparison.equal:
            return "passed"
        if mode == "changed":
            return self._write(path, record, capture.png, f"rewritten ({comparison.describe()})")
        record.outcome, record.message = "mismatch", comparison.describe()
        self._keep(record, capture.png)
        diff = comparison.diff or capture.image
        attachment = {
            "name": name,
            "expected": _data_url(path.read_bytes()),
            "actual": _data_url(capture.png),
            "diff": _data_url(encode_png(diff)),
        }
        allure.attach(
            json.dumps(attachment),
            name=f"{name} (visual diff)",
            attachment_type=IMAGE_DIFF,
            extension="imagediff",
        )
        raise VisualFailure(f'"{name}" does not look like its baseline: {comparison.describe()} ({relative})')

    def _keep(self, record: Record, png: bytes) -> None:
        write_record(self.run_dir, record, png)
        self._mark(record)

    def _write(self, path: Path, record: Record, png: bytes, how: str) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        record.outcome, record.message = "written", how
        self._keep(record, png)
        allure.dynamic.tag(WRITTEN_TAG)
        allure.attach(
            png, name=f"{record.name} (baseline written: {how})", attachment_type=allure.attachment_type.PNG
        )
        return "written"


def page_looks_like(visual: Visual, page: Page, name: str, masks: list[str] | None = None) -> str:
    try:
        return visual.compare(page, page, name, masks or [])
    except Unstable as exc:
        raise VisualFailure(f'baseline "{name}": {exc}') from None


def element_looks_like(
    visual: Visual, page: Page, test_id: str, name: str, masks: list[str] | None = None
) -> str:
    element = page.get_by_test_id(test_id)
    try:
        element.first.wait_for(state="visible", timeout=visual.settings.expect_timeout)
    except PlaywrightError:
        raise VisualFailure(
            f'No visible element with test id "{test_id}" to compare with the baseline "{name}"'
        ) from None
    try:
        return visual.compare(page, element.first, name, masks or [])
    except Unstable as exc:
        raise VisualFailure(f'baseline "{name}": {exc}') from None


_SCENARIO = pytest.StashKey[tuple[Path, str]]()


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Where the scenario's baselines are: its feature file and its name (this module is a plugin)."""
    request.node.stash[_SCENARIO] = (Path(feature.filename), scenario.name)


@pytest.fixture
def visual(request: pytest.FixtureRequest) -> Visual:
    return Visual.for_request(request)


@then(phrase('the page looks like the baseline "{name}"'))
def _page_looks_like(visual: Visual, page: Page, name: str) -> None:
    page_looks_like(visual, page, name)


@then(phrase('the page looks like the baseline "{name}" masking the test ids "{test_ids}"'))
def _page_looks_like_masked(visual: Visual, page: Page, name: str, test_ids: str) -> None:
    page_looks_like(visual, page, name, split_test_ids(test_ids))


@then(phrase('the element with test id "{test_id}" looks like the baseline "{name}"'))
def _element_looks_like(visual: Visual, page: Page, test_id: str, name: str) -> None:
    element_looks_like(visual, page, test_id, name)


@then(
    phrase(
        'the element with test id "{test_id}" looks like the baseline "{name}" masking the test ids "{test_ids}"'
    )
)
def _element_looks_like_masked(visual: Visual, page: Page, test_id: str, name: str, test_ids: str) -> None:
    element_looks_like(visual, page, test_id, name, split_test_ids(test_ids))
