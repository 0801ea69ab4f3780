"""runner/report/site_links.py: the site report's attachments linked to the run folder, its data
bundled into one script (the real report in real Chromium: tests/test_site_report_links.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from runner.report.site_links import (
    IN_MEMORY_BUT_ATTACHMENTS,
    IN_MEMORY_CHECK,
    SiteLinkError,
    make_publishable,
)

SHOT = "1111-attachment.png"
UNPUBLISHED = "2222-attachment.txt"


def _report(tmp_path: Path) -> Path:
    report = tmp_path / "report"
    (report / "data" / "test-results").mkdir(parents=True)
    (report / "data" / "attachments").mkdir()
    (report / "widgets").mkdir()
    links = [
        {"id": "aaa", "ext": ".png", "originalFileName": SHOT, "contentType": "image/png"},
        {"id": "bbb", "ext": ".txt", "originalFileName": UNPUBLISHED, "contentType": "text/plain"},
    ]
    result = {"id": "r1", "steps": [{"steps": [], "attachments": [{"type": "attachment", "link": links[0]}]}]}
    result["attachments"] = [{"type": "attachment", "link": links[1]}]
    (report / "data" / "test-results" / "r1.json").write_text(json.dumps(result))
    (report / "data" / "attachments" / "aaa.png").write_bytes(b"png")
    (report / "data" / "attachments" / "bbb.txt").write_bytes(b"text")
    (report / "widgets" / "tree.json").write_text("{}")
    (report / "app-0123abcd.js").write_text(f"a={IN_MEMORY_CHECK}x;b=(async()=>{{{IN_MEMORY_CHECK}y}})")
    (report / "index.html").write_text('<head></head><body><script   src="app-0123abcd.js"></script></body>')
    return report


def _bundled(report: Path) -> tuple[Path, dict[str, str]]:
    (script,) = report.glob("data-*.js")
    return script, json.loads(script.read_text().removeprefix("window.allureReportData = ").rstrip(";\n"))


def test_links_point_at_the_published_results_and_their_copies_go(tmp_path: Path) -> None:
    report = _report(tmp_path)
    done = make_publishable(report, to_results="../allure-results/", published={f"allure-results/{SHOT}"})
    assert (done.links, done.copies_removed, done.copies_kept) == (1, 1, 1)
    _, data = _bundled(report)
    result = json.loads(base64.b64decode(data["data/test-results/r1.json"]))
    link = result["steps"][0]["attachments"][0]["link"]
    # The app fetches data/attachments/<id><ext> relative to the report's page.
    fetched = (report / "data" / "attachments" / f"{link['id']}{link['ext']}").resolve()
    assert fetched == (tmp_path / "allure-results" / SHOT).resolve()
    assert result["attachments"][0]["link"]["id"] == "bbb", "an unpublished file keeps its copy"
    assert not (report / "data" / "attachments" / "aaa.png").exists()
    assert (report / "data" / "attachments" / "bbb.txt").read_bytes() == b"text"


def test_the_data_becomes_one_script_loaded_before_the_app(tmp_path: Path) -> None:
    report = _report(tmp_path)
    assert make_publishable(report, to_results="../allure-results/", published=set()).bundled == 2
    script, data = _bundled(report)
    assert set(data) == {"data/test-results/r1.json", "widgets/tree.json"}
    assert json.loads(base64.b64decode(data["data/test-results/r1.json"]))["id"] == "r1"
    page = (report / "index.html").read_text()
    assert page.index(script.name) < page.index("app-0123abcd.js")
    assert (report / "app-0123abcd.js").read_text().count(IN_MEMORY_BUT_ATTACHMENTS) == 2
    assert not (report / "widgets").exists() and not (report / "data" / "test-results").exists()
    assert (report / "data" / "attachments" / "bbb.txt").is_file(), "attachments stay files"


def test_when_every_copy_goes_no_empty_folder_is_left(tmp_path: Path) -> None:
    report = _report(tmp_path)
    published = {f"allure-results/{SHOT}", f"allure-results/{UNPUBLISHED}"}
    assert make_publishable(report, to_results="../allure-results/", published=published).copies_removed == 2
    assert sorted(p.name for p in report.iterdir()) == [
        "app-0123abcd.js",
        _bundled(report)[0].name,
        "index.html",
    ]


def test_an_unknown_app_is_refused_naming_the_file(tmp_path: Path) -> None:
    report = _report(tmp_path)
    (report / "app-0123abcd.js").write_text("no loader here")
    before = sorted(p.relative_to(report) for p in report.rglob("*"))
    with pytest.raises(SiteLinkError, match=r"app-0123abcd\.js: the report app's data loader"):
        make_publishable(report, to_results="../allure-results/", published={f"allure-results/{SHOT}"})
    assert sorted(p.relative_to(report) for p in report.rglob("*")) == before, "nothing changed"
    with pytest.raises(SiteLinkError, match="to_results"):
        make_publishable(report, to_results="/abs/", published=set())
