"""What an accessibility scan costs: ``runner.a11y.axe.run_axe`` on real pages.

    .venv/bin/python benchmarks/a11y.py [--repeat 5]

Pages: the bundled demo app's home and login pages (``runner.demo_app``), and a larger page
made here (a product list of 300 rows with links, images and form fields, about 3,000
elements) served from the same loopback. The Chromium and settings are the runner's
(``runner.browser.chromium.LaunchConfig``), the axe-core the installed pinned one.

Per page: the first scan of a freshly loaded page (axe injected, about 550 KB of script
evaluated, then ``axe.run``), a second scan of the same page (axe already there), and the
run alone; median of ``--repeat`` loads. Printed as a table, with the axe-core version.
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from runner import demo_app
from runner.a11y.axe import inject, load_axe, run_axe
from runner.browser.chromium import LaunchConfig
from runner.serving import serve_in_background
from runner.settings import resolve

ROOT = Path(__file__).resolve().parents[1]


def _big_page() -> str:
    rows = "\n".join(
        f'<tr><td><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Item {i}"></td>'
        f'<td><a href="/item/{i}">Item {i}</a></td><td>{i * 3} EUR</td>'
        f'<td><label>Qty <input type="number" name="q{i}" value="1"></label></td>'
        f'<td><button type="button">Add {i}</button></td></tr>'
        for i in range(300)
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Catalogue</title></head>'
        '<body><header><nav aria-label="Main"><a href="/">Home</a></nav></header><main><h1>Catalogue</h1>'
        f"<table><caption>Products</caption><thead><tr><th>Image</th><th>Name</th><th>Price</th>"
        f"<th>Quantity</th><th>Buy</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    )


class _BigHandler(http.server.BaseHTTPRequestHandler):
    body = _big_page().encode()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = resolve(ROOT)
    axe = load_axe(settings)
    app = demo_app.start()
    big = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BigHandler)
    serve_in_background(big)
    pages = {
        "demo /": f"{app.url.rstrip('/')}/",
        "demo /login": f"{app.url.rstrip('/')}/login",
        "catalogue (300 rows)": f"http://127.0.0.1:{big.server_address[1]}/",
    }
    print(f"axe-core {axe.version}, tags {', '.join(settings.a11y_tags)}; median of {args.repeat} loads (ms)")
    print(f"{'page':24} {'elements':>8} {'first scan':>11} {'again':>8} {'inject':>8} {'violations':>10}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**LaunchConfig.from_settings(settings).launch_options())
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        for name, url in pages.items():
            first, again, injects, found = [], [], [], 0
            for _ in range(args.repeat):
                page.goto(url)
                started = time.perf_counter()
                inject(page, axe)
                injects.append(time.perf_counter() - started)
                page.goto(url)
                scan = run_axe(page, axe, tags=settings.a11y_tags)
                first.append(scan.seconds)
                again.append(run_axe(page, axe, tags=settings.a11y_tags).seconds)
                found = sum(len(v["nodes"]) for v in scan.violations)
            count = page.evaluate("document.getElementsByTagName('*').length")
            print(
                f"{name:24} {count:8d} {statistics.median(first) * 1000:11.0f} "
                f"{statistics.median(again) * 1000:8.0f} {statistics.median(injects) * 1000:8.0f} {found:10d}"
            )
        browser.close()
    app.stop()
    big.shutdown()


if __name__ == "__main__":
    main()
