"""The compact copy of a run's Allure results that its single-file report is made from.

A single-file report embeds every attachment (base64: a third larger than the file) in one
``index.html`` that a browser reads whole before it shows anything. Embedded as recorded,
1,000 scenarios of simple pages (1920x1080 screenshots of ~48 KB, 2 % failing with a
trace) make 80 MB; the budget is 25 MB, shown within 3 s. Of a 1,000-scenario report,
~3.6 MB is fixed (Allure's app) and every scenario's own data (its result with steps, tree
and search entries, page-URL attachment) takes ~9 KB, which leaves ~12 KB of HTML, so
~9 KB of image, for each scenario's screenshot. How that is met, in a copy of the results made in a
temporary folder (the run folder's ``allure-results/`` is only read):

- **Screenshots** (PNG, JPEG, BMP, oversized WebP) are re-encoded as lossy WebP with
  Pillow, in two tiers:

  ================================= ======= ============ ============== ==================
  tier                              quality width        pixels         bytes
  ================================= ======= ============ ============== ==================
  ``PASSED``: passing scenarios     50      <= 960 px    <= 960x2160    <= 40 KB
  ``FAILED``: failing scenarios     70      <= 1920 px   <= 1920x4320   <= 200 KB
  ================================= ======= ============ ============== ==================

  (quality on libwebp's 0-100 scale; an image over its byte bound is made again at a lower
  quality, down to 35, then smaller). A 1920x1080 final screenshot of a demo page (~30-60 KB
  of PNG) becomes a 960x540 WebP of ~5 KB; a failing scenario's screenshot keeps all
  1920x1080 pixels (~18 KB). In a failing scenario, a screenshot identical to an earlier one
  of the same scenario (the final state, right after the failed step's screenshot) gets the
  passing tier: the sharp copy is the failed step's. Identical screenshots are encoded once;
  images under 4 KB are kept as they are. WebP, not JPEG: measured on the sign-in pages of
  ``benchmarks/report_size.py``, 960x540 at WebP quality 50 is 5.0 KB and 43 dB PSNR, at
  progressive JPEG quality 45 8.9 KB and 40 dB; both Chromium and Allure's report show WebP.
- **Playwright traces and videos** are not embedded: each is replaced by a short text
  attachment saying where the full file is (the run folder's ``evidence/...`` path, found
  by content, and the published run's multi-file report, which has it attached).
- Everything else (results, containers, text attachments) is copied as it is.

Measured (``benchmarks/report_size.py``: 1,000 sign-in scenarios, 2 % failing): 24.0 MB
instead of 79.5 MB, the tree shown in 1.06 s instead of 1.81 s; the compact copy costs
a few tens of ms of CPU per screenshot, on up to 4 threads (``benchmarks/README.md``).

Each attachment's JSON reference is rewritten with its file: ``x-attachment.png`` with
``image/png`` becomes ``x-attachment.webp`` with ``image/webp``; a trace
``x-attachment.zip`` becomes ``x-attachment.txt``, ``text/plain``. The run folder, and the
multi-file site report made from it when publishing, keep full-resolution PNGs and traces.

``report_evidence = "full"`` (``E2E_REPORT_EVIDENCE=full``) embeds everything as recorded
instead. A screenshot Pillow cannot read is embedded as it is (a warning says which).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.run.folder import ALLURE_RESULTS, EVIDENCE, RUN_JSON, TRACE_MIME

log = logging.getLogger(__name__)

FAILING = {"failed", "broken"}
# Raster images the browser decodes; GIF (may be animated) and SVG (text) are left alone.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp"}
IMAGE_SUFFIXES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}
# Images smaller than this are embedded as they are: re-encoding would not make them smaller.
SMALL_IMAGE_BYTES = 4096
# A passing step's text attachment (an API exchange, a scan's report) keeps this much.
PASSING_TEXT_BYTES = 2048
# An image over its tier's byte bound is made again at lower qualities, down to this one.
MIN_QUALITY = 35


@dataclass(frozen=True)
class Tier:
    """How one kind of screenshot is embedded."""

    name: str
    quality: int  # WebP quality, libwebp's 0-100 scale
    max_width: int  # wider images are scaled down to this width
    max_pixels: int  # and taller ones (full-page shots) to at most this many pixels
    max_bytes: int  # larger results are made again at a lower quality (down to 35), then smaller


PASSED = Tier("passed", quality=50, max_width=960, max_pixels=960 * 2160, max_bytes=40_000)
FAILED = Tier("failed", quality=70, max_width=1920, max_pixels=1920 * 4320, max_bytes=200_000)


@dataclass
class CompactStats:
    """What a compact copy changed (the benchmark prints it)."""

    images: int = 0
    images_by_tier: dict[str, int] = field(default_factory=dict)
    image_bytes_before: int = 0
    image_bytes_after: int = 0
    kept_images: int = 0  # left as they were (small ones, or ones that could not be read)
    left_out: int = 0  # traces and videos replaced by a note
    left_out_bytes: int = 0
    seconds: float = 0.0
    encode_seconds: float = 0.0
    warning: str | None = None

    def add(self, other: CompactStats) -> None:
        for name in ("images", "image_bytes_before", "image_bytes_after", "kept_images", "left_out"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.left_out_bytes += other.left_out_bytes
        for tier, count in other.images_by_tier.items():
            self.images_by_tier[tier] = self.images_by_tier.get(tier, 0) + count
        self.encode_seconds += other.encode_seconds
        self.warning = self.warning or other.warning


@dataclass
class _Ref:
    """One reference to an attachment file: the JSON object, its file, whether it is failing."""

    json: dict[str, Any]
    document: str
    failing: bool


@dataclass
class _Image:
    source: str
    path: Path
    tier: Tier
    refs: list[_Ref]
    digest: str = ""

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256(self.path.read_bytes()).hexdigest()


@contextmanager
def compact_results(
    run_dirs: list[Path], *, report_url: str | None = None, stats: CompactStats | None = None
) -> Iterator[list[Path]]:
    """Compact copies of the run folders' ``allure-results`` in a temporary folder, one per run
    folder, in order; removed on exit. ``report_url`` (the site's public address, if any) is
    named in the notes that stand for traces and videos; ``stats`` (if given) is filled in."""
    stats = stats if stats is not None else CompactStats()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="e2e-compact-") as tmp:
        outputs = []
        for number, run_dir in enumerate(run_dirs):
            out = Path(tmp) / f"{number}-{ALLURE_RESULTS}"
            stats.add(compact_copy(run_dir, out, report_url=report_url))
            outputs.append(out)
        stats.seconds = time.perf_counter() - started
        yield outputs


def compact_copy(run_dir: Path, out: Path, *, report_url: str | None = None) -> CompactStats:
    """Write the compact copy of ``run_dir``'s Allure results into ``out`` (a new folder)."""
    results = Path(run_dir) / ALLURE_RESULTS
    out.mkdir(parents=True)
    stats = CompactStats()
    documents: dict[str, Any] = {}
    referenced: dict[str, list[_Ref]] = {}
    for path in sorted(results.iterdir()):
        if path.is_file() and path.suffix == ".json":
            try:
                documents[path.name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # copied as it is: Allure says what is wrong with it
            _collect(documents[path.name], referenced, path.name)

    images: list[_Image] = []
    handled: set[str] = set()
    notes = _Notes(Path(run_dir), report_url)
    for source, refs in referenced.items():
        path = results / source
        if "/" in source or "\\" in source or not path.is_file():
            continue  # Allure says the attachment is missing, as it would have
        kind = _kind(source, refs[0].json.get("type"))
        if kind == "image" and path.stat().st_size < SMALL_IMAGE_BYTES:
            stats.kept_images += 1  # copied as it is, below
        elif kind == "image":
            tier = FAILED if any(ref.failing for ref in refs) else PASSED
            images.append(_Image(source, path, tier, refs))
            handled.add(source)
        elif kind in {"trace", "video"}:
            note_name = _free_name(results, source, ".txt")
            (out / note_name).write_text(notes.text(path, kind), encoding="utf-8")
            for ref in refs:
                ref.json["name"] = f"{ref.json.get('name') or kind} (not embedded: where to find it)"
                ref.json["source"] = note_name
                ref.json["type"] = "text/plain"
            stats.left_out += 1
            stats.left_out_bytes += path.stat().st_size
            handled.add(source)
        elif _is_text(refs[0].json.get("type")) and not any(ref.failing for ref in refs):
            # A passing step's long record (an API exchange, a scan's report): its first part.
            size = path.stat().st_size
            if size > PASSING_TEXT_BYTES:
                head = path.read_bytes()[:PASSING_TEXT_BYTES].decode("utf-8", "ignore")
                note = (
                    f"\n\n… the first {PASSING_TEXT_BYTES} of {size} bytes: the whole record is "
                    f"{ALLURE_RESULTS}/{source} in the run folder (and the site's multi-file report)\n"
                )
                (out / source).write_text(head + note, encoding="utf-8")
                stats.left_out += 1
                stats.left_out_bytes += size - PASSING_TEXT_BYTES
                handled.add(source)
    _demote_repeats(images)
    _encode_images(images, out, stats)

    for path in sorted(results.iterdir()):
        if not path.is_file() or path.name in handled:
            continue
        if path.name in documents:
            (out / path.name).write_text(json.dumps(documents[path.name]), encoding="utf-8")
        else:
            shutil.copyfile(path, out / path.name)
    return stats


def _free_name(results: Path, source: str, suffix: str) -> str:
    """``source`` with another suffix, unless the results hold a file of that name already."""
    name = f"{Path(source).stem}{suffix}"
    if name != source and (results / name).exists():
        name = f"{Path(source).stem}.compact{suffix}"
    return name


def _collect(node: Any, referenced: dict[str, list[_Ref]], document: str, failing: bool = False) -> None:
    """Every attachment reference under ``node`` with whether it belongs to a failing result,
    fixture or step; children first, so a failed step's screenshot comes before the final
    state of its scenario (see ``_demote_repeats``)."""
    if isinstance(node, list):
        for item in node:
            _collect(item, referenced, document, failing)
        return
    if not isinstance(node, dict):
        return
    failing = failing or node.get("status") in FAILING
    for key, value in node.items():
        if key != "attachments" and isinstance(value, dict | list):
            _collect(value, referenced, document, failing)
    attachments = node.get("attachments")
    if isinstance(attachments, list):
        for ref in attachments:
            if isinstance(ref, dict) and isinstance(ref.get("source"), str):
                referenced.setdefault(ref["source"], []).append(_Ref(ref, document, failing))


def _is_text(mime: Any) -> bool:
    """Plain text, which stays readable when cut (HTML, JSON or XML would not)."""
    return str(mime or "").lower() == "text/plain"


def _kind(source: str, mime: Any) -> str:
    mime = str(mime or "").lower()
    suffix = Path(source).suffix.lower()
    if mime == TRACE_MIME or (suffix == ".zip" and "trace" in mime):
        return "trace"
    if mime.startswith("video/") or (not mime and suffix in {".webm", ".mp4"}):
        return "video"
    if mime in IMAGE_TYPES or (not mime and suffix in IMAGE_SUFFIXES):
        return "image"
    return "other"


def _demote_repeats(images: list[_Image]) -> None:
    """A failing scenario's screenshot identical to one before it in the same result file
    (in ``_collect``'s order) gets the passing tier: the sharp copy is already embedded."""
    seen: set[tuple[str, str]] = set()
    for image in images:
        if image.tier is not FAILED:
            continue
        keys = {(ref.document, image.digest) for ref in image.refs if ref.failing}
        if keys & seen:
            image.tier = PASSED
        seen |= keys


class _Notes:
    """The text that stands in for a trace or video: where the full file is."""

    def __init__(self, run_dir: Path, report_url: str | None) -> None:
        self.run_dir = run_dir
        self.report_url = report_url
        self._by_size: dict[int, list[Path]] | None = None
        self.run_id = run_dir.name
        try:
            self.run_id = str(json.loads((run_dir / RUN_JSON).read_text(encoding="utf-8"))["run_id"])
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def _evidence_copy(self, path: Path) -> str | None:
        """The run-folder path of the evidence file with the same bytes, if there is one."""
        if self._by_size is None:
            self._by_size = {}
            for found in sorted((self.run_dir / EVIDENCE).rglob("*")):
                if found.suffix in {".zip", ".webm", ".mp4"} and found.is_file():
                    self._by_size.setdefault(found.stat().st_size, []).append(found)
        wanted = None
        for candidate in self._by_size.get(path.stat().st_size, []):
            wanted = wanted or hashlib.sha256(path.read_bytes()).digest()
            if hashlib.sha256(candidate.read_bytes()).digest() == wanted:
                return candidate.relative_to(self.run_dir).as_posix()
        return None

    def text(self, path: Path, kind: str) -> str:
        what = "Playwright trace" if kind == "trace" else "video"
        where = self._evidence_copy(path)
        published = f"runs/{self.run_id}/"
        lines = [
            f"The {what} of this scenario ({path.stat().st_size / 1024:,.0f} KB) is not embedded in this "
            "single-file report, so that the report stays small enough to open quickly.",
            "",
            f"The full {what}:",
            f"- in the run folder ({self.run_dir.name}/): "
            + (where or f"in the scenario's folder under {EVIDENCE}/"),
            f"- in the published run (e2e publish): the multi-file report {published}report/index.html "
            "on the report site has it attached" + (f", and the file is {published}{where}" if where else ""),
        ]
        if self.report_url:
            lines.append(f"  {self.report_url.rstrip('/')}/{published}report/index.html")
        if kind == "trace":
            lines += [
                "",
                f"Open it with: playwright show-trace {where or 'trace.zip'}",
                "or in the trace viewer at https://trace.playwright.dev (it reads the file in your browser).",
            ]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- encoding


def _encode_images(images: list[_Image], out: Path, stats: CompactStats) -> None:
    if not images:
        return
    started = time.perf_counter()
    # Identical screenshots (same bytes, same tier) are encoded once.
    unique: dict[tuple[str, str], _Image] = {}
    for image in images:
        unique.setdefault((image.digest, image.tier.name), image)
    encoded: dict[tuple[str, str], bytes] = {}
    # Pillow lets go of the GIL while it decodes, scales and encodes: threads use every core.
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1), thread_name_prefix="e2e-compact") as pool:
        for key, data in zip(unique, pool.map(_encode_one, unique.values()), strict=True):
            if data is not None:
                encoded[key] = data
    unread = [image.source for key, image in unique.items() if key not in encoded]
    if unread:
        stats.warning = (
            f"{len(unread)} screenshot(s) embedded as recorded, not compacted: they could not be read as "
            f"images (first: {unread[0]})"
        )
    stats.encode_seconds += time.perf_counter() - started
    for image in images:
        before = image.path.stat().st_size
        stats.image_bytes_before += before
        stats.images += 1
        result = encoded.get((image.digest, image.tier.name))
        if result is None or (len(result) >= before and image.path.suffix.lower() != ".png"):
            shutil.copyfile(image.path, out / image.source)
            stats.kept_images += 1
            stats.image_bytes_after += before
            continue
        name = _free_name(image.path.parent, image.source, ".webp")
        (out / name).write_bytes(result)
        stats.image_bytes_after += len(result)
        stats.images_by_tier[image.tier.name] = stats.images_by_tier.get(image.tier.name, 0) + 1
        for ref in image.refs:
            ref.json["source"] = name
            ref.json["type"] = "image/webp"


def _fit(width: int, height: int, tier: Tier, shrink: float = 1.0) -> tuple[int, int]:
    """The size an image of ``width`` x ``height`` is embedded at: within the tier's width and
    pixel count, times ``shrink``; never larger than it is."""
    scale = min(1.0, tier.max_width / width, (tier.max_pixels / (width * height)) ** 0.5) * shrink
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode_one(image: _Image) -> bytes | None:
    """The image as a lossy WebP within its tier, or None (kept as it is) when it cannot
    be read. Over the tier's byte bound, it is made again at a lower quality (down to
    ``MIN_QUALITY``), then smaller."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image.path) as opened:
            opened.seek(0)
            picture = opened.convert("RGB") if opened.mode != "RGB" else opened.copy()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("e2e report: %s kept as it is: %s", image.source, exc)
        return None
    tier = image.tier
    quality, shrink = tier.quality, 1.0
    while True:
        size = _fit(picture.width, picture.height, tier, shrink)
        scaled = (
            picture
            if size == picture.size
            else picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=1.0)
        )
        buffer = io.BytesIO()
        # method 2 of 0-6: 7 ms of CPU for a 960x540 shot instead of 20 ms at the default 4,
        # for 3 % more bytes.
        scaled.save(buffer, "WEBP", quality=quality, method=2)
        data = buffer.getvalue()
        if len(data) <= tier.max_bytes or min(size) <= 64:
            return data
        if quality > MIN_QUALITY:
            quality = max(MIN_QUALITY, quality - 10)
        else:
            shrink *= 0.75
