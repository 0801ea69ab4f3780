"""The one slugifier: a person's text made into a file name or a key segment.

Every name the runner derives from text it did not choose (evidence folders and files,
Cucumber ids, the shard stash's key segments, a branch's ``latest/`` path, a project's
name) comes from ``slugify``; what differs per use is a parameter, not another function.
"""

from __future__ import annotations

import hashlib
import re

# What a key segment may hold everywhere (S3, a file system, a URL path): ASCII only.
KEY_CHARS = "A-Za-z0-9._-"
# What a file name may hold: letters and digits of any script, so Japanese stays Japanese.
NAME_CHARS = r"\w.-"
_HASH = 8


def slugify(
    text: str,
    *,
    keep: str = NAME_CHARS,
    lower: bool = False,
    strip: str = "-._",
    fallback: str = "item",
    limit: int | None = None,
    unique: bool = False,
    exact: bool = True,
    squeeze: bool = True,
) -> str:
    """``text`` with every run of characters outside ``keep`` (a regular expression
    character class body) replaced by ``-``, ``strip`` taken off both ends.

    - ``lower``: lower-cased first; ``squeeze=False``: each character replaced on its own;
    - ``limit``: at most that many bytes of UTF-8 (cut; with ``unique``, cut and hashed);
    - ``unique``: when anything had to be dropped, replaced or cut, a short hash of the
      whole text is appended, so two texts never share a name; with ``exact=False`` (names
      already made unique by a counter) a space turned into ``-`` does not count as a change;
    - ``fallback``: the name of a text with nothing left.
    """
    source = text.lower() if lower else text
    outside = re.compile(f"[^{keep}]" + ("+" if squeeze else ""))
    slug = outside.sub("-", source).strip(strip) or fallback
    if unique:
        same = slug == (text if exact else text.replace(" ", "-"))
        if same and (limit is None or len(slug.encode("utf-8")) <= limit):
            return slug
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]
        room = max((limit if limit is not None else len(slug.encode("utf-8")) + _HASH + 1) - _HASH - 1, 1)
        head = _cut(slug, room).rstrip(strip) or fallback
        return f"{head}-{digest}"
    return _cut(slug, limit) if limit is not None else slug


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, never half a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
