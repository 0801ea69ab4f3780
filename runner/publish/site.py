"""The site's shared pages (``index.html``, ``runs/index.json``, ``latest/``), rebuilt from a
LIST of ``entries/`` until no other publish committed meanwhile (see ``runner.publish.index``
for why the index is derived, not edited)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from runner.publish.index import (
    RunEntry,
    RunIndex,
    latest_pages,
    listed_run_ids,
    merge,
    parse_index_json,
    run_target,
    stale_ids,
)
from runner.publish.layout import ENTRIES_DIR, INDEX_JSON, INDEX_PAGE, LATEST_DIR, entry_key
from runner.publish.local_target import LocalTarget
from runner.publish.pages import render_index, render_latest
from runner.publish.target import Target, Upload
from runner.publish.uploads import Log, put_all

SITE_ROUNDS = 8
INDEX_TITLE = "End-to-end test runs"


def _list_entries(target: Target) -> dict[str, str]:
    """Run id -> ETag of its entry object, from a LIST of entries/."""
    objects = target.list(ENTRIES_DIR)
    return {run_id: objects[key].etag for run_id, key in listed_run_ids(objects).items()}


def load_index(target: Target, listing: dict[str, str] | None = None) -> tuple[RunIndex, dict[str, str]]:
    """Every committed run: a LIST of entries/ (unless ``listing`` is one just taken), the
    cached runs/index.json, and a GET of each entry the cache does not know (in parallel)."""
    if listing is None:
        listing = _list_entries(target)
    cached = parse_index_json(target.read(INDEX_JSON))
    missing = stale_ids(listing, cached)

    def fetch(run_id: str) -> tuple[str, tuple[str, RunEntry] | None]:
        data = target.read(entry_key(run_id))
        if data is None:
            return run_id, None
        try:
            return run_id, (listing[run_id], RunEntry.from_dict(json.loads(data)))
        except (ValueError, TypeError, KeyError):
            return run_id, None  # a damaged entry hides one run, not the whole index

    fetched: dict[str, tuple[str, RunEntry]] = {}
    if missing:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for run_id, pair in pool.map(fetch, missing):
                if pair is not None:
                    fetched[run_id] = pair
    return merge(listing, cached, fetched), listing


def _site_pages(index: RunIndex, *, single_file: bool) -> list[Upload]:
    pages = [
        Upload.from_bytes(INDEX_PAGE, render_index(index, title=INDEX_TITLE, single_file=single_file)),
        Upload.from_bytes(INDEX_JSON, index.to_bytes()),
    ]
    for key, entry in sorted(latest_pages(index).items()):
        page = render_latest(key, entry, title=INDEX_TITLE, single_file=single_file)
        pages.append(Upload.from_bytes(key, page, redirect=run_target(entry, single_file=single_file)))
    return pages


def opened_from_disk(target: Target) -> bool:
    return isinstance(target, LocalTarget)


def publish_site(target: Target, *, log: Log, rounds: int = SITE_ROUNDS) -> tuple[RunIndex, int]:
    """Rebuild the shared pages from the committed entries until no publish committed meanwhile.

    Whoever writes last has LISTed after its write and found nothing new, so the pages it
    wrote hold every run committed before that LIST; a run committed later is published by
    a process that rebuilds after it. Returns the index and the number of objects written.
    """
    writes = 0
    index = RunIndex()
    listing: dict[str, str] | None = None
    for _ in range(rounds):
        index, listing = load_index(target, listing)
        pages = _site_pages(index, single_file=opened_from_disk(target))
        remote = {key: obj.etag for key, obj in target.list(LATEST_DIR).items()}
        for key in (INDEX_PAGE, INDEX_JSON):
            found = target.stat(key)
            if found is not None:
                remote[key] = found.etag
        changed = [page for page in pages if remote.get(page.key) != page.etag]
        if changed:
            put_all(target, changed, log=None)
            writes += len(changed)
        # This LIST is also the next round's: nothing happens in between to make it stale.
        after = _list_entries(target)
        if after == listing:
            return index, writes
        listing = after
        log("index: another publish committed meanwhile; rebuilding")
    log(f"warning: index still changing after {rounds} rounds; the next publish will complete it")
    return index, writes
