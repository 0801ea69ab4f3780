"""runner.visual.compare: pixelmatch's per-pixel test and Playwright's three thresholds, no browser."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from runner.visual.compare import Thresholds, allowed_diff_pixels, compare_images


def _pair(colour: tuple[int, int, int], pixels: int = 10, size: tuple[int, int] = (100, 50)):
    expected = Image.new("RGB", size, (238, 238, 255))
    actual = expected.copy()
    for x in range(pixels):
        actual.putpixel((x, 0), colour)
    return expected, actual


def test_equal_images_are_equal_without_a_diff_image() -> None:
    expected, _ = _pair((0, 0, 0))
    result = compare_images(expected, expected.copy())
    assert result.equal and result.diff_pixels == 0 and result.diff is None


def test_the_per_pixel_threshold_is_pixelmatchs_yiq_delta() -> None:
    # A grey step of 63: weighted YIQ delta 0.5053 * 63^2 = 2005, between 35215 * 0.2^2 and * 0.3^2.
    expected = Image.new("RGB", (10, 10), (238, 238, 255))
    actual = Image.new("RGB", (10, 10), (175, 175, 192))
    assert compare_images(expected, actual, Thresholds(threshold=0.2)).diff_pixels == 100
    assert compare_images(expected, actual, Thresholds(threshold=0.3)).equal
    assert compare_images(expected, actual, Thresholds(threshold=0.0)).diff_pixels == 100
    assert compare_images(expected, actual, Thresholds(threshold=1.0)).equal


def test_a_barely_different_pixel_is_below_the_default_threshold() -> None:
    expected, actual = _pair((237, 238, 255), pixels=100)
    assert compare_images(expected, actual).equal


def test_max_diff_pixels_and_ratio_allow_that_many_and_the_larger_wins() -> None:
    expected, actual = _pair((0, 0, 0), pixels=10)  # 10 of 5000 pixels
    assert not compare_images(expected, actual).equal
    assert compare_images(expected, actual, Thresholds(max_diff_pixels=10)).equal
    assert not compare_images(expected, actual, Thresholds(max_diff_pixels=9)).equal
    assert compare_images(expected, actual, Thresholds(max_diff_pixel_ratio=0.002)).equal
    assert not compare_images(expected, actual, Thresholds(max_diff_pixel_ratio=0.001)).equal
    assert compare_images(expected, actual, Thresholds(max_diff_pixels=1, max_diff_pixel_ratio=0.002)).equal
    assert allowed_diff_pixels(Thresholds(), 5000) == 0


def test_the_diff_image_marks_differing_pixels_red_on_the_faded_expected_image() -> None:
    expected, actual = _pair((0, 0, 0), pixels=3)
    result = compare_images(expected, actual)
    assert result.diff is not None and result.diff.size == expected.size
    assert result.diff.getpixel((1, 0)) == (255, 0, 0)
    assert result.diff.getpixel((50, 25))[0] > 240  # faded, nearly white
    assert "3 of 5000 pixels" in result.describe()


def test_a_size_change_is_a_failure_with_both_sizes() -> None:
    expected = Image.new("RGB", (304, 124), "white")
    actual = Image.new("RGB", (304, 204), "white")
    result = compare_images(expected, actual)
    assert not result.equal and result.size_changed
    assert result.describe() == "the size changed: expected 304x124, actual 304x204"
    assert result.diff is not None and result.diff.size == (304, 204)
    assert result.diff.getpixel((0, 200)) == (255, 0, 0)


def test_translucent_pixels_are_blended_onto_white() -> None:
    expected = Image.new("RGBA", (4, 4), (255, 255, 255, 255))
    actual = Image.new("RGBA", (4, 4), (0, 0, 0, 0))  # fully transparent: white once blended
    assert compare_images(expected, actual).equal


def test_a_change_inside_a_large_image_is_bounded_and_counted() -> None:
    expected = Image.new("RGB", (1920, 1080), (250, 250, 250))
    actual = expected.copy()
    ImageDraw.Draw(actual).rectangle((100, 100, 199, 149), fill=(200, 0, 0))
    assert compare_images(expected, actual).diff_pixels == 100 * 50


@pytest.mark.parametrize("bad", [{"threshold": 1.5}, {"max_diff_pixels": -1}, {"max_diff_pixel_ratio": 2}])
def test_thresholds_out_of_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        Thresholds(**bad)
