"""The offline rule: a report loads nothing from third parties.

Test evidence of a private app must not make its viewers' browsers call other hosts, and a
report must open without the internet; ``runner.report.allure`` refuses a generated page
that would.
"""

from __future__ import annotations

import re

_EXTERNAL_SCRIPT = re.compile(
    r"<(?:script|img|iframe)\b[^>]*\bsrc\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE
)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE)


def third_party_urls(html: str) -> list[str]:
    """Scripts, stylesheets, images and frames an HTML page would load from another host.

    A report must not make its viewers' browsers call third parties (test evidence of a
    private app stays private).
    """
    return sorted(set(_EXTERNAL_SCRIPT.findall(html)) | set(_EXTERNAL_LINK.findall(html)))
