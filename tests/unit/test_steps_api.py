"""runner/steps/api.py: an exchange as the checks and failures see it (bodies, JSON, its limits)."""

from __future__ import annotations

import pytest

from runner.steps.api import SHOWN_BODY, ApiFailure, Exchange, response_status_is


def _exchange(body: bytes, status: int = 200, ctype: str = "application/json") -> Exchange:
    return Exchange("GET", "http://app/api/books/", status, "OK", {"content-type": ctype}, body, 12.0)


def test_a_json_body_is_read_and_a_non_json_one_is_named() -> None:
    assert _exchange(b'{"count": 2}').json() == {"count": 2}
    with pytest.raises(ApiFailure, match=r"answered 200 with a body that is not JSON \(text/html\)"):
        _exchange(b"<h1>Oops</h1>", ctype="text/html").json()


def test_a_long_body_is_shown_in_part_with_its_size() -> None:
    shown = _exchange(b"x" * (SHOWN_BODY * 3)).shown_body()
    assert shown.startswith("x" * SHOWN_BODY) and shown.endswith(f"({SHOWN_BODY * 3} characters in all)")


class _Client:
    """What the checks read of a client: its last exchange (a real Exchange)."""

    def __init__(self, exchange: Exchange) -> None:
        self.last = exchange

    def response(self) -> Exchange:
        return self.last


def test_a_wrong_status_names_both_and_the_url() -> None:
    with pytest.raises(ApiFailure) as failure:
        response_status_is(_Client(_exchange(b'{"detail": "Not found."}', status=404)), 201)  # type: ignore[arg-type]
    first, *rest = str(failure.value).splitlines()
    assert first == "Expected status 201, got 404: GET http://app/api/books/"
    assert rest == ['{"detail": "Not found."}']
