"""The run's single-file report is compact: WebP screenshots, no traces, the run folder untouched.

A real run of 20 scenarios on the demo app (2 fail: a failure screenshot and a trace each)
gets its own report (``make_run_report``); the report's embedded data is read back from
``index.html`` and the report is opened in Chromium. No timing is asserted here: the
figures are ``benchmarks/report_size.py``'s.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.report.allure import make_run_report
from runner.report.compact import FAILED, PASSED, CompactStats, compact_copy
from runner.run.folder import ALLURE_RESULTS, REPORT_DIR, RUN_JSON
from runner.settings import resolve
from tests.support import E2EProject
from tests.support.browser import chromium
from tests.support.runs import tree_digest

pytestmark = pytest.mark.slow

PAGES = [
    ("/", "Welcome to the Demo Bookshop"),
    ("/search", "Search the catalogue"),
    ("/signup", "Create your account"),
    ("/login", "Sign in"),
]
FAILING = ["Signing in with a wrong password", "The search page has the wrong heading"]


def _feature() -> str:
    scenarios = []
    for number in range(14):
        path, heading = PAGES[number % len(PAGES)]
        scenarios.append(
            f'  Scenario: Page {number:02d} opens\n    Given I open "{path}"\n    Then I see the heading "{heading}"\n'
        )
    for number in range(4):
        scenarios.append(
            f"  Scenario: Signing in, run {number}\n"
            '    Given I open "/login"\n'
            '    When I fill in "Username" with "demo"\n'
            '    And I fill in "Password" with "s3cret"\n'
            '    And I click the "Sign in" button\n'
            '    Then I see the heading "Welcome, Demo User!"\n'
        )
    scenarios.append(
        f"  Scenario: {FAILING[0]}\n"
        '    Given I open "/login"\n'
        '    When I fill in "Username" with "demo"\n'
        '    And I fill in "Password" with "wrong password"\n'
        '    And I click the "Sign in" button\n'
        '    Then I see the heading "Welcome, Demo User!"\n'
    )
    scenarios.append(
        f'  Scenario: {FAILING[1]}\n    Given I open "/search"\n    Then I see the heading "Nope"\n'
    )
    return "Feature: Report size\n\n" + "\n".join(scenarios)


@dataclass
class Made:
    run_dir: Path
    index: Path
    before: dict[str, bytes]
    after: dict[str, bytes]
    data: dict[str, str]  # the report's embedded files: name -> base64
    names: list[str]


_DATA = re.compile(r'd\("([^"]+)","([^"]*)"\)')


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    project = E2EProject(tmp_path_factory.mktemp("report-size") / "project")
    project.add_feature("size.feature", _feature())
    run = project.pytest("features", E2E_EXPECT_TIMEOUT="1500")
    assert run.run_dir is not None, run.output[-3000:]
    summary = run.run_json()
    assert summary["counts"]["total"] == 20 and summary["counts"]["failed"] == 2, run.output[-3000:]
    before = tree_digest(run.run_dir)
    index = make_run_report(run.run_dir, resolve(project.root))
    html = index.read_text(encoding="utf-8")
    return Made(
        run_dir=run.run_dir,
        index=index,
        before=before,
        after=tree_digest(run.run_dir),
        data=dict(_DATA.findall(html)),
        names=[s["name"] for s in summary["scenarios"]],
    )


def _test_results(made: Made) -> list[dict]:
    return [
        json.loads(base64.b64decode(v)) for k, v in made.data.items() if k.startswith("data/test-results/")
    ]


def _links(node: object) -> list[dict]:
    """Every attachment link of a report's test result (or step), steps included, once each."""
    found: dict[str, dict] = {}

    def walk(item: object) -> None:
        if isinstance(item, dict):
            if item.get("type") == "attachment" and isinstance(item.get("link"), dict):
                found.setdefault(item["link"]["id"], item["link"])
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return list(found.values())


def _content(made: Made, link: dict) -> bytes:
    return base64.b64decode(made.data[f"data/attachments/{link['id']}{link['ext']}"])


def _image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an embedded WebP."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP", image.format
        return image.size


def test_the_run_folder_is_unchanged_but_for_its_report(made: Made) -> None:
    changed = {k for k in made.before.keys() | made.after.keys() if made.before.get(k) != made.after.get(k)}
    assert all(k.startswith(f"{REPORT_DIR}/") for k in changed - {RUN_JSON}), sorted(changed)
    run_json_before = json.loads(made.before[RUN_JSON])
    run_json_after = json.loads(made.after[RUN_JSON])
    assert run_json_after.pop("report") == "report/index.html"
    run_json_before.pop("report", None)
    assert run_json_after == run_json_before
    # The results keep their PNGs and traces.
    results = [k for k in made.after if k.startswith(f"{ALLURE_RESULTS}/")]
    assert sum(k.endswith(".png") for k in results) >= 22 and sum(k.endswith(".zip") for k in results) == 2


def test_screenshots_are_embedded_as_webp_and_no_trace_is(made: Made) -> None:
    attachments = {k: base64.b64decode(v) for k, v in made.data.items() if k.startswith("data/attachments/")}
    webps = [k for k in attachments if k.endswith(".webp")]
    assert len(webps) >= 22, sorted(attachments)  # a final screenshot each, a failure screenshot each
    assert all(attachments[k][:4] == b"RIFF" and attachments[k][8:12] == b"WEBP" for k in webps)
    assert not [k for k in attachments if k.endswith((".png", ".zip", ".webm"))]
    assert not [k for k, v in attachments.items() if v[:4] == b"PK\x03\x04" or v[:8] == b"\x89PNG\r\n\x1a\n"]
    for result in _test_results(made):
        for link in _links(result):
            assert (link["ext"] == ".webp") == (link["contentType"] == "image/webp"), link
            assert link["contentType"] != "application/vnd.allure.playwright-trace", link


def test_failing_screenshots_are_kept_sharper_than_passing_ones(made: Made) -> None:
    results = _test_results(made)
    assert sorted(r["name"] for r in results if r["status"] == "failed") == sorted(FAILING)
    for result in results:
        finals = [link for link in _links(result) if link["name"] == "final state"]
        assert len(finals) == 1, result["name"]
        if result["status"] == "passed":
            assert _image_size(_content(made, finals[0]))[0] == PASSED.max_width, result["name"]
            continue
        failed_step = [s for s in result["steps"] if s.get("status") == "failed"][0]
        shots = [link for link in _links(failed_step) if link["contentType"] == "image/webp"]
        assert shots, f"{result['name']}: no failure screenshot"
        assert _image_size(_content(made, shots[0])) == (FAILED.max_width, 1080)
        notes = [link for link in _links(result) if link["name"].startswith("Playwright trace")]
        assert len(notes) == 1 and notes[0]["contentType"] == "text/plain"
        text = _content(made, notes[0]).decode()
        where = re.search(r"(evidence/\S+/trace\.zip)", text)
        assert where and (made.run_dir / where.group(1)).is_file(), text
        assert f"runs/{made.run_dir.name}/report/index.html" in text


def test_embedded_bytes_per_scenario_are_bounded(made: Made) -> None:
    attachments = sum(len(v) for k, v in made.data.items() if k.startswith("data/attachments/"))
    everything = sum(len(v) for v in made.data.values())
    assert attachments / len(made.names) < 20_000, attachments
    assert everything / len(made.names) < 30_000, everything
    # ... where the screenshots alone, as recorded, are several times that.
    pngs = sum(
        len(v) for k, v in made.after.items() if k.startswith(f"{ALLURE_RESULTS}/") and k.endswith(".png")
    )
    assert pngs * 4 / 3 > 2 * attachments


@pytest.fixture(scope="module")
def browser(made: Made) -> Iterator[object]:
    with chromium(made.run_dir) as launched:
        yield launched


def test_the_report_opens_and_shows_every_scenario_and_its_screenshots(made: Made, browser) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if r.url.startswith(("http:", "https:")) else None)
    page.goto(made.index.as_uri())
    leaves = page.get_by_test_id("tree-leaf-title")
    leaves.first.wait_for(timeout=30_000)
    assert sorted(leaves.all_inner_texts()) == sorted(made.names)
    for name in ("Page 00 opens", FAILING[0]):
        page.goto(made.index.as_uri())
        page.get_by_test_id("tree-leaf-title").filter(has_text=name).first.click()
        page.get_by_test_id("test-result-tab-attachments").click()
        headers = page.get_by_test_id("test-result-attachment-header")
        headers.first.wait_for()
        shots = [i for i, text in enumerate(headers.all_inner_texts()) if "image/webp" in text]
        assert len(shots) == (2 if name in FAILING else 1), headers.all_inner_texts()
        for index in shots:
            headers.nth(index).click()
        page.wait_for_function(
            f"() => document.images.length >= {len(shots)} && "
            "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)",
            timeout=15_000,
        )
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert (FAILED.max_width if name in FAILING else PASSED.max_width) in widths, widths
    page.close()
    assert outside == [], outside[:3]


def test_the_webp_shows_the_screenshot(made: Made, browser) -> None:  # noqa: ANN001
    """Decoded by Chromium, each embedded WebP matches its PNG scaled to its size (PSNR >= 33 dB)."""
    page = browser.new_page()
    checked = 0
    for result in _test_results(made)[:6]:
        for link in _links(result):
            if link["contentType"] != "image/webp":
                continue
            png = made.run_dir / ALLURE_RESULTS / f"{Path(link['originalFileName']).stem}.png"
            psnr = page.evaluate(
                """async ([png, webp]) => {
                  const load = async (b64, type) => createImageBitmap(
                    new Blob([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], {type}));
                  const shot = await load(png, 'image/png'), compact = await load(webp, 'image/webp');
                  const pixels = (bitmap) => {
                    const canvas = new OffscreenCanvas(compact.width, compact.height);
                    const context = canvas.getContext('2d');
                    context.imageSmoothingQuality = 'high';
                    context.drawImage(bitmap, 0, 0, compact.width, compact.height);
                    return context.getImageData(0, 0, compact.width, compact.height).data;
                  };
                  const a = pixels(shot), b = pixels(compact);
                  let error = 0;
                  for (let i = 0; i < a.length; i += 4) {
                    for (let k = 0; k < 3; k++) error += (a[i + k] - b[i + k]) ** 2;
                  }
                  return 10 * Math.log10(255 * 255 / (error / (a.length * 3 / 4)));
                }""",
                [
                    base64.b64encode(png.read_bytes()).decode(),
                    made.data[f"data/attachments/{link['id']}.webp"],
                ],
            )
            assert psnr >= 33, f"{link['name']}: {psnr:.1f} dB"
            checked += 1
    page.close()
    assert checked >= 6


def test_the_compact_copy_rewrites_every_reference(made: Made, tmp_path: Path) -> None:
    """A screenshot that cannot be read stays as it is (said in a warning), the others become
    WebP, traces are left out, and every reference names a file of the copy with its type."""
    run_dir = tmp_path / "run"
    shutil.copytree(made.run_dir, run_dir)
    damaged = sorted((run_dir / ALLURE_RESULTS).glob("*-attachment.png"))[0]
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not an image" * 500)
    out = tmp_path / "compact"
    stats: CompactStats = compact_copy(run_dir, out, report_url=resolve(made.run_dir).report_url)
    assert stats.warning and "not compacted" in stats.warning and damaged.name in stats.warning
    assert stats.left_out == 2 and stats.images >= 22 and stats.kept_images >= 1
    types = []
    for path in out.glob("*-result.json"):
        result = json.loads(path.read_text())
        for attachment in _attachments(result):
            assert (out / attachment["source"]).is_file(), attachment
            suffix = Path(attachment["source"]).suffix
            expected = {
                ".webp": "image/webp",
                ".png": "image/png",
                ".txt": "text/plain",
                ".uri": "text/uri-list",
            }
            assert attachment["type"] == expected[suffix], attachment
            types.append(attachment["source"])
    assert damaged.name in types and sum(t.endswith(".webp") for t in types) >= 20
    assert not list(out.glob("*.zip"))
    assert tree_digest(made.run_dir) == made.after


def _attachments(node: object) -> list[dict]:
    if isinstance(node, list):
        return [a for item in node for a in _attachments(item)]
    if isinstance(node, dict):
        found = [a for a in node.get("attachments") or [] if isinstance(a, dict)]
        return found + [a for key, value in node.items() if key != "attachments" for a in _attachments(value)]
    return []
