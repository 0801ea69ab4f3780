"""The team told: one JSON POST after a publish, in Slack's incoming-webhook form.

The message is ``{"text": ..., "blocks": [...]}``: ``text`` is the whole summary as plain
text (what Mattermost, Rocket.Chat, Discord's ``/slack`` endpoint and Slack's own
notifications show), ``blocks`` the same laid out for Slack. It carries the run's status,
its counts, each new failure with its failing step and how long it has failed, the
quarantined failures apart, and the report link.

When (``notify_on``): ``failure`` (default) when the run is red; ``always``; ``change`` when
the status differs from the branch's previous published run (a first run is a change).
At most once per run: the publish records ``notified/<run-id>`` in the target after a
successful POST, and a re-publish of the same run (a resumed one included) sees it and
stays quiet; shards never notify (only a run that is published does). The POST is bounded
(``TIMEOUT`` seconds in all, in a daemon thread, so a webhook that hangs in DNS or in the
middle of its answer cannot hold the build) and never raises: a failure is one line on
stderr. The webhook URL is a secret and is never printed.

Written with the standard library's ``urllib``: one POST needs no HTTP library, and Slack's
own SDK would add a dependency for a call it makes the same way.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runner.publish.index import Failure, RunEntry, RunIndex
from runner.publish.layout import notified_key
from runner.publish.target import Target, Upload
from runner.publish.triage import triage

TIMEOUT = 5.0
NOTIFY_ON = ("failure", "always", "change")
RED = ("failed", "error", "interrupted", "broken")
# Slack: at most 50 blocks in a message, 3,000 characters in a section's text.
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_LISTED = 20


@dataclass(frozen=True)
class Listed:
    """A failure as the message shows it."""

    failure: Failure
    verdict: str | None  # "new failure (...)", "failing since run X", "flaky: ..."
    quarantined: bool = False


def should_notify(entry: RunEntry, previous: RunEntry | None, notify_on: str) -> bool:
    if notify_on == "always":
        return True
    if notify_on == "change":
        return previous is None or previous.status != entry.status
    return entry.status in RED


def _line(item: Listed) -> str:
    f = item.failure
    where = f" ({f.feature})" if f.feature else ""
    step = f"\n    step: {f.failed_step}" if f.failed_step else ""
    error = f"\n    {f.error}" if f.error else ""
    verdict = f" [{item.verdict}]" if item.verdict else ""
    return f"• {f.name}{where}{verdict}{step}{error}"


def _capped(lines: list[str], limit: int) -> str:
    """Lines joined within ``limit`` characters, with how many were left out."""
    out: list[str] = []
    size = 0
    for position, line in enumerate(lines):
        more = len(lines) - position
        tail = f"… and {more} more"
        if size + len(line) + 1 > limit - len(tail) - 1:
            out.append(tail)
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def message(entry: RunEntry, listed: Iterable[Listed], report_link: str | None) -> dict:
    """The webhook payload for ``entry``: ``text`` and Slack ``blocks``."""
    items = list(listed)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(entry.counts.items()) if n and k != "total")
    where = " · ".join(x for x in (entry.branch, (entry.commit or "")[:10] or None) if x)
    headline = f"e2e run {entry.run_id}: {entry.status.upper()}" + (f" on {where}" if where else "")
    new = [i for i in items if not i.quarantined and (i.verdict or "").startswith("new")]
    other = [i for i in items if not i.quarantined and i not in new]
    quarantined = [i for i in items if i.quarantined]
    sections: list[tuple[str, list[str]]] = []
    if new:
        sections.append((f"New failures ({len(new)})", [_line(i) for i in new[:MAX_LISTED]] + _more(new)))
    if other:
        sections.append(
            (f"Still failing ({len(other)})", [_line(i) for i in other[:MAX_LISTED]] + _more(other))
        )
    if quarantined:
        sections.append(
            (
                f"Quarantined, not failing the build ({len(quarantined)})",
                [_line(i) for i in quarantined[:MAX_LISTED]] + _more(quarantined),
            )
        )
    link = f"Report: {report_link}" if report_link else "Report: (no public link; see the build's log)"
    text_parts = [headline, counts] + [f"{title}:\n" + "\n".join(lines) for title, lines in sections] + [link]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": counts or "no scenarios"}},
    ]
    for title, lines in sections:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _capped([f"*{title}*", *lines], MAX_SECTION)},
            }
        )
    if report_link:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{report_link}|Open the report>"}}
        )
    return {"text": "\n".join(p for p in text_parts if p), "blocks": blocks[:MAX_BLOCKS]}


def _more(items: list[Listed]) -> list[str]:
    return [f"… and {len(items) - MAX_LISTED} more"] if len(items) > MAX_LISTED else []


def post(
    url: str, payload: dict, *, timeout: float = TIMEOUT, warn: Callable[[str], None] | None = None
) -> bool:
    """POST ``payload`` as JSON to ``url`` within ``timeout`` seconds in all; never raises."""
    outcome: dict[str, object] = {}
    unanswered = f"the webhook did not answer within {timeout:.0f} s"

    def send() -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the team's own webhook)
                outcome["status"] = response.status
        except urllib.error.HTTPError as exc:
            outcome["error"] = f"the webhook answered {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            # The socket's own timeout can fire just before the join below gives up: the same
            # fault, said the same way whichever clock wins.
            timed_out = isinstance(reason, TimeoutError)
            outcome["error"] = unanswered if timed_out else f"the webhook could not be reached ({reason})"

    worker = threading.Thread(target=send, name="e2e-notify", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        outcome["error"] = unanswered
    if "error" in outcome:
        if warn:
            warn(f"notify_url: {outcome['error']}; the run is published, no message was sent")
        return False
    return True


def notify_published(
    target: Target,
    entry: RunEntry,
    index: RunIndex,
    *,
    url: str | None,
    notify_on: str,
    report_link: str | None,
    warn: Callable[[str], None],
    timeout: float = TIMEOUT,
) -> bool:
    """After a publish: one POST when ``notify_on`` says so and the run was not notified yet.

    ``index`` is the site's index after the publish (the run's own entry in it): the previous
    run of the branch and each failure's verdict come from it. Returns whether a message went.
    Never raises: a target that cannot be read or written is one line through ``warn``."""
    if not url:
        return False
    marker = notified_key(entry.run_id)
    try:
        if target.stat(marker) is not None:
            return False  # told already (a re-publish, a resumed publish)
    except Exception as exc:  # noqa: BLE001 - never fail a publish for its message
        warn(f"notify_url: could not check whether run {entry.run_id} was notified ({exc}); no message sent")
        return False
    previous = index.previous_of(entry.run_id, entry.branch, entry.started_at)
    if not should_notify(entry, previous, notify_on):
        return False
    verdicts = triage(index)
    listed = [
        Listed(
            f,
            None if f.quarantined else getattr(verdicts.get((entry.run_id, f.key or "")), "text", None),
            f.quarantined,
        )
        for f in entry.failures
    ]
    if not post(url, message(entry, listed, report_link), timeout=timeout, warn=warn):
        return False
    try:
        target.put([Upload.from_bytes(marker, b"notified\n")])
    except Exception as exc:  # noqa: BLE001
        warn(f"notify_url: the message was sent, but its marker {marker} could not be written ({exc})")
    return True
