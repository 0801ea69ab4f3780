"""Secrets stay out of everything a run writes: a redaction layer over the run folder.

What is a secret here:

- the value of every environment variable whose name says so (``*PASSWORD*``, ``*PASSWD*``,
  ``*SECRET*``, ``*TOKEN*``, ``*KEY*``, ``*CREDENTIAL*``, ``*PRIVATE*``), except names known
  to hold no secret (``AWS_ACCESS_KEY_ID`` is an identifier, ``*_KEY_ID``, ...), plus the
  variables listed in the ``secret_variables`` setting (``E2E_SECRET_VARIABLES``);
- the user info of any URL (``https://user:pw@host`` -> ``https://***@host``), the base
  URL's included.

Values shorter than 4 characters are not redacted (replacing every "abc" would wreck the
text and hide nothing worth hiding); this is said in the README's "Secrets" section.

Every text the run wrote (run.json, cucumber.json, junit.xml, Allure's results and text
attachments) is rewritten with each secret, in its plain, URL-encoded and JSON-escaped
forms, replaced by ``***``. Playwright traces (zip files) are rewritten entry by entry the
same way, since a trace records typed values, request bodies and DOM snapshots; a trace in
which a secret can still be found afterwards is deleted rather than kept. Screenshots are
pixels and are left alone: browsers mask password fields.

Written here rather than taken from a library: the redaction must understand this run
folder's formats (traces are zips of JSON lines and resources), which no library does.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

MASK = "***"
MIN_LENGTH = 4
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE", re.IGNORECASE)
_NOT_SECRET = re.compile(r"^(AWS_ACCESS_KEY_ID|.*_KEY_ID|.*_KEY_FILE|.*_KEY_PATH|KEYTIMEOUT|E2E_SECRET_VARIABLES)$")
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<info>[^/\s@\"'<>]+)@")
# Files of a run folder that are text, and so are rewritten as text.
TEXT_SUFFIXES = {".json", ".xml", ".txt", ".csv", ".uri", ".log", ".jsonl", ".html", ".properties", ".md"}


def secret_values(environ: Mapping[str, str], extra_names: Iterable[str] = ()) -> list[str]:
    """The values to hide: of secret-looking variables and of the named ones, longest first."""
    names = {n for n in environ if _SECRET_NAME.search(n) and not _NOT_SECRET.match(n)}
    names |= {n for n in extra_names if n in environ}
    values = {environ[n] for n in names if len(environ[n]) >= MIN_LENGTH}
    return sorted(values, key=len, reverse=True)


def url_passwords(text: str) -> list[str]:
    """The passwords of the URLs in ``text`` (``https://user:pw@host`` -> ``["pw"]``)."""
    found = []
    for match in _USERINFO.finditer(text):
        _, sep, password = urllib.parse.unquote(match["info"]).partition(":")
        if sep and len(password) >= MIN_LENGTH:
            found.append(password)
    return found


def hide_userinfo(text: str) -> str:
    """``scheme://user:pw@host`` -> ``scheme://***@host``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


class Redactor:
    """Replaces known secret values (in every form they are written in) by ``***``."""

    def __init__(self, values: Iterable[str]) -> None:
        self._values = list(values)
        forms: set[str] = set()
        for value in self._values:
            if len(value) < MIN_LENGTH:
                continue
            forms.add(value)
            forms.add(urllib.parse.quote(value, safe=""))
            forms.add(urllib.parse.quote_plus(value))
            forms.add(json.dumps(value)[1:-1])  # as it appears inside a JSON string
        self.forms = sorted(forms, key=len, reverse=True)
        self._bytes = [f.encode("utf-8") for f in self.forms]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, extra_names: Iterable[str] = ()) -> Redactor:
        env = os.environ if environ is None else environ
        values = secret_values(env, extra_names)
        for value in list(env.values()):  # a password inside a URL-valued variable
            values.extend(url_passwords(value))
        return cls(values)

    def with_values(self, values: Iterable[str]) -> Redactor:
        return Redactor([*self._values, *values])

    def text(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return hide_userinfo(text)

    def data(self, data: bytes) -> bytes:
        for form in self._bytes:
            if form in data:
                data = data.replace(form, MASK.encode())
        return data

    def found_in(self, data: bytes) -> bool:
        return any(form in data for form in self._bytes)

    # --- files ---------------------------------------------------------------------------

    def scrub_file(self, path: Path) -> bool:
        """Rewrite one file in place if it holds a secret; returns whether it changed."""
        if path.suffix == ".zip":
            return self.scrub_zip(path)
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return False
        data = path.read_bytes()
        try:
            clean = self.text(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            clean = self.data(data)
        if clean == data:
            return False
        _replace(path, clean)
        return True

    def scrub_zip(self, path: Path) -> bool:
        """Rewrite a zip (a Playwright trace) entry by entry; a zip still holding a secret
        afterwards (or unreadable) is deleted, so no secret leaves in it."""
        try:
            with zipfile.ZipFile(path) as source:
                entries = [(info, source.read(info)) for info in source.infolist()]
        except (zipfile.BadZipFile, OSError):
            path.unlink(missing_ok=True)
            return True
        cleaned = [(info, self.data(body)) for info, body in entries]
        if all(clean == body for (_, body), (_, clean) in zip(entries, cleaned, strict=True)):
            return False
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info, body in cleaned:
                target.writestr(info, body)
        with zipfile.ZipFile(tmp) as check:
            leaked = any(self.found_in(check.read(name)) for name in check.namelist())
        if leaked:
            tmp.unlink()
            path.unlink()
        else:
            os.replace(tmp, path)
        return True

    def scrub_tree(self, root: Path) -> list[Path]:
        """Every file under ``root``; returns the files changed (or deleted)."""
        if not self.forms:
            # Without known values only URL user info can be hidden, and only in text.
            changed = []
            for path in _files(root):
                if path.suffix.lower() in TEXT_SUFFIXES:
                    data = path.read_bytes()
                    clean = hide_userinfo(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
                    if clean != data:
                        _replace(path, clean)
                        changed.append(path)
            return changed
        return [path for path in _files(root) if self.scrub_file(path)]


def _files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()]


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def make_private(root: Path) -> None:
    """Owner-only modes on a run folder: folders 0700, files 0600."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        try:
            path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError:
            pass
