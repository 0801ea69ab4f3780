"""What an axe scan found, as plain data, and the messages a person reads about it.

Nothing here touches a browser: a scan's raw result (axe's ``violations``, trimmed in the
page) goes in, and out come the elements that fail (each an :class:`Issue`: rule, impact,
target selector), split into new and known ones, and the failure message whose FIRST line
lists each rule with its impact and number of elements::

    3 accessibility violations: color-contrast (serious, 4 elements), image-alt (critical, 1 element), ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# axe's impacts, least to most severe.
IMPACTS = ("minor", "moderate", "serious", "critical")
DEFAULT_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# How many elements of one rule the message lists (the attachment lists them all).
SHOWN_ELEMENTS = 5


class ImpactError(ValueError):
    """A phrase names an impact axe does not have."""


def impact_rank(impact: str | None) -> int:
    """0 (minor) .. 3 (critical); an element axe gives no impact counts as minor."""
    return IMPACTS.index(impact) if impact in IMPACTS else 0


def parse_impact(word: str) -> str:
    value = word.strip().lower()
    if value not in IMPACTS:
        raise ImpactError(
            f'"{word}" is not an axe impact: use one of {", ".join(IMPACTS)} (that impact or worse).'
        )
    return value


def impact_words(threshold: str) -> str:
    """How a message names the impacts a phrase counts: "serious or critical", "moderate or worse"."""
    rank = impact_rank(threshold)
    if rank == 0:
        return ""
    if rank == len(IMPACTS) - 1:
        return "critical "
    if rank == len(IMPACTS) - 2:
        return f"{threshold} or critical "
    return f"{threshold} or worse "


def target_text(target: Any) -> str:
    """axe's target as one selector: frames joined by `` >> ``, shadow roots by `` >>> ``."""
    if isinstance(target, str):
        return target
    parts = []
    for part in target or []:
        parts.append(" >>> ".join(str(p) for p in part) if isinstance(part, list) else str(part))
    return " >> ".join(parts)


@dataclass(frozen=True, order=True)
class Issue:
    """One failing element of one rule: what the known-issues file lists."""

    rule: str
    target: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "target": self.target}


@dataclass
class Element:
    target: str
    html: str
    impact: str
    summary: str = ""


@dataclass
class Violation:
    """One axe rule that failed, with its elements (possibly only the new ones)."""

    rule: str
    impact: str
    help: str
    help_url: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)

    @classmethod
    def from_axe(cls, data: Mapping[str, Any]) -> Violation:
        rule_impact = str(data.get("impact") or "minor")
        elements = [
            Element(
                target=target_text(node.get("target")),
                html=str(node.get("html") or ""),
                impact=str(node.get("impact") or rule_impact),
                summary=str(node.get("failureSummary") or ""),
            )
            for node in data.get("nodes") or []
        ]
        return cls(
            rule=str(data.get("id")),
            impact=rule_impact,
            help=str(data.get("help") or ""),
            help_url=str(data.get("helpUrl") or ""),
            description=str(data.get("description") or ""),
            tags=[str(t) for t in data.get("tags") or []],
            elements=elements,
        )

    def with_elements(self, elements: list[Element]) -> Violation:
        """The same rule with only these elements; its impact the worst of theirs."""
        worst = max((e.impact for e in elements), key=impact_rank, default=self.impact)
        return Violation(self.rule, worst, self.help, self.help_url, self.description, self.tags, elements)

    def issues(self) -> list[Issue]:
        return [Issue(self.rule, e.target) for e in self.elements]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "impact": self.impact,
            "help": self.help,
            "help_url": self.help_url,
            "description": self.description,
            "tags": self.tags,
            "elements": [e.__dict__ for e in self.elements],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Violation:
        return cls(
            rule=str(data["rule"]),
            impact=str(data.get("impact") or "minor"),
            help=str(data.get("help") or ""),
            help_url=str(data.get("help_url") or ""),
            description=str(data.get("description") or ""),
            tags=list(data.get("tags") or []),
            elements=[Element(**e) for e in data.get("elements") or []],
        )


@dataclass
class Verdict:
    """A scan judged against a phrase's impact and the known issues of its page."""

    threshold: str
    failing: list[Violation]  # new elements at the threshold or worse, by rule
    known: list[Issue]  # elements found that the known-issues file lists (not counted)
    gone: list[Issue]  # listed for this page, looked for, and not found any more

    @property
    def passed(self) -> bool:
        return not self.failing


def judge(
    violations: Iterable[Violation],
    threshold: str = "minor",
    known: Iterable[Issue] = (),
    *,
    rules_run: Iterable[str] | None = None,
    whole_page: bool = True,
) -> Verdict:
    """Which elements fail: new ones (not in ``known``) of ``threshold`` or worse.

    ``gone`` are known issues whose rule ran on the whole page and found no such element;
    a scan of part of the page cannot tell, so it reports none.
    """
    listed = set(known)
    floor = impact_rank(threshold)
    failing, seen_known, found = [], [], set()
    for violation in sorted(violations, key=lambda v: v.rule):
        new = []
        for element in violation.elements:
            issue = Issue(violation.rule, element.target)
            found.add(issue)
            if issue in listed:
                seen_known.append(issue)
            elif impact_rank(element.impact) >= floor:
                new.append(element)
        if new:
            failing.append(violation.with_elements(new))
    ran = set(rules_run) if rules_run is not None else None
    gone = []
    if whole_page:
        gone = sorted(i for i in listed - found if ran is None or i.rule in ran)
    return Verdict(threshold, failing, sorted(set(seen_known)), gone)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def first_line(failing: list[Violation], threshold: str = "minor") -> str:
    """``3 accessibility violations: color-contrast (serious, 4 elements), ...``"""
    rules = ", ".join(f"{v.rule} ({v.impact}, {_plural(len(v.elements), 'element')})" for v in failing)
    return f"{_plural(len(failing), impact_words(threshold) + 'accessibility violation')}: {rules}"


def failure_message(verdict: Verdict, *, where: str, known_file: str) -> str:
    """The first line, then per rule its help text, help URL and the first elements."""
    lines = [first_line(verdict.failing, verdict.threshold), f"Scanned: {where}"]
    for violation in verdict.failing:
        lines.append(f"  {violation.rule} ({violation.impact}): {violation.help}")
        if violation.help_url:
            lines.append(f"    {violation.help_url}")
        for element in violation.elements[:SHOWN_ELEMENTS]:
            lines.append(f"    - {element.target}  {_short(element.html)}")
        hidden = len(violation.elements) - SHOWN_ELEMENTS
        if hidden > 0:
            lines.append(f"    ... and {hidden} more (see the accessibility attachment)")
    lines.extend(_known_lines(verdict, known_file))
    return "\n".join(lines)


def _known_lines(verdict: Verdict, known_file: str) -> list[str]:
    lines = []
    if verdict.known:
        lines.append(
            f"{_plural(len(verdict.known), 'known violation')} not counted (listed in {known_file})."
        )
    if verdict.gone:
        lines.append(
            f"{_plural(len(verdict.gone), 'known violation')} gone from this page (remove from {known_file}, "
            "or run `e2e a11y accept RUN_DIR`): " + ", ".join(f"{i.rule} {i.target}" for i in verdict.gone)
        )
    return lines


def report_text(
    violations: list[Violation], verdict: Verdict, *, where: str, known_file: str, axe: str
) -> str:
    """The readable attachment of one scan: every violation, every element, known and gone."""
    counted = {(v.rule, e.target) for v in verdict.failing for e in v.elements}
    known = set(verdict.known)
    header = "PASSED" if verdict.passed else first_line(verdict.failing, verdict.threshold)
    lines = [header, f"Scanned: {where}", f"Engine: axe-core {axe}", ""]
    if not violations:
        lines.append("axe found no violations.")
    for violation in sorted(violations, key=lambda v: (-impact_rank(v.impact), v.rule)):
        lines.append(f"{violation.rule} ({violation.impact}, {_plural(len(violation.elements), 'element')})")
        lines.append(f"  {violation.help}")
        if violation.description and violation.description != violation.help:
            lines.append(f"  {violation.description}")
        if violation.help_url:
            lines.append(f"  How to fix: {violation.help_url}")
        for element in violation.elements:
            issue = Issue(violation.rule, element.target)
            mark = "NEW" if (issue.rule, issue.target) in counted else "known" if issue in known else "below"
            lines.append(f"  [{mark}] {element.target} ({element.impact})")
            lines.append(f"        {_short(element.html, 300)}")
            for fix in element.summary.splitlines():
                if fix.strip():
                    lines.append(f"        {fix.strip()}")
        lines.append("")
    lines.extend(_known_lines(verdict, known_file))
    if any(
        True
        for v in violations
        for e in v.elements
        if (v.rule, e.target) not in counted and Issue(v.rule, e.target) not in known
    ):
        lines.append(f'[below]: less severe than the phrase\'s "{verdict.threshold}", not counted.')
    return "\n".join(lines).rstrip() + "\n"


def _short(html: str, limit: int = 120) -> str:
    text = " ".join(html.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
