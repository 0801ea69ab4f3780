"""The site's pages: the index of runs (with triage across runs) and the ``latest`` redirects.

Rendered with Jinja2 templates shipped beside this module (``templates/``); autoescaped,
deterministic (no "generated at"), so an unchanged page is never uploaded again.
"""

from __future__ import annotations

import re
from datetime import datetime

from runner.publish.index import TRIAGE_RUNS, RunEntry, RunIndex, relative_link, report_of, run_target
from runner.publish.layout import INDEX_PAGE, LATEST_PAGE, branch_latest_page
from runner.publish.triage import branch_states, triage
from runner.report.trace_viewer import viewer_link


def _environment():  # noqa: ANN202 - jinja2 is imported lazily to keep `e2e --help` fast
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("runner.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["when"] = format_time
    env.filters["duration"] = format_duration
    return env


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the page; a ``javascript:`` build URL is dropped, not escaped."""
    if url and re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return url
    return None


def format_time(value: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment.utcoffset() is not None else value


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = int(round(seconds))
    if total < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def trace_links(entries: list[RunEntry], *, viewer: bool) -> dict[tuple[str, str], str]:
    """(run id, scenario key) -> the index's ``trace`` link: Playwright's viewer on the same site,
    or (``viewer`` False: a site opened from disk, where no service worker runs) the zip itself."""
    links = {}
    for entry in entries[:TRIAGE_RUNS]:
        for failure in entry.failures:
            if failure.trace and failure.key:
                links[(entry.run_id, failure.key)] = (
                    viewer_link(INDEX_PAGE, failure.trace) if viewer else failure.trace
                )
    return links


def render_index(
    index: RunIndex, *, title: str, single_file: bool = False, viewer: bool | None = None
) -> bytes:
    """The run index page. Deterministic (no "generated at"), so an unchanged index is not
    re-uploaded. ``viewer``: traces open in the site's trace viewer (default: unless
    ``single_file``, the form of a site opened from disk)."""

    entries = index.newest_first()
    branches = sorted({e.branch for e in entries if e.branch})
    html = (
        _environment()
        .get_template("index.html.j2")
        .render(
            title=title,
            entries=entries,
            reports={e.run_id: report_of(e, single_file=single_file) for e in entries},
            triage_runs=TRIAGE_RUNS,
            verdicts=triage(index),
            traces=trace_links(entries, viewer=not single_file if viewer is None else viewer),
            viewer=not single_file if viewer is None else viewer,
            branch_states=branch_states(index),
            branches=[(b, branch_latest_page(b)) for b in branches],
            latest=LATEST_PAGE if entries else None,
        )
    )
    return html.encode("utf-8")


def render_latest(page_key: str, entry: RunEntry, *, title: str, single_file: bool = False) -> bytes:
    html = (
        _environment()
        .get_template("latest.html.j2")
        .render(
            title=title,
            entry=entry,
            target=relative_link(page_key, run_target(entry, single_file=single_file)),
            index=relative_link(page_key, INDEX_PAGE),
        )
    )
    return html.encode("utf-8")
