"""axe-core in the page: the pinned bundle injected into every frame, then ``axe.run``.

The bundle is read from the installed tools (``e2e install``, or the image's
``E2E_TOOLS_DIR``), never fetched. It goes in with ``frame.evaluate``, which a page's
Content-Security-Policy does not govern (``add_script_tag`` would be refused by
``script-src 'self'``), into each frame, so that ``axe.run`` in the top frame reaches
into same- and cross-origin iframes alike. Only ``violations`` are judged (never
``incomplete``); the ids of every rule that ran come back too, so a known issue is called
gone only when its rule was really looked at.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page

from runner.report.tools import ReportTools
from runner.settings import Settings


class AxeError(RuntimeError):
    """axe-core is missing, or could not scan; the message says what to do."""


class UnknownOptions(AxeError):
    """Tags or rule ids this axe-core does not have (the caller names the setting)."""

    def __init__(self, version: str, tags: list[str], rules: list[str]):
        self.version, self.tags, self.rules = version, tags, rules
        super().__init__(f"axe-core {version} has no tag(s) {tags} / rule(s) {rules}")


@dataclass(frozen=True)
class Axe:
    source: str
    version: str
    path: Path


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> Axe:
    script = Path(path)
    package = script.parent / "package.json"
    try:
        version = str(json.loads(package.read_text(encoding="utf-8")).get("version") or "unknown")
    except (OSError, ValueError):
        version = "unknown"
    # The newline: the bundle may end in a line comment.
    return Axe(source=script.read_text(encoding="utf-8") + "\n;true", version=version, path=script)


def load_axe(settings: Settings) -> Axe:
    found = ReportTools.from_settings(settings).find_axe()
    if found is None:
        raise AxeError(
            "axe-core (the accessibility engine this runner pins) is not installed. Run `e2e install`, "
            "or set E2E_TOOLS_DIR to a folder holding node_modules/axe-core."
        )
    return _read(str(found), found.stat().st_mtime)


_HAS_AXE = "() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"

# Runs in the top frame; returns only what the runner keeps (axe's full result is large).
_RUN = """async ([scope, options, disabled]) => {
  const known = new Set(axe.getRules().map((r) => r.ruleId));
  const unknownRules = disabled.filter((id) => !known.has(id));
  const unknownTags = options.runOnly.values.filter((tag) => axe.getRules([tag]).length === 0);
  if (unknownRules.length || unknownTags.length) return {unknownRules, unknownTags};
  const context = scope && scope.length ? {include: scope} : document;
  const result = await axe.run(context, options);
  const trim = (v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, description: v.description, tags: v.tags,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, impact: n.impact, failureSummary: n.failureSummary})),
  });
  const ids = (list) => list.map((r) => r.id);
  return {
    version: axe.version,
    url: result.url,
    violations: result.violations.map(trim),
    rulesRun: [...ids(result.violations), ...ids(result.passes), ...ids(result.incomplete), ...ids(result.inapplicable)],
  };
}"""


def inject(page: Page, axe: Axe) -> list[str]:
    """axe into every frame that lacks it; returns the frames it could not enter (and why)."""
    missed = []
    for frame in page.frames:
        try:
            if not frame.evaluate(_HAS_AXE):
                frame.evaluate(axe.source)
        except PlaywrightError as exc:  # a frame detached or navigating meanwhile
            missed.append(f"{_frame_name(frame)}: {str(exc).splitlines()[0]}")
    return missed


def _frame_name(frame: Frame) -> str:
    return frame.url or frame.name or "(frame)"


@dataclass
class RawScan:
    version: str
    url: str
    violations: list[dict[str, Any]]
    rules_run: list[str]
    seconds: float
    frames_missed: list[str]


def run_axe(
    page: Page,
    axe: Axe,
    *,
    tags: tuple[str, ...],
    disabled_rules: tuple[str, ...] = (),
    scope: Locator | None = None,
) -> RawScan:
    """One scan of the page (or of the elements ``scope`` matches), with these tags and rules."""
    started = time.perf_counter()
    missed = inject(page, axe)
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "rules": {rule: {"enabled": False} for rule in disabled_rules},
        # Only violations are judged: the other lists keep one node each (their ids are enough).
        "resultTypes": ["violations"],
    }
    handles = scope.element_handles() if scope is not None else []
    try:
        result = page.main_frame.evaluate(_RUN, [handles, options, list(disabled_rules)])
    except PlaywrightError as exc:
        raise AxeError(f"axe-core could not scan {page.url}: {str(exc).splitlines()[0]}") from None
    finally:
        for handle in handles:
            handle.dispose()
    if result.get("unknownRules") or result.get("unknownTags"):
        raise UnknownOptions(
            axe.version, list(result.get("unknownTags") or []), list(result.get("unknownRules") or [])
        )
    return RawScan(
        version=str(result.get("version") or axe.version),
        url=str(result.get("url") or page.url),
        violations=list(result.get("violations") or []),
        rules_run=sorted(set(result.get("rulesRun") or [])),
        seconds=round(time.perf_counter() - started, 3),
        frames_missed=missed,
    )


# Outlines set through the CSSOM (``element.style``): a CSP without 'unsafe-inline' refuses
# a <style> tag, not this. The previous inline values are kept and put back.
_OUTLINE = """(selectors) => {
  const saved = [];
  for (const selector of selectors) {
    let element = null;
    try { element = document.querySelector(selector); } catch (e) { continue; }
    if (!element || element.hasAttribute('data-e2e-a11y-outline')) continue;
    element.setAttribute('data-e2e-a11y-outline', '');
    saved.push([element, element.style.getPropertyValue('outline'), element.style.getPropertyPriority('outline'),
                element.style.getPropertyValue('outline-offset')]);
    element.style.setProperty('outline', '3px solid #e0007a', 'important');
    element.style.setProperty('outline-offset', '2px', 'important');
  }
  window.__e2eA11yOutlines = saved;
  return saved.length;
}"""

_UNOUTLINE = """() => {
  for (const [element, outline, priority, offset] of window.__e2eA11yOutlines || []) {
    element.removeAttribute('data-e2e-a11y-outline');
    element.style.setProperty('outline', outline, priority);
    element.style.setProperty('outline-offset', offset);
  }
  delete window.__e2eA11yOutlines;
}"""


def outline(page: Page, targets: list[str]) -> int:
    """Outline these elements of the top frame (an element in a frame: the frame itself)."""
    selectors = sorted({t.split(" >> ")[0].split(" >>> ")[0] for t in targets})
    try:
        return int(page.main_frame.evaluate(_OUTLINE, selectors))
    except PlaywrightError:
        return 0


def remove_outline(page: Page) -> None:
    try:
        page.main_frame.evaluate(_UNOUTLINE)
    except PlaywrightError:
        pass
