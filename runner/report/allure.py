"""The HTML report: the Allure 3 CLI (pinned in package.json) over a run's results.

Allure 3's "awesome" report hard-codes a Google Analytics tag; test evidence of a private
app must not make viewers' browsers call third parties, so the tag is removed from the
generated pages and the result is checked: generation fails if any page still loads a
script, style, image or frame from another host. (Allure's "open trace" button links to
Playwright's trace viewer site only when a viewer clicks it.)

Node is whatever runs the CLI: ``E2E_NODE``, else ``node`` on PATH, else the Node runtime
bundled inside the playwright package (so the image needs no second Node).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from runner.report.offline import third_party_urls
from runner.run import ALLURE_RESULTS, REPORT_DIR, RUN_JSON, write_json_atomic

ANALYTICS_BLOCK = re.compile(
    r"<script[^>]*googletagmanager\.com[^>]*>\s*</script>\s*<script>\s*window\.dataLayer.*?</script>",
    re.DOTALL,
)


class ReportError(Exception):
    pass


def _project_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent
    dirs = [Path.cwd(), here.parent]
    if os.environ.get("E2E_TOOLS_DIR"):
        dirs.insert(0, Path(os.environ["E2E_TOOLS_DIR"]))
    return dirs


def allure_cli() -> Path:
    for base in _project_dirs():
        candidate = base / "node_modules" / "allure" / "cli.js"
        if candidate.is_file():
            return candidate
    raise ReportError(
        "The Allure report CLI is not installed. Run scripts/setup.sh (or `npm ci` in the project root), "
        "or set E2E_TOOLS_DIR to a folder holding node_modules/allure."
    )


def node_binary() -> str:
    if os.environ.get("E2E_NODE"):
        return os.environ["E2E_NODE"]
    found = shutil.which("node")
    if found:
        return found
    import playwright

    bundled = Path(playwright.__file__).parent / "driver" / "node"
    if bundled.is_file():
        return str(bundled)
    raise ReportError("No Node.js found for the Allure CLI: install nodejs or set E2E_NODE.")


def strip_analytics(html_path: Path) -> None:
    text = html_path.read_text(encoding="utf-8")
    cleaned = ANALYTICS_BLOCK.sub("", text)
    if cleaned != text:
        html_path.write_text(cleaned, encoding="utf-8")
    urls = third_party_urls(cleaned)
    if urls:
        raise ReportError(
            f"{html_path}: the generated report loads from third parties ({', '.join(urls)[:300]}). "
            "Reports must open offline; this Allure version needs a new filter in runner/report.py."
        )


def generate_report(
    run_dir: Path | list[Path],
    *,
    output: Path | None = None,
    single_file: bool = False,
    history_path: Path | None = None,
    report_name: str | None = None,
) -> Path:
    """Generate the HTML report; returns the path of its ``index.html``.

    ``run_dir`` may be several run folders (shards of one build): their results are merged.
    ``history_path`` is Allure's history file (JSON lines), read for trends and appended to.
    """
    run_dirs = [Path(run_dir)] if isinstance(run_dir, (str, Path)) else [Path(p) for p in run_dir]
    results = [d / ALLURE_RESULTS for d in run_dirs]
    missing = [str(r) for r in results if not r.is_dir()]
    if missing:
        raise ReportError(
            f"No Allure results in {', '.join(missing)}: is that a run folder made by `e2e run`?"
        )
    out = Path(output) if output else run_dirs[0] / REPORT_DIR
    meta = _read_meta(run_dirs[0])
    name = report_name or _default_name(run_dirs[0], meta)
    config = {
        "name": name,
        "output": str(out.resolve()),
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": name,
                    "singleFile": single_file,
                    "reportLanguage": "en",
                    "groupBy": ["parentSuite", "suite", "subSuite"],
                }
            }
        },
    }
    if history_path is not None:
        config["historyPath"] = str(Path(history_path).resolve())
    with tempfile.TemporaryDirectory(prefix="e2e-allure-") as tmp:
        cfg_path = Path(tmp) / "allurerc.json"
        cfg_path.write_text(json.dumps(config))
        cmd = [
            node_binary(),
            str(allure_cli()),
            "generate",
            "--config",
            str(cfg_path),
            "--cwd",
            tmp,
            *[str(r.resolve()) for r in results],
        ]
        env = {**os.environ, "ALLURE_NO_ANALYTICS": "true", "NO_COLOR": "1"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    index = out / "index.html"
    if proc.returncode != 0 or not index.is_file():
        raise ReportError(
            f"The Allure CLI failed (exit {proc.returncode}) for {', '.join(map(str, run_dirs))}:\n"
            f"{(proc.stderr or proc.stdout).strip()[-2000:]}"
        )
    metrics = out / "widgets" / "metrics.json"
    if not single_file and metrics.parent.is_dir() and not metrics.exists():
        # Allure 3.18's app always requests this widget; without it every multi-file report has a 404.
        metrics.write_text('{"current": [], "history": []}', encoding="utf-8")
    for page in out.rglob("*.html"):
        strip_analytics(page)
    if meta is not None and out.resolve() == (run_dirs[0] / REPORT_DIR).resolve():
        # run.json names the run's own report (not one written elsewhere, e.g. a merge or a site)
        meta["report"] = f"{REPORT_DIR}/index.html"
        write_json_atomic(run_dirs[0] / RUN_JSON, meta)
    return index


def _read_meta(run_dir: Path) -> dict | None:
    try:
        meta = json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _default_name(run_dir: Path, meta: dict | None) -> str:
    if meta is None:
        return f"E2E run {run_dir.name}"
    branch = (meta.get("metadata") or {}).get("branch")
    return f"E2E run {meta.get('run_id', run_dir.name)}" + (f" ({branch})" if branch else "")
