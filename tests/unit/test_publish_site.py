"""runner.publish.site: the shared pages, rebuilt from the committed entries."""

from __future__ import annotations

from pathlib import Path

from runner.publish.index import entry_from_run
from runner.publish.layout import INDEX_JSON, INDEX_PAGE, LATEST_PAGE, branch_latest_page, entry_key
from runner.publish.local_target import LocalTarget
from runner.publish.site import load_index, publish_site
from runner.publish.target import Upload
from runner.run.folder import new_run_id
from runner.run.summary import RunSummary


def _commit(target: LocalTarget, branch: str) -> str:
    run_id = new_run_id()
    summary = RunSummary.build(
        run_id, [], started=None, finished=None, exit_code=5, metadata={"branch": branch}
    )
    entry = entry_from_run(summary, published_files=set())
    target.put([Upload.from_bytes(entry_key(run_id), entry.to_bytes())])
    return run_id


def test_the_pages_hold_every_committed_run_and_are_written_once(tmp_path: Path) -> None:
    target = LocalTarget(tmp_path / "site")
    first, second = _commit(target, "main"), _commit(target, "feature/x")
    lines: list[str] = []
    index, writes = publish_site(target, log=lines.append)
    assert set(index.entries) == {first, second} and writes >= 4
    for key in (INDEX_PAGE, INDEX_JSON, LATEST_PAGE, branch_latest_page("feature/x")):
        assert target.read(key), key
    assert publish_site(target, log=lines.append)[1] == 0  # nothing changed: nothing written
    assert set(load_index(target)[0].entries) == {first, second}
