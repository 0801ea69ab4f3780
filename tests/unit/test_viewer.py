"""runner/publish/viewer.py: request paths to keys, and a local site served as a static host would."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.publish.targets import LocalTarget
from runner.publish.viewer import INDEX, key_for, serve_in_thread


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", (INDEX, True)),
        ("/latest/main/", (f"latest/main/{INDEX}", True)),
        ("/runs/a%20b/data.json?x=1", ("runs/a b/data.json", False)),
        ("/./latest//x.png", ("latest/x.png", False)),
        ("/../etc/passwd", (None, False)),
        ("/a/%2e%2e/b", (None, False)),
        ("/a%5cb", (None, False)),
        ("/a%00b", (None, False)),
    ],
)
def test_key_for(path: str, expected: tuple[str | None, bool]) -> None:
    assert key_for(path) == expected


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    (root / "latest" / "main").mkdir(parents=True)
    (root / INDEX).write_text("<h1>runs</h1>")
    (root / "latest" / "main" / INDEX).write_text("<h1>main</h1>")
    (root / "shot.png").write_bytes(b"\x89PNG not really")
    server, url = serve_in_thread(LocalTarget(root))
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_pages_and_files_are_served_with_their_types_and_no_cache(site: str) -> None:
    status, headers, body = _get(site)
    assert (status, body) == (200, b"<h1>runs</h1>")
    assert headers["Content-Type"].startswith("text/html") and headers["Cache-Control"] == "no-cache"
    status, headers, _ = _get(site + "shot.png")
    assert status == 200 and headers["Content-Type"] == "image/png"


def test_a_folder_without_its_slash_is_redirected_so_relative_links_resolve(site: str) -> None:
    status, headers, _ = _get(site + "latest/main")
    assert status == 301 and headers["Location"] == "/latest/main/"
    assert _get(site + "latest/main/")[2] == b"<h1>main</h1>"


def test_missing_and_forbidden_paths_and_head(site: str) -> None:
    status, _, body = _get(site + "nothing.json")
    assert status == 404 and b"not found: nothing.json" in body
    assert _get(site + "a/%2e%2e/%2e%2e/secret")[0] == 400
    status, headers, body = _get(site, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(len("<h1>runs</h1>"))
