"""runner.slug: the one slugifier, in each of the forms the runner uses."""

from __future__ import annotations

from runner.slug import KEY_CHARS, slugify


def test_file_names_keep_any_script_and_hash_what_changed() -> None:
    assert slugify("ログイン", unique=True, limit=80) == "ログイン"
    changed = slugify("a/b", unique=True, limit=80)
    assert changed.startswith("a-b-") and len(changed) == len("a-b-") + 8
    assert slugify("take shot", unique=True, limit=60, exact=False) == "take-shot"
    long = slugify("x" * 300, unique=True, limit=40)
    assert len(long.encode()) <= 40 and long != slugify("x" * 301, unique=True, limit=40)
    assert len(slugify("日" * 100, unique=True, limit=40).encode()) <= 40


def test_key_segments_are_ascii_and_cut() -> None:
    assert (
        slugify("project:uuid", keep=KEY_CHARS, strip="-.", fallback="unnamed", limit=200) == "project-uuid"
    )
    assert slugify("..", keep=KEY_CHARS, strip="-.", fallback="unnamed") == "unnamed"
    assert len(slugify("a" * 300, keep=KEY_CHARS, limit=200)) == 200


def test_cucumber_ids_and_project_names() -> None:
    assert slugify("Sign In: OK!", keep="a-z0-9", lower=True, strip="-", fallback="unnamed") == "sign-in-ok"
    assert slugify("my  app", keep="A-Za-z0-9_-", squeeze=False, strip="", fallback="project") == "my--app"
    assert slugify("", keep="A-Za-z0-9_-", squeeze=False, strip="", fallback="project") == "project"
