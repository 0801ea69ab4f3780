"""Static files as a Django admin page loads them (for ``signin_app.py``): five stylesheets, four
scripts (one the size of jQuery) and a logo image, about 300 KB, under content-hashed names with
``Cache-Control: max-age=315360000, public, immutable`` and an ETag, as WhiteNoise serves
ManifestStaticFilesStorage's files. The bytes are made here, the same on every run: real CSS
rules and JavaScript functions the browser parses, and a PNG Chromium decodes."""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image

CACHE_CONTROL = "max-age=315360000, public, immutable"
# name, kind, size in bytes (Django 5's admin: base.css 22 KB, responsive.css 16 KB, ...).
FILES = (
    ("admin/css/base", "css", 22_000),
    ("admin/css/nav_sidebar", "css", 3_000),
    ("admin/css/forms", "css", 9_000),
    ("admin/css/responsive", "css", 16_000),
    ("admin/css/dark_mode", "css", 5_000),
    ("admin/js/vendor/jquery/jquery.min", "js", 87_000),
    ("admin/js/jquery.init", "js", 1_000),
    ("admin/js/core", "js", 6_000),
    ("admin/js/nav_sidebar", "js", 3_000),
)


def _css(rng: random.Random, size: int) -> str:
    rules, n = [], 0
    while sum(map(len, rules)) < size:
        n += 1
        colour = f"#{rng.randrange(0x1000000):06x}"
        rules.append(f".c{n} > a:hover, #m{n} .row {{ margin: {rng.randrange(40)}px; color: {colour}; }}\n")
    return "".join(rules)


def _js(rng: random.Random, size: int) -> str:
    parts, n = [], 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(
            f"function f{n}(a, b) {{ return a * {rng.randrange(99)} + (b || {rng.randrange(9)}); }}\n"
        )
    return "(function () {\n" + "".join(parts) + "window.adminReady = true;\n})();\n"


def _png(rng: random.Random) -> bytes:
    image = Image.frombytes("RGB", (200, 200), rng.randbytes(200 * 200 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_assets() -> dict[str, tuple[str, bytes, str]]:
    """URL path -> (content type, body, ETag)."""
    rng = random.Random(23)
    made: dict[str, tuple[str, bytes]] = {}
    for name, kind, size in FILES:
        body = (_css(rng, size) if kind == "css" else _js(rng, size)).encode()
        made[f"{name}.{kind}"] = ("text/css" if kind == "css" else "application/javascript", body)
    made["admin/img/logo.png"] = ("image/png", _png(rng))
    assets = {}
    for name, (ctype, body) in made.items():
        digest = hashlib.md5(body).hexdigest()
        stem, ext = name.rsplit(".", 1)
        assets[f"/static/{stem}.{digest[:12]}.{ext}"] = (ctype, body, f'"{digest}"')
    return assets


ASSETS = make_assets()


def head_tags() -> str:
    """The page's <link> and <script> tags (the image goes in the body)."""
    tags = [f'<link rel="stylesheet" href="{p}">' for p in ASSETS if p.endswith(".css")]
    tags += [f'<script src="{p}"></script>' for p in ASSETS if p.endswith(".js")]
    return "\n".join(tags)


def logo_tag() -> str:
    [logo] = [p for p in ASSETS if p.endswith(".png")]
    return f'<img src="{logo}" alt="Site logo" width="200" height="200">'
