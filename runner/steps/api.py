"""API steps: HTTP requests in the same scenario as the UI, through the browser context.

Requests go through the scenario's browser context (Playwright's ``context.request``), so
the cookies the app set in the page, or that ``Given I am signed in as "ROLE"`` brought,
authenticate them, and cookies an API response sets are seen by the page. Relative paths
resolve against the base URL exactly as ``I open`` does.

===================================================================  ========================================
Phrase (after any keyword)                                           What it does
===================================================================  ========================================
``I send a GET request to "/api/books/"``                            GET (also POST, PUT, PATCH, DELETE)
``I send a POST request to "/api/books/" with:`` + doc string        a JSON body (``Content-Type: application/json``)
``I send a POST request to "/login" with:`` + ``| field | value |``  a form body (``application/x-www-form-urlencoded``)
``requests send the cookie "csrftoken" as the header "X-CSRFToken"``  the cookie's current value, re-read per request
``requests send the header "Authorization" with "Bearer ${TOKEN}"``  a header on every later request
``the response status is 201``                                       the status code of the last response
``the response JSON at "results[0].title" is "Dune"``                a value, compared as text
``the response JSON at "results" has 3 items``                       the length of an array (or object)
``the response JSON matches:`` + doc string                          these fields are there (extra ones allowed)
``I remember the response JSON at "id" as "BOOK_ID"``                 ``${BOOK_ID}`` in later steps
===================================================================  ========================================

A JSON path is names and indexes: ``count``, ``results[0].title``, ``items[-1]``,
``["key.with.dots"]``; ``""`` or ``$`` is the whole body. Values are compared as text: a
string without its quotes, anything else as JSON writes it (``3``, ``true``, ``null``), so
``"3"`` matches ``3``. ``matches:`` compares objects by the expected keys (the actual object
may have more), arrays item by item with the same length, and everything else as text.

Every request and its response (method, URL, status, time, headers, body up to 64 KB) is an
attachment on its step; ``Authorization``, ``Cookie``, ``Set-Cookie``, the headers filled from
cookies and every cookie value of the context are masked there, and those cookie values are
added to the run's secrets so that the trace and every other file of the run are masked too.
``api_timeout`` bounds each request; an API that is down or does not answer fails the step
with the URL and the reason.

Written here rather than taken from a library: the steps are a thin layer over Playwright's
own ``APIRequestContext``; only the JSON path lookup (a few lines, with the error messages a
Gherkin author needs) is ours.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import allure
import pytest
from playwright.sync_api import APIResponse, BrowserContext
from playwright.sync_api import Error as PlaywrightError
from pytest_bdd import parsers, step

from runner.steps.json_values import ApiFailure, as_text, json_at, json_matches, kind_of, short
from runner.steps.memory import ScenarioMemory, remembers
from runner.steps.web import phrase, url_for

__all__ = [
    "ApiClient",
    "ApiFailure",
    "json_at",
    "json_matches",
    "as_text",
    "response_status_is",
    "response_json_is",
    "response_json_has_items",
    "response_json_matches",
    "send_request",
]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# How much of a body goes into an attachment, and into a failure message.
ATTACHED_BODY = 64 * 1024
SHOWN_BODY = 2048
MASK = "***"
_SENSITIVE_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_SECRET_HEADER = re.compile(r"token|secret|password|api[-_]?key|csrf|xsrf|auth", re.IGNORECASE)


# -- the client --------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request and its response, as the checks and the evidence see them."""

    method: str
    url: str
    status: int
    status_text: str
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiFailure(
                f"{self.method} {self.url} answered {self.status} with a body that is not JSON "
                f"({self.headers.get('content-type', 'no Content-Type')}):\n{self.shown_body()}"
            ) from None

    def shown_body(self) -> str:
        text = self.text()
        return text if len(text) <= SHOWN_BODY else text[:SHOWN_BODY] + f"\n… ({len(text)} characters in all)"


@dataclass
class ApiClient:
    """A scenario's requests: its browser context, headers to send, the last response."""

    context: BrowserContext
    base_url: str
    timeout_ms: float = 10000
    headers: dict[str, str] = field(default_factory=dict)
    # header -> cookie whose current value it carries (re-read on every request)
    cookie_headers: dict[str, str] = field(default_factory=dict)
    last: Exchange | None = None
    on_secret: Any = None  # called with each cookie value the context holds

    def send(
        self, method: str, path: str, *, json_body: str | None = None, form: Mapping[str, str] | None = None
    ) -> Exchange:
        method = method.upper()
        if method not in METHODS:
            raise ApiFailure(f"{method}: not an HTTP method this step sends (one of {', '.join(METHODS)})")
        url = url_for(self.base_url, path)
        headers = dict(self.headers)
        cookies = {c["name"]: c["value"] for c in self.context.cookies(url)}
        for header, cookie in self.cookie_headers.items():
            if cookie not in cookies:
                known = ", ".join(f'"{n}"' for n in cookies) or "none"
                raise ApiFailure(
                    f'No cookie "{cookie}" to send as the header "{header}" to {url} (cookies here: {known}); '
                    "open a page of the app that sets it first"
                )
            headers[header] = cookies[cookie]
        options: dict[str, Any] = {
            "method": method,
            "headers": headers,
            "timeout": self.timeout_ms,
            "fail_on_status_code": False,
        }
        request_body = ""
        if json_body is not None:
            try:
                json.loads(json_body)
            except ValueError as exc:
                raise ApiFailure(f"The request body is not JSON ({exc}):\n{json_body[:SHOWN_BODY]}") from None
            headers.setdefault("Content-Type", "application/json")
            options["data"] = json_body
            request_body = json_body
        elif form is not None:
            options["form"] = dict(form)
            request_body = "&".join(f"{k}={v}" for k, v in form.items())
        started = time.perf_counter()
        try:
            response: APIResponse = self.context.request.fetch(url, **options)
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "Timeout" in reason or "timed out" in reason.lower():
                reason = f"no answer within {self.timeout_ms:.0f} ms (api_timeout)"
            raise ApiFailure(f"{method} {url}: the request failed: {reason}") from None
        elapsed = (time.perf_counter() - started) * 1000
        try:
            body = response.body()
        finally:
            response.dispose()
        exchange = Exchange(
            method, url, response.status, response.status_text, dict(response.headers), body, elapsed
        )
        self.last = exchange
        self._attach(exchange, headers, request_body)
        return exchange

    def response(self) -> Exchange:
        if self.last is None:
            raise ApiFailure(
                'No request was sent in this scenario yet: send one first (I send a GET request to "...")'
            )
        return self.last

    def _cookie_values(self) -> list[str]:
        values = sorted(
            {c["value"] for c in self.context.cookies() if len(c["value"]) >= 4}, key=len, reverse=True
        )
        if self.on_secret is not None:
            for value in values:
                self.on_secret(value)
        return values

    def _attach(self, exchange: Exchange, sent_headers: Mapping[str, str], request_body: str) -> None:
        secrets = self._cookie_values()
        masked_names = {h.lower() for h in self.cookie_headers}

        def masked_headers(headers: Mapping[str, str]) -> str:
            lines = []
            for name, value in headers.items():
                lowered = name.lower()
                if lowered in _SENSITIVE_HEADERS or lowered in masked_names or _SECRET_HEADER.search(lowered):
                    value = MASK
                lines.append(f"{name}: {value}")
            return "\n".join(lines)

        def masked(text: str) -> str:
            for value in secrets:
                text = text.replace(value, MASK)
            return text

        body = exchange.text()
        if len(body) > ATTACHED_BODY:
            body = body[:ATTACHED_BODY] + f"\n… ({len(exchange.body)} bytes in all)"
        record = (
            f"{exchange.method} {exchange.url}\n{masked_headers(sent_headers)}\n\n{masked(request_body)}\n\n"
            f"--- {exchange.status} {exchange.status_text} in {exchange.elapsed_ms:.0f} ms\n"
            f"{masked_headers(exchange.headers)}\n\n{masked(body)}"
        )
        path = urlsplit(exchange.url).path or "/"
        allure.attach(
            record,
            name=f"{exchange.method} {path} -> {exchange.status}",
            attachment_type=allure.attachment_type.TEXT,
        )


# -- checks (public: custom steps reuse them) --------------------------------------------


def _about(exchange: Exchange) -> str:
    return f"{exchange.method} {exchange.url} answered {exchange.status}"


def send_request(
    api: ApiClient,
    method: str,
    path: str,
    docstring: str | None = None,
    datatable: list[list[str]] | None = None,
) -> Exchange:
    form = None
    if datatable is not None:
        rows = (
            datatable[1:]
            if datatable and [c.strip().lower() for c in datatable[0]] == ["field", "value"]
            else datatable
        )
        bad = [row for row in rows if len(row) != 2]
        if bad:
            raise ApiFailure(f"The form table has a row of {len(bad[0])} cell(s): write | field | value |")
        form = {name: value for name, value in rows}
    return api.send(method, path, json_body=docstring, form=form)


def response_status_is(api: ApiClient, status: int) -> None:
    exchange = api.response()
    if exchange.status != status:
        raise ApiFailure(
            f"Expected status {status}, got {exchange.status}: {exchange.method} {exchange.url}\n{exchange.shown_body()}"
        )


def response_json_is(api: ApiClient, path: str, value: str) -> None:
    exchange = api.response()
    found = json_at(exchange.json(), path)
    if as_text(found) != value:
        raise ApiFailure(
            f'Expected the response JSON at "{path}" to be "{value}", found {short(found)} ({_about(exchange)})\n{exchange.shown_body()}'
        )


def response_json_has_items(api: ApiClient, path: str, count: int) -> None:
    exchange = api.response()
    found = json_at(exchange.json(), path)
    if not isinstance(found, list | dict):
        raise ApiFailure(
            f'Expected the response JSON at "{path}" to have {count} item(s), but it is {kind_of(found)} ({_about(exchange)})'
        )
    if len(found) != count:
        raise ApiFailure(
            f'Expected the response JSON at "{path}" to have {count} item(s), it has {len(found)} ({_about(exchange)})\n{exchange.shown_body()}'
        )


def response_json_matches(api: ApiClient, expected_text: str) -> None:
    try:
        expected = json.loads(expected_text)
    except ValueError as exc:
        raise ApiFailure(f"The expected JSON is not JSON ({exc}):\n{expected_text[:SHOWN_BODY]}") from None
    exchange = api.response()
    problems = json_matches(expected, exchange.json())
    if problems:
        raise ApiFailure(
            f"The response JSON does not match: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            + f" ({_about(exchange)})\n"
            + "\n".join(problems[1:20])
            + f"\n{exchange.shown_body()}"
        )


# -- the fixture and the phrases -----------------------------------------------------------


@pytest.fixture
def api(
    context: BrowserContext, base_url: str, e2e_settings: Any, e2e_secret_sink: Any
) -> Iterator[ApiClient]:
    """The scenario's API client, on its browser context (cookies shared with the page);
    every cookie value it sees goes to the runner's secrets (``e2e_secret_sink``)."""
    client = ApiClient(
        context=context,
        base_url=base_url,
        timeout_ms=float(e2e_settings.api_timeout),
        on_secret=e2e_secret_sink,
    )
    yield client
    # Form tokens (Django's csrfmiddlewaretoken) are in the pages' snapshots of the trace too.
    for value in _form_tokens(context):
        e2e_secret_sink(value)


_FORM_TOKENS = (
    "input[type=hidden][name*=csrf i], input[type=hidden][name*=xsrf i], input[type=hidden][name*=token i]"
)


def _form_tokens(context: BrowserContext) -> list[str]:
    values: list[str] = []
    for page in context.pages:
        try:
            values += page.eval_on_selector_all(
                _FORM_TOKENS,
                "els => els.map(e => e.value)",
            )
        except PlaywrightError:
            continue  # a closed or crashed page has no form left to read
    return [v for v in values if isinstance(v, str) and len(v) >= 4]


_METHOD = "|".join(METHODS)


@step(parsers.re(rf'I send an? (?P<method>{_METHOD}) request to "(?P<path>[^"]*)"'))
def _send(api: ApiClient, method: str, path: str) -> None:
    send_request(api, method, path)


@step(parsers.re(rf'I send an? (?P<method>{_METHOD}) request to "(?P<path>[^"]*)" with:'))
def _send_with(
    api: ApiClient,
    method: str,
    path: str,
    docstring: str | None = None,
    datatable: list[list[str]] | None = None,
) -> None:
    if docstring is None and datatable is None:
        raise ApiFailure(
            f'"I send a {method} request to "{path}" with:" needs a doc string (JSON) or a | field | value | table below it'
        )
    send_request(api, method, path, docstring, datatable)


@step(phrase('requests send the cookie "{cookie}" as the header "{header}"'))
def _cookie_as_header(api: ApiClient, cookie: str, header: str) -> None:
    api.cookie_headers[header] = cookie


@step(phrase('requests send the header "{header}" with "{value}"'))
def _send_header(api: ApiClient, header: str, value: str) -> None:
    api.headers[header] = value


@step(phrase("the response status is {status:d}"))
def _status_is(api: ApiClient, status: str) -> None:
    response_status_is(api, int(status))


@step(phrase('the response JSON at "{path}" is "{value}"'))
def _json_is(api: ApiClient, path: str, value: str) -> None:
    response_json_is(api, path, value)


@step(parsers.re(r'the response JSON at "(?P<path>[^"]*)" has (?P<count>\d+) items?'))
def _json_has_items(api: ApiClient, path: str, count: str) -> None:
    response_json_has_items(api, path, int(count))


@step(phrase("the response JSON matches:"))
def _json_matches(api: ApiClient, docstring: str) -> None:
    response_json_matches(api, docstring)


@step(remembers(phrase('I remember the response JSON at "{path}" as "{name}"'), "name"))
def _remember_json(api: ApiClient, scenario_memory: ScenarioMemory, path: str, name: str) -> None:
    scenario_memory.remember(name, as_text(json_at(api.response().json(), path)))
