"""The site's key layout, in one place: every key publishing, the index and the shard stash
write or read is made here.

Under the publish root (``s3://<bucket>/<prefix>/`` or a local folder)::

    index.html                     every run, newest first, failures inline for triage
    latest/index.html              redirects to the newest run's report
    latest/<branch>/index.html     ... and to the newest run of each branch
    entries/<run-id>.json          one small immutable entry per run: the index's source of truth
    runs/index.json                cache of all entries (derived; rebuilt from a LIST of entries/)
    notified/<run-id>              written after the run's notification was sent: never twice
    trace-viewer/<version>/...     Playwright's trace viewer, once per Playwright version (immutable)
    runs/<run-id>/...              the run folder, and, made for the site:
      report/                      the multi-file Allure report with the branch's history
      history.jsonl                Allure history including this run (the next run carries it)
      report-single-file/          the run's own one-file report (``report/`` in the run folder)

The shard stash, by default ``_shards/`` under the publish root (or the reports folder),
is a Target of its own::

    <batch>/<shard>/<attempt>/...          a shard's run folder (without its HTML report)
    <batch>/<shard>/<attempt>/shard.json   its manifest, written last
    <batch>/plan.json                      the durations every shard of the batch balances by
"""

from __future__ import annotations

import hashlib

from runner.report.trace_viewer import FOLDER as _VIEWER_FOLDER
from runner.run.folder import RUN_ID_PATTERN
from runner.slug import KEY_CHARS, slugify

ENTRIES_DIR = "entries/"
NOTIFIED_DIR = "notified/"
TRACE_VIEWER_DIR = f"{_VIEWER_FOLDER}/"
INDEX_PAGE = "index.html"
INDEX_JSON = "runs/index.json"
RUNS_DIR = "runs/"
LATEST_DIR = "latest/"
LATEST_PAGE = f"{LATEST_DIR}index.html"

# In a run's folder on the site (run-relative).
HISTORY_FILE = "history.jsonl"
SITE_REPORT_DIR = "report"
SINGLE_FILE_DIR = "report-single-file"
SITE_REPORT_PAGE = f"{SITE_REPORT_DIR}/index.html"
SINGLE_FILE_PAGE = f"{SINGLE_FILE_DIR}/index.html"
SINGLE_FILE_PREFIX = f"{SINGLE_FILE_DIR}/"

# The shard stash: its default place beside the site, and keys under it.
SHARDS_DIR = "_shards"
SHARD_MANIFEST = "shard.json"
SHARD_PLAN = "plan.json"
LOCAL_ATTEMPT = "local"

# The longest ``latest/<slug>/`` a branch gets, in characters (ASCII, so bytes too): far
# under a file name's 255 bytes and S3's 1024-byte keys, whatever the prefix in front.
BRANCH_SLUG_MAX = 100
_SLUG_HASH = 8


def checked_run_id(run_id: str) -> str:
    """``run_id`` itself, or ValueError: a run id becomes a key segment (and, on a local
    target, a folder name); only the ASCII shape ``YYYYMMDD-HHMMSS-xxxxxx`` may, so no name
    can climb out of runs/ or entries/."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise ValueError(f"not a run id: {run_id!r} (expected YYYYMMDD-HHMMSS-xxxxxx)")
    return run_id


def run_root(run_id: str) -> str:
    """The key prefix of a run's folder on the site."""
    return f"{RUNS_DIR}{checked_run_id(run_id)}/"


def entry_key(run_id: str) -> str:
    """The key of a run's index entry (its commit point)."""
    return f"{ENTRIES_DIR}{checked_run_id(run_id)}.json"


def notified_key(run_id: str) -> str:
    """The marker of a run whose notification was sent (a re-publish stays quiet)."""
    return f"{NOTIFIED_DIR}{checked_run_id(run_id)}"


def branch_slug(branch: str) -> str:
    """A key-safe path for a branch; ``feature/login`` stays readable as ``feature/login``.

    Each segment keeps ASCII letters, digits, ``.``, ``_`` and ``-`` and never starts with a
    dot (no ``..``, no hidden folder); the whole is at most ``BRANCH_SLUG_MAX`` characters.
    When anything had to be replaced or cut, a short hash of the real name is appended so
    two branches never share a ``latest`` page.
    """
    segments = [
        slugify(part, keep=KEY_CHARS, strip="-", fallback="").lstrip(".") or "-" for part in branch.split("/")
    ]
    slug = "/".join(segments)
    if slug == branch and len(slug) <= BRANCH_SLUG_MAX:
        return slug
    digest = hashlib.sha256(branch.encode("utf-8", "surrogatepass")).hexdigest()[:_SLUG_HASH]
    # Cut so the hash still fits; a cut inside a segment leaves a prefix of it, which
    # never starts with a dot, and a cut right after a '/' makes the hash its own segment.
    return f"{slug[: BRANCH_SLUG_MAX - _SLUG_HASH - 1]}-{digest}"


def branch_latest_page(branch: str) -> str:
    return f"{LATEST_DIR}{branch_slug(branch)}/index.html"


def stash_slot_key(batch: str, shard: str, attempt: str = LOCAL_ATTEMPT) -> str:
    """A shard stash's slot: ``<batch>/<shard>/<attempt>``, each a key segment already."""
    return f"{batch}/{shard}/{attempt}"


def shard_root(batch: str, shard: str) -> str:
    """Every stash of one shard of a batch, one slot per attempt."""
    return f"{batch}/{shard}"


def plan_key(batch: str) -> str:
    """The batch's shard plan (its durations), written once by the first shard to plan."""
    return f"{batch}/{SHARD_PLAN}"
