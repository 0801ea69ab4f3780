"""runner/publish/headers.py: every published key's Content-Type and Cache-Control, one pure function."""

from __future__ import annotations

import pytest

from runner.publish.headers import IMMUTABLE, NO_CACHE, RUN_CONTENT, content_type_for, headers_for

RUN = "runs/20261101-090000-abcdef"


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("index.html", "text/html; charset=utf-8"),
        (f"{RUN}/report/data/x.JSONL", "application/x-ndjson; charset=utf-8"),
        (f"{RUN}/evidence/s/video.webm", "video/webm"),
        (f"{RUN}/evidence/s/trace.zip", "application/zip"),
        (f"{RUN}/allure-results/a.uri", "text/uri-list; charset=utf-8"),
        (f"{RUN}/no-suffix", "application/octet-stream"),
    ],
)
def test_the_content_type_comes_from_a_fixed_table(key: str, content_type: str) -> None:
    assert content_type_for(key) == content_type == headers_for(key).content_type


@pytest.mark.parametrize(
    ("key", "cache"),
    [
        ("index.html", NO_CACHE),
        ("runs/index.json", NO_CACHE),
        ("latest/main/index.html", NO_CACHE),
        ("entries/20261101-090000-abcdef.json", NO_CACHE),
        (f"{RUN}/run.json", NO_CACHE),
        (f"{RUN}/report/index.html", NO_CACHE),
        (f"{RUN}/report/history/history.jsonl", NO_CACHE),
        (f"{RUN}/report/app-0123456789abcdef01.js", IMMUTABLE),
        (f"{RUN}/report/data/attachments/abc.png", IMMUTABLE),
        (f"{RUN}/evidence/s/final.png", RUN_CONTENT),
        (f"{RUN}/junit.xml", RUN_CONTENT),
    ],
)
def test_pages_that_change_are_revalidated_and_hashed_files_kept_for_good(key: str, cache: str) -> None:
    assert headers_for(key).cache_control == cache
