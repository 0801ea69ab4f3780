"""A secret is masked in every encoding a browser, Playwright or a library writes it in.

Pure functions only (the redactor's ``text`` and ``data``, a trace zip rewritten in a temp
folder): random secrets under random chains of encoders, as hypothesis draws them, plus the
forms seen in real runs (Chromium's ``Ref/x%20y:9Zq81k`` for ``Ref/x y:9Zq81k``).
"""

from __future__ import annotations

import html
import json
import time
import urllib.parse
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.redact import MASK, Redactor

CHROMIUM = "Ref/x y:9Zq81k"


def _percent_subset(value: str, chosen: list[bool], upper: bool) -> str:
    out = []
    for char, encode in zip(value, chosen + [False] * len(value), strict=False):
        if encode or char in "%":  # a literal % is always encoded (or it reads as an escape)
            hexes = urllib.parse.quote(char, safe="")
            if hexes == char:  # quote keeps letters: encode them by hand
                hexes = "".join(f"%{b:02X}" for b in char.encode())
            out.append(hexes if upper else hexes.lower())
        else:
            out.append(char)
    return "".join(out)


def _entities_subset(value: str, chosen: list[bool], hexadecimal: bool) -> str:
    return "".join(
        (f"&#x{ord(c):x};" if hexadecimal else f"&#{ord(c)};") if encode else html.escape(c)
        for c, encode in zip(value, chosen + [False] * len(value), strict=False)
    )


FIRST = ["percent", "quote", "quote_plus", "chromium", "html", "entities", "json", "json_ascii"]
# What wraps an already encoded value: a URL in a query, JSON in a URL or a page.
WRAPPERS = ["quote", "quote_plus", "chromium", "html", "json", "json_ascii"]


@st.composite
def encoders(draw: st.DrawFn, kinds: list[str]) -> Callable[[str], str]:
    """One encoder a browser, Playwright or a library applies."""
    kind = draw(st.sampled_from(kinds))
    chosen = draw(st.lists(st.booleans(), max_size=40))
    flag = draw(st.booleans())
    return {
        "percent": lambda v: _percent_subset(v, chosen, flag),
        "quote": lambda v: urllib.parse.quote(v, safe=""),
        "quote_plus": urllib.parse.quote_plus,
        "chromium": lambda v: urllib.parse.quote(v, safe="/:@!$&'()*+,;=~"),
        "html": lambda v: html.escape(v, quote=flag),
        "entities": lambda v: _entities_subset(v, chosen, flag),
        "json": lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
        "json_ascii": lambda v: json.dumps(v)[1:-1],
    }[kind]


SECRETS = st.text(st.characters(blacklist_categories=["Cs"]), min_size=4, max_size=24)


def _masked(redactor: Redactor, encoded: str) -> str:
    return redactor.text(f'GET https://app.test/cb?next=/x&token={encoded}&page=2 {{"v": "{encoded}"}}')


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=SECRETS, chain=st.tuples(encoders(FIRST), st.none() | encoders(WRAPPERS)))
def test_a_secret_under_any_chain_of_encoders_is_masked(
    secret: str, chain: tuple[Callable[[str], str], Callable[[str], str] | None]
) -> None:
    encoded = secret
    for encode in chain:
        encoded = encode(encoded) if encode else encoded
    redactor = Redactor([secret])
    out = _masked(redactor, encoded)
    assert encoded not in out, (secret, encoded, out)
    assert MASK in out
    raw = f"x={encoded};".encode()
    assert encoded.encode() not in redactor.data(raw)
    assert redactor.found_in(raw)


@pytest.mark.parametrize(
    "form",
    [
        CHROMIUM,
        "Ref/x%20y:9Zq81k",  # Chromium: the space encoded, / : kept
        "Ref%2Fx%20y%3A9Zq81k",
        "ref%2fx%20y%3a9Zq81k".replace("ref", "Ref"),  # lower-case hex
        "Ref%2Fx+y%3A9Zq81k",  # quote_plus
        "Ref%252Fx%2520y%253A9Zq81k",  # a URL inside ?next=
        "Ref&#47;x&#x20;y&#58;9Zq81k",
        "Ref\\/x\\u0020y:9Zq81k",  # JSON with escaped slash and space
        "Ref\\\\/x y:9Zq81k".replace("\\\\/", "\\/"),
        "%52ef/x y:9Zq81k",  # a letter encoded
        "Ref/x%u0020y:9Zq81k",  # JavaScript's escape()
    ],
)
def test_the_chromium_form_and_its_relatives_are_masked(form: str) -> None:
    out = _masked(Redactor([CHROMIUM]), form)
    assert form not in out and CHROMIUM not in out and MASK in out


def test_in_headers_and_a_trace_zip(tmp_path: Path) -> None:
    redactor = Redactor([CHROMIUM])
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as zf:
        zf.writestr(
            "trace.network",
            json.dumps(
                {
                    "url": "https://a/?t=Ref/x%20y:9Zq81k",
                    "headers": [
                        {
                            "name": "Referer",
                            "value": "https://a/login?next=%2Fhome%3Ft%3DRef%252Fx%2520y%253A9Zq81k",
                        },
                        {"name": "Authorization", "value": "Bearer Ref/x y:9Zq81k"},
                    ],
                }
            )
            + "\n",
        )
        zf.writestr("resources/page.html", '<a href="/?t=Ref/x&#32;y:9Zq81k">x</a>')
    assert redactor.scrub_zip(trace)
    with zipfile.ZipFile(trace) as zf:
        bodies = [zf.read(n) for n in zf.namelist()]
    assert len(bodies) == 2 and not any(redactor.found_in(b) for b in bodies)
    assert all(MASK.encode() in b for b in bodies)


def test_text_without_the_secret_is_unchanged() -> None:
    redactor = Redactor([CHROMIUM, "hunter2-planted"])
    text = "Ref/x yy:9Zq81k %2Fx%20y &#39;a&#39; \\u003c Ref/x y:9Zq81 hunter2"
    assert redactor.text(text) == text


def test_a_large_file_is_rewritten_at_tens_of_mb_per_second(tmp_path: Path) -> None:
    """The redactor rewrites every file of a run: a 20 MB trace-like file with encoded
    characters on every line (the slow path) and 5 secrets, one of them in it."""
    secrets = ["planted-Pa55word-7f3a", "planted-token-9b1c2d", CHROMIUM, "hunter2&<x>", "s3cr3t-%-value"]
    line = json.dumps(
        {"url": "https://app.test/p?q=a%20b&x=%2F1", "html": "<b>&amp; &#39;x&#39; \\u003c</b>"}
    )
    body = "\n".join([line] * 120_000) + "\n" + json.dumps({"u": "?t=Ref/x%20y:9Zq81k"})
    path = tmp_path / "big.json"
    path.write_text(body)
    start = time.perf_counter()
    assert Redactor(secrets).scrub_file(path)
    elapsed = time.perf_counter() - start
    assert b"9Zq81k" not in path.read_bytes()
    assert elapsed < 20, f"{len(body) / 1e6:.0f} MB in {elapsed:.1f} s"
