"""runner/plugin/quarantine.py: which scenarios are quarantined, with what reason (real pytest items)."""

from __future__ import annotations

import pytest

from runner.plugin.quarantine import label, reason_of

pytest_plugins = ["pytester"]


def test_the_reason_comes_from_the_mark(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    quarantine: known to fail\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.quarantine("BUG-123")
        def test_with_reason(): pass

        @pytest.mark.quarantine
        def test_without_reason(): pass

        def test_plain(): pass
        """
    )
    items, _ = pytester.inline_genitems()
    reasons = {item.name: reason_of(item) for item in items}
    assert reasons == {"test_with_reason": "BUG-123", "test_without_reason": "", "test_plain": None}


def test_the_label_shows_the_reason() -> None:
    assert label("BUG-123") == "quarantined: BUG-123"
    assert label("") == "quarantined"
