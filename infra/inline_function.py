"""Copy infra/viewer-request.js into infra/template.yaml (the CloudFront Function's FunctionCode).

The .js file is the source; the template carries it inline because CloudFormation has no way
to read a file next to the template. Run this after editing the .js file::

    python infra/inline_function.py           # rewrite the template's FunctionCode block
    python infra/inline_function.py --check   # exit 1 when the template is out of date

Only the lines of the ``FunctionCode: !Sub`` literal block change; the rest of the template,
comments included, is left as it is. The code goes through Fn::Sub, so the only ``${...}`` it
may contain is the allowlist placeholder; anything else is refused here rather than mangled
by CloudFormation at deploy time.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "template.yaml"
SOURCE = HERE / "viewer-request.js"
PLACEHOLDER = "${AllowedCidrs}"
COMMAND = "python infra/inline_function.py"

_KEY = re.compile(r"^(?P<indent> *)FunctionCode: !Sub *$")
_ITEM = re.compile(r"^(?P<indent> *)- \| *$")


class InlineError(Exception):
    """The source or the template is not in a shape this script can handle."""


def check_source(code: str) -> None:
    if not code.endswith("\n") or code.endswith("\n\n"):
        raise InlineError("the function source must end with exactly one newline")
    if code[:1].isspace():
        raise InlineError("the function source must not start with whitespace (YAML would misread it)")
    for number, line in enumerate(code.splitlines(), start=1):
        if line != line.rstrip():
            raise InlineError(f"line {number}: trailing whitespace (a YAML literal block cannot keep it)")
    others = sorted(set(re.findall(r"\$\{[^}]*\}", code)) - {PLACEHOLDER})
    if others:
        raise InlineError(f"Fn::Sub would substitute {', '.join(others)}; only {PLACEHOLDER} may appear")
    if PLACEHOLDER not in code:
        raise InlineError(f"the function source lost its allowlist placeholder {PLACEHOLDER}")


def inline(template: str, code: str) -> str:
    """``template`` with its FunctionCode literal block replaced by ``code``."""
    check_source(code)
    lines = template.splitlines(keepends=True)
    keys = [i for i, line in enumerate(lines) if _KEY.match(line.rstrip("\n"))]
    if len(keys) != 1:
        raise InlineError(f"expected one 'FunctionCode: !Sub' line in the template, found {len(keys)}")
    start = keys[0] + 1
    item = _ITEM.match(lines[start].rstrip("\n")) if start < len(lines) else None
    if not item:
        raise InlineError("'FunctionCode: !Sub' must be followed by a '- |' line (the code block)")
    indent = " " * (len(item["indent"]) + 2)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent)):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the block are not part of it
    block = [indent + line if line else "" for line in code.splitlines()]
    return "".join(lines[: start + 1]) + "\n".join(block) + "\n" + "".join(lines[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether the template is current")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    template = args.template.read_text(encoding="utf-8")
    try:
        updated = inline(template, args.source.read_text(encoding="utf-8"))
    except InlineError as exc:
        print(f"inline_function: {exc}", file=sys.stderr)
        return 2
    if updated == template:
        print(f"{args.template}: FunctionCode is current")
        return 0
    if args.check:
        print(f"{args.template}: FunctionCode differs from {args.source}; run `{COMMAND}`", file=sys.stderr)
        return 1
    args.template.write_text(updated, encoding="utf-8")
    print(f"{args.template}: FunctionCode rewritten from {args.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
