"""runner.publish.layout: every key of the site and the shard stash."""

from __future__ import annotations

import pytest

from runner.publish.layout import (
    BRANCH_SLUG_MAX,
    ENTRIES_DIR,
    INDEX_JSON,
    LATEST_PAGE,
    SINGLE_FILE_PAGE,
    SINGLE_FILE_PREFIX,
    SITE_REPORT_PAGE,
    branch_latest_page,
    branch_slug,
    checked_run_id,
    entry_key,
    run_root,
    shard_root,
    stash_slot_key,
)
from runner.run.folder import new_run_id


def test_run_keys() -> None:
    run_id = new_run_id()
    assert run_root(run_id) == f"runs/{run_id}/"
    assert entry_key(run_id) == f"{ENTRIES_DIR}{run_id}.json"
    assert (INDEX_JSON, LATEST_PAGE) == ("runs/index.json", "latest/index.html")
    assert (SITE_REPORT_PAGE, SINGLE_FILE_PAGE) == ("report/index.html", "report-single-file/index.html")
    assert SINGLE_FILE_PAGE.startswith(SINGLE_FILE_PREFIX)


@pytest.mark.parametrize("bad", ["../x", "", "20260101-000000-abcdef\n", "20260101-000000-ABCDEF"])
def test_only_run_ids_become_keys(bad: str) -> None:
    with pytest.raises(ValueError, match="not a run id"):
        checked_run_id(bad)
    with pytest.raises(ValueError):
        run_root(bad)


def test_branch_pages() -> None:
    assert branch_slug("feature/login") == "feature/login"
    assert branch_latest_page("main") == "latest/main/index.html"
    odd = branch_slug("../.hidden/ä")
    assert ".." not in odd and not any(part.startswith(".") for part in odd.split("/"))
    assert len(branch_slug("b" * 500)) <= BRANCH_SLUG_MAX


def test_stash_slots() -> None:
    assert stash_slot_key("batch", "shard1", "build-1") == "batch/shard1/build-1"
    assert stash_slot_key("batch", "shard1") == "batch/shard1/local"
    assert stash_slot_key("b", "s", "a").startswith(shard_root("b", "s") + "/")
