"""Steps around a page stuck in a script loop (tests/test_faults_busy_page.py)."""

from playwright.sync_api import expect
from pytest_bdd import given, parsers, then, when


@given("a page whose script loops forever once it has loaded")
def _(page):
    page.set_content("<h1>Spinning</h1><script>setTimeout(() => { while (true) {} }, 200)</script>")
    page.wait_for_timeout(500)  # Python waits; the page's loop has begun


@when("the step asks the busy page for its title")
def _(page):
    page.evaluate("document.title")  # has no timeout of its own: never answers on a busy page


@given(parsers.parse('a page that says "{text}"'))
def _(page, text):
    page.set_content(f"<p>{text}</p>")


@then(parsers.parse('the page says "{text}"'))
def _(page, text):
    expect(page.locator("p")).to_have_text(text)


@when(parsers.parse("the step waits {seconds:d} seconds"))
def _(page, seconds):
    page.wait_for_timeout(seconds * 1000)
