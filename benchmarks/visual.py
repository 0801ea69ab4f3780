"""What a visual comparison costs next to the screenshot it compares.

    .venv/bin/python benchmarks/visual.py [--repeat 5]

Measures, on a 1920x1080 page of the bundled demo app in the runner's Chromium:
- the full-page screenshot (``animations="disabled"``, ``caret="hide"``, as the step takes it);
- comparing it with an equal copy (the usual case: decode + ``bytes ==``);
- comparing it with a copy whose top 40 % differs (a changed header and body): bounding box,
  YIQ delta over the box, and the diff image; plus an all-different pair (the worst case).
Each figure is the median of --repeat, as wall time and as this process's CPU time (on a
shared machine the CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import statistics
import time

from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

from runner import demo_app
from runner.browser.chromium import find_chromium
from runner.settings import resolve
from runner.visual.compare import compare_images, decode_png


def _timed(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = demo_app.start()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(resolve()), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{app.url}/login")
        shot = lambda: page.screenshot(full_page=True, animations="disabled", caret="hide", type="png")  # noqa: E731
        png = shot()
        rows = [("screenshot (full page)", *_timed(shot, args.repeat))]
        browser.close()
    app.stop()
    expected = decode_png(png)
    print(f"image: {expected.width}x{expected.height}")
    same = expected.copy()
    changed = expected.copy()
    ImageDraw.Draw(changed).rectangle((0, 0, expected.width, int(expected.height * 0.4)), fill=(200, 30, 30))
    inverted = Image.eval(expected.convert("RGB"), lambda v: 255 - v)
    rows.append(("decode the PNG", *_timed(lambda: decode_png(png), args.repeat)))
    rows.append(("compare, equal", *_timed(lambda: compare_images(expected, same), args.repeat)))
    rows.append(("compare, 40% differs", *_timed(lambda: compare_images(expected, changed), args.repeat)))
    rows.append(("compare, all differs", *_timed(lambda: compare_images(expected, inverted), args.repeat)))
    print(f"{'':28} {'wall ms':>9} {'cpu ms':>9}")
    for name, wall, cpu in rows:
        print(f"{name:28} {wall:9.1f} {cpu:9.1f}")


if __name__ == "__main__":
    main()
