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
attachments) is rewritten with each secret replaced by ``***`` in every form a browser,
Playwright or a library writes it in: any of its characters percent-encoded (either case of
hex, ``+`` for a space, encoded twice for a URL inside ``?next=``), HTML entities, JSON
escapes, and mixes of these (Chromium writes ``Ref/x y`` as ``Ref/x%20y``): one regular
expression per secret with one alternation per character (``secret_pattern``). Playwright traces (zip files) are rewritten entry by entry the
same way, since a trace records typed values, request bodies and DOM snapshots; a trace in
which a secret can still be found afterwards is deleted rather than kept. Screenshots are
pixels and are left alone: browsers mask password fields.

Written here rather than taken from a library: the redaction must understand this run
folder's formats (traces are zips of JSON lines and resources), which no library does.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

MASK = "***"
MIN_LENGTH = 4
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|WEBHOOK|NOTIFY_URL", re.IGNORECASE
)
_NOT_SECRET = re.compile(
    r"^(AWS_ACCESS_KEY_ID|.*_KEY_ID|.*_KEY_FILE|.*_KEY_PATH|KEYTIMEOUT|E2E_SECRET_VARIABLES)$"
)
# Anchored on "://" (a literal Python's re finds fast) rather than on the scheme before it.
_USERINFO = re.compile(r"://(?P<info>[^/\s@\"'<>]+)@")
_USERINFO_BYTES = re.compile(_USERINFO.pattern.encode())
# Entries of a trace that are images (screencast frames, screenshots): pixels, left alone.
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8")
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
    return _USERINFO.sub(f"://{MASK}@", text)


def hide_userinfo_bytes(data: bytes) -> bytes:
    return _USERINFO_BYTES.sub(f"://{MASK}@".encode(), data)


# Named HTML entities a secret's characters may be written as (numeric ones are built).
_NAMED_ENTITIES = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
_JSON_SHORT = {'"': '"', "\\": "\\", "/": "/", "\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f"}


def _hex(number: int, width: int) -> str:
    """``number`` in hex, either case per digit: 0x2f -> ``2[fF]``."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{number:0{width}x}")


def _pct(char: str) -> str:
    """``char`` percent-encoded, once or more (``%2F``, ``%252f``)."""
    return "".join(f"%(?:25)*{_hex(b, 2)}" for b in char.encode("utf-8"))


def _starting(char: str, rest: str) -> list[str]:
    """``char`` + ``rest`` with ``char`` as itself or percent-encoded (an escape or entity
    inside a URL), as two alternatives so each starts with a literal: Python's re then
    scans for the first characters instead of trying every position."""
    return [re.escape(char) + rest, _pct(char) + rest]


def char_pattern(char: str) -> str:
    """Every form one character of a secret is written in by a browser, Playwright or a
    library: itself; percent-encoded (its UTF-8 bytes, either case of hex, ``%25`` for a
    double encoding, ``+`` for a space, JavaScript's ``%uXXXX``); an HTML entity (named,
    decimal, hex; ``&amp;`` for one escaped twice); a JSON escape (``\\uXXXX``, ``\\"``;
    more backslashes for JSON inside JSON); an escape or entity itself percent-encoded."""
    code = ord(char)
    backslashes = f"(?:\\\\|{_pct(chr(92))})*"
    forms = [re.escape(char), _pct(char)]
    if code <= 0xFFFF:
        forms.append(f"%(?:25)*[uU]{_hex(code, 4)}")
        forms += _starting("\\", f"{backslashes}u{_hex(code, 4)}")
    else:  # a JSON string writes it as a surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms += _starting("\\", f"{backslashes}u{_hex(high, 4)}(?:\\\\|{_pct(chr(92))})+u{_hex(low, 4)}")
    if char in _JSON_SHORT:  # the escaped character maybe an entity too (JSON in HTML)
        escaped = _JSON_SHORT[char]
        plain = [re.escape(escaped), _pct(escaped), f"&(?:amp;)*#0*{ord(escaped)};"]
        if escaped in _NAMED_ENTITIES:
            plain.append(f"&(?:amp;)*{_NAMED_ENTITIES[escaped]};")
        forms += _starting("\\", backslashes + "(?:" + "|".join(plain) + ")")
    if char == " ":
        forms += ["\\+", _pct("+")]
    entity = f"(?:amp;|{_pct('&')}amp{_pct(';')})*"
    semicolon = f"(?:;|{_pct(';')})"
    forms += _starting("&", f"{entity}(?:#|{_pct('#')})(?:0*{code}|[xX]0*{_hex(code, 1)}){semicolon}")
    if char in _NAMED_ENTITIES:
        forms += _starting("&", f"{entity}{_NAMED_ENTITIES[char]}{semicolon}")
    return "(?:" + "|".join(forms) + ")"


def secret_pattern(value: str) -> str:
    """A regular expression matching ``value`` in any mix of its characters' forms (one
    alternation per character, so any subset of them may be encoded)."""
    return "(?:" + "".join(char_pattern(c) for c in value) + ")"


def _letter_runs(value: str) -> str:
    """The longest run of ASCII letters and digits in ``value`` ("" if none)."""
    return max(re.findall(r"[A-Za-z0-9]+", value), key=len, default="")


# Any encoded form of an ASCII letter or digit (hex 30-39, 41-5a, 61-7a; decimal 48-122).
_HEX_ALNUM = "(?:3[0-9]|4[1-9a-fA-F]|5[0-9aA]|6[1-9a-fA-F]|7[0-9aA])"
_DEC_ALNUM = "(?:4[89]|5[0-7]|6[5-9]|[78][0-9]|9[0-9]|1[01][0-9]|12[0-2])"
# Where a text has none, the letters and digits of any secret in it are literal, so its
# longest run of them is there as it is: a substring test then spares the full expressions.
_BS, _AMP, _HASH, _SEMI = (
    "(?:\\\\|%(?:25)*5[cC])",
    "(?:&|%(?:25)*26)",
    "(?:#|%(?:25)*23)",
    "(?:;|%(?:25)*3[bB])",
)
ENCODED_LETTER = (
    f"%(?:25)*(?:[uU]00)?{_HEX_ALNUM}|{_BS}+u00{_HEX_ALNUM}"
    f"|{_AMP}(?:amp{_SEMI})*{_HASH}(?:[xX]0*{_HEX_ALNUM}|0*{_DEC_ALNUM}){_SEMI}"
)


class Redactor:
    """Replaces known secret values (in every form they are written in) by ``***``."""

    def __init__(self, values: Iterable[str]) -> None:
        self._values = list(values)
        kept = sorted({v for v in self._values if len(v) >= MIN_LENGTH}, key=len, reverse=True)
        self.forms = kept
        # One expression per secret, applied in turn: measured faster than one alternation
        # of them all, whose first characters Python's re can no longer scan for.
        patterns = [secret_pattern(v) for v in kept]
        self._text_res = [(re.compile(p), _letter_runs(v)) for p, v in zip(patterns, kept, strict=True)]
        self._bytes_res = [
            (re.compile(p.encode()), _letter_runs(v).encode()) for p, v in zip(patterns, kept, strict=True)
        ]
        self._text_hint, self._bytes_hint = re.compile(ENCODED_LETTER), re.compile(ENCODED_LETTER.encode())

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, extra_names: Iterable[str] = ()
    ) -> Redactor:
        env = os.environ if environ is None else environ
        values = secret_values(env, extra_names)
        for value in list(env.values()):  # a password inside a URL-valued variable
            values.extend(url_passwords(value))
        return cls(values)

    def with_values(self, values: Iterable[str]) -> Redactor:
        return Redactor([*self._values, *values])

    def text(self, text: str) -> str:
        encoded = None
        for pattern, run in self._text_res:
            if run and run not in text:
                encoded = bool(self._text_hint.search(text)) if encoded is None else encoded
                if not encoded:
                    continue
            text = pattern.sub(MASK, text)
        return hide_userinfo(text)

    def data(self, data: bytes) -> bytes:
        return data if data.startswith(_IMAGE_MAGIC) else self._sub(data)

    def found_in(self, data: bytes) -> bool:
        return not data.startswith(_IMAGE_MAGIC) and self._sub(data, search=True) is not data

    def _sub(self, data: bytes, search: bool = False) -> bytes:
        encoded = None  # whether ``data`` holds an encoded letter of a secret, found once
        for pattern, run in self._bytes_res:
            if run and run not in data:
                encoded = bool(self._bytes_hint.search(data)) if encoded is None else encoded
                if not encoded:
                    continue
            if search:
                if pattern.search(data):
                    return b""
                continue
            data = pattern.sub(MASK.encode(), data)
        return data

    # --- files ---------------------------------------------------------------------------

    def scrub_file(self, path: Path) -> bool:
        """Rewrite one file in place if it holds a secret; returns whether it changed."""
        if path.suffix == ".zip":
            return self.scrub_zip(path)
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return False
        data = path.read_bytes()
        clean = hide_userinfo_bytes(self.data(data))
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
                    clean = hide_userinfo_bytes(data)
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
