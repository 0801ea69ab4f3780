"""Two images compared the way Playwright's ``toHaveScreenshot`` compares them.

The per-pixel test is pixelmatch's (Playwright's default comparator): both pixels blended
onto white by their alpha, then the colour difference measured in YIQ space, weighted
``0.5053 * dY² + 0.299 * dI² + 0.1957 * dQ²``, differs when it is above
``35215 * threshold²`` (35215 is the largest such difference, black against white).
Pixelmatch's anti-aliasing detection is not done: a pixel that differs only by
anti-aliasing counts as different, so the comparison is as strict as pixelmatch with
``includeAA``.

Playwright's three thresholds mean the same here: ``threshold`` (0 to 1, default 0.2) per
pixel; ``max_diff_pixels`` and ``max_diff_pixel_ratio`` (0 to 1) how many pixels may
differ: with both given the larger allowance wins, with neither none may differ.

Cost: most comparisons are of equal images, and equal images are equal bytes once decoded,
so those end at one ``bytes ==``. Otherwise Pillow's C code does all the work: the
difference's bounding box (``ImageChops.difference().getbbox()``), then the YIQ delta over
that box only, channel by channel with ``ImageMath`` (no Python loop over pixels, no
numpy). ``benchmarks/visual.py`` measures a 1920x1080 pair.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageMath

__all__ = [
    "DEFAULT_THRESHOLD",
    "Comparison",
    "Thresholds",
    "allowed_diff_pixels",
    "compare_images",
    "decode_png",
    "encode_png",
]

DEFAULT_THRESHOLD = 0.2
MAX_YIQ_DELTA = 35215.0
# Playwright's diff image: the expected image in faded grey, differing pixels in red.
DIFF_COLOR = (255, 0, 0)
_FADE = 0.1


@dataclass(frozen=True)
class Thresholds:
    """Playwright's ``threshold``, ``maxDiffPixels`` and ``maxDiffPixelRatio``."""

    threshold: float = DEFAULT_THRESHOLD
    max_diff_pixels: int | None = None
    max_diff_pixel_ratio: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold must be between 0 and 1, not {self.threshold}")
        if self.max_diff_pixels is not None and self.max_diff_pixels < 0:
            raise ValueError(f"max_diff_pixels must be >= 0, not {self.max_diff_pixels}")
        if self.max_diff_pixel_ratio is not None and not 0 <= self.max_diff_pixel_ratio <= 1:
            raise ValueError(f"max_diff_pixel_ratio must be between 0 and 1, not {self.max_diff_pixel_ratio}")


def allowed_diff_pixels(thresholds: Thresholds, total_pixels: int) -> int:
    """How many pixels may differ: the larger of the two allowances, as Playwright decides."""
    by_count = thresholds.max_diff_pixels
    by_ratio = None
    if thresholds.max_diff_pixel_ratio is not None:
        by_ratio = int(total_pixels * thresholds.max_diff_pixel_ratio)
    allowances = [a for a in (by_count, by_ratio) if a is not None]
    return max(allowances) if allowances else 0


@dataclass
class Comparison:
    """The outcome: equal (within the thresholds) or not, and why."""

    equal: bool
    diff_pixels: int = 0
    total_pixels: int = 0
    allowed_pixels: int = 0
    expected_size: tuple[int, int] = (0, 0)
    actual_size: tuple[int, int] = (0, 0)
    diff: Image.Image | None = None

    @property
    def size_changed(self) -> bool:
        return self.expected_size != self.actual_size

    @property
    def ratio(self) -> float:
        return self.diff_pixels / self.total_pixels if self.total_pixels else 0.0

    def describe(self) -> str:
        """One line a person reads: what differs and by how much."""
        if self.size_changed:
            (ew, eh), (aw, ah) = self.expected_size, self.actual_size
            return f"the size changed: expected {ew}x{eh}, actual {aw}x{ah}"
        if self.equal:
            return f"{self.diff_pixels} pixels differ (allowed {self.allowed_pixels})"
        return (
            f"{self.diff_pixels} of {self.total_pixels} pixels ({self.ratio:.2%}) differ, "
            f"allowed {self.allowed_pixels}"
        )


def decode_png(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    """RGB as pixelmatch sees it: a translucent pixel blended onto white (255 + (c - 255) * a)."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    if rgba.getextrema()[3][0] == 255:
        return rgba.convert("RGB")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


# The largest weighted YIQ delta per unit of the largest channel difference k:
# |dY| <= 1.0 k, |dI| <= 1.192 k, |dQ| <= 1.045 k, so delta <= 1.1439 k^2. Pixels whose
# channels all differ by less than sqrt(limit / 1.1439) cannot differ, in 8-bit arithmetic.
_DELTA_PER_K2 = 0.5053 * 1.0**2 + 0.299 * 1.19195598**2 + 0.1957 * 1.04523422**2


def _candidates(difference: Image.Image, limit: float) -> tuple[int, int, int, int] | None:
    """The box of the pixels that may differ, from ``ImageChops.difference`` (8-bit, fast)."""
    r, g, b = difference.split()
    largest = ImageChops.lighter(ImageChops.lighter(r, g), b)
    return largest.point([255 if _DELTA_PER_K2 * k * k > limit else 0 for k in range(256)]).getbbox()


def _delta_mask(expected: Image.Image, actual: Image.Image, limit: float) -> Image.Image:
    """A mode "L" mask (255: differs) of two equally sized RGB images, all in Pillow's C code."""
    r1, g1, b1 = (c.convert("F") for c in expected.split())
    r2, g2, b2 = (c.convert("F") for c in actual.split())

    # YIQ is linear in RGB, so the difference of YIQ is YIQ of the channel differences.
    def delta(e: dict) -> object:
        dr, dg, db = e["r1"] - e["r2"], e["g1"] - e["g2"], e["b1"] - e["b2"]
        y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223
        i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189
        q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694
        # (A lambda given to point() on a float image is taken as a linear map, hence * 255 here.)
        return ((y * y * 0.5053 + i * i * 0.299 + q * q * 0.1957) > e["limit"]) * 255.0

    result = ImageMath.lambda_eval(delta, r1=r1, g1=g1, b1=b1, r2=r2, g2=g2, b2=b2, limit=limit)
    return result.convert("L")


def _diff_image(expected: Image.Image, mask: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    faded = expected.convert("L").point(lambda v: int(255 + (v - 255) * _FADE)).convert("RGB")
    red = Image.new("RGB", mask.size, DIFF_COLOR)
    faded.paste(red, box[:2], mask)
    return faded


def _size_diff(expected: Image.Image, actual: Image.Image) -> Image.Image:
    """For a size change: red where only one image has pixels, the usual diff where both do."""
    width, height = max(expected.width, actual.width), max(expected.height, actual.height)
    canvas = Image.new("RGB", (width, height), DIFF_COLOR)
    box = (0, 0, min(expected.width, actual.width), min(expected.height, actual.height))
    common_e, common_a = expected.crop(box), actual.crop(box)
    mask = _delta_mask(common_e, common_a, MAX_YIQ_DELTA * DEFAULT_THRESHOLD**2)
    canvas.paste(_diff_image(common_e, mask, (0, 0, *common_e.size)), (0, 0))
    return canvas


def compare_images(
    expected: Image.Image, actual: Image.Image, thresholds: Thresholds | None = None
) -> Comparison:
    """Compare ``actual`` with ``expected``; a size change is a result (both sizes), not an error."""
    thresholds = thresholds or Thresholds()
    total = expected.width * expected.height
    result = Comparison(
        equal=False,
        total_pixels=total,
        expected_size=expected.size,
        actual_size=actual.size,
        allowed_pixels=allowed_diff_pixels(thresholds, total),
    )
    if expected.size != actual.size:
        result.diff = _size_diff(_on_white(expected), _on_white(actual))
        return result
    expected_rgb, actual_rgb = _on_white(expected), _on_white(actual)
    if expected_rgb.tobytes() == actual_rgb.tobytes():
        result.equal = True
        return result
    limit = MAX_YIQ_DELTA * thresholds.threshold**2
    box = _candidates(ImageChops.difference(expected_rgb, actual_rgb), limit)
    if box is None:  # nothing differs by more than the threshold allows
        result.equal = True
        return result
    mask = _delta_mask(expected_rgb.crop(box), actual_rgb.crop(box), limit)
    result.diff_pixels = mask.histogram()[255]
    result.equal = result.diff_pixels <= result.allowed_pixels
    if result.diff_pixels:
        result.diff = _diff_image(expected_rgb, mask, box)
    return result
