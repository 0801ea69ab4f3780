"""``python -m runner.demo_app [--host H] [--port N]``: serve the demo app until Ctrl+C."""

from __future__ import annotations

import argparse
import threading

from runner.demo_app import start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.demo_app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free one")
    args = parser.parse_args(argv)
    app = start(args.host, args.port)
    print(f"Demo app serving at {app.url} (Ctrl+C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
