"""The step library (``steps/``) through real pytest runs against the demo app in Chromium.

Each test writes a small project into a temp dir (a ``pyproject.toml``, a copy of the
repository's ``steps/`` and some ``.feature`` files) and runs pytest on it in a
subprocess, as a user would; the e2e plugin starts the demo app and the browser.
"""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pytest_bdd.steps import step_function_context_registry

from runner.serving import serve_in_background
from tests.support import DATA
from tests.support.browser import chromium

REPO = Path(__file__).resolve().parents[1]


def _step_module(name: str) -> ModuleType:
    # steps/ is a top-level package of the project, not of the installed distribution.
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module(name)


web_steps = importlib.import_module("runner.steps.web")
demo_steps = _step_module("steps.demo_app")

# Failing checks should fail fast here; the value is passed to the plugin as a flag.
SHORT_EXPECT_TIMEOUT = ["--expect-timeout", "1500"]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("E2E_BASE_URL", raising=False)  # the bundled demo app is the target
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "step-library-check"\nversion = "0"\n\n[tool.e2e]\nbase_url = "demo"\n',
    )
    shutil.copytree(REPO / "steps", pytester.path / "steps", ignore=shutil.ignore_patterns("__pycache__"))
    return pytester


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("-p", "no:cacheprovider", "-v", *args)


def _evidence_files(project: pytest.Pytester) -> list[str]:
    return sorted(p.name for p in project.path.glob("reports/*/evidence/*/*") if p.is_file())


# -- passing runs ---------------------------------------------------------------------------


GENERIC_FEATURE = '''
Feature: Every generic step against the demo app

  Scenario: Navigation, headings, title, URL and lists
    Given I open "/"
    Then the page title is "Home · Demo Bookshop"
    And the page title contains "Demo Bookshop"
    And I see the heading "Welcome to the Demo Bookshop"
    And I see "Opening hours"
    And I do not see "Page not found"
    And the element with test id "intro" contains "monthly picks"
    And the element with test id "brand" is visible
    And the list "Features" has 4 items
    And I see the text:
      """
      Saturday: 10:00 to 16:00
      Sunday: closed
      """
    When I click the "Sign up" link
    Then the URL ends with "/signup"
    And the URL contains "/sign"
    When I click "Sign in"
    Then I see the heading "Sign in"
    And I take a screenshot named "sign in form"

  Scenario: Forms by label, placeholder, option, check box and data table
    Given I open "/signup"
    When I fill in "Full name" with "Ada Lovelace"
    And I fill in the placeholder "you@example.com" with "ada@example.com"
    And I press "Enter"
    Then the element with test id "wizard-progress" has text "Step 2 of 3"
    When I select "History" from "Favourite genre"
    And I check "Send me the monthly newsletter"
    And I uncheck "Send me the monthly newsletter"
    And I check "Express delivery"
    Then the field "Favourite genre" has the value "history"
    When I fill in the form:
      | field                          | value   |
      | Favourite genre                | Science |
      | Send me the monthly newsletter | yes     |
      | Standard delivery              | yes     |
    And I click the "Next" button
    Then the element with test id "review-genre" has text "Science"
    And the element with test id "review-newsletter" has text "Yes"
    And the element with test id "review-delivery" has text "Standard"
    And the element with test id "signup-complete" is hidden

  Scenario: Validation messages are alerts
    Given I open "/login"
    When I click the "Sign in" button
    Then I see the alert "Please enter your username and password."
'''

JAPANESE_FEATURE = """# language: ja
機能: 日本語のステップ
  シナリオ: 日本語の手順は英語と同じ関数で動く
    前提 「/ja/contact」を開く
    もし 「送信する」ボタンをクリックする
    ならば エラー「お名前を入力してください。」が表示される
    かつ URLが「/ja/contact」で終わる
    もし 「お名前」に「山田 花子」と入力する
    かつ 「メールアドレス」に「hanako@example.jp」と入力する
    かつ 「お問い合わせ内容」に「営業時間を教えてください。」と入力する
    かつ 「送信する」ボタンをクリックする
    ならば 見出し「送信完了」が表示される
    かつ テストID「contact-thanks」の要素に「山田 花子様、お問い合わせありがとうございました。」と表示される
    かつ 「お名前を入力してください。」と表示されない
    かつ ページタイトルが「送信完了 · デモ書店」である
    もし 「ホームに戻る」リンクをクリックする
    ならば リスト「お知らせ一覧」に3件の項目がある
    かつ 「完了後」という名前でスクリーンショットを撮る
"""

DEMO_APP_FEATURE = """
Feature: Demo app steps
  Scenario: Logged in through the helper step
    Given I am logged in as "demo"
    Then I see the heading "Welcome, Demo User!"

  Scenario: Signed in with a given password
    When I sign in as "ada" with password "analytical-engine"
    Then I see the heading "Welcome, Ada Lovelace!"

  Scenario: Wizard helper steps
    Given I have entered my details as "Mary Jackson" with email "mary@example.com"
    And I have chosen "Fiction" as my favourite genre
    Then the review shows:
      | field           | value            |
      | Name            | Mary Jackson     |
      | Email           | mary@example.com |
      | Favourite genre | Fiction          |
      | Newsletter      | No               |
"""


def test_generic_japanese_and_demo_steps_pass(project: pytest.Pytester) -> None:
    project.makefile(".feature", generic=GENERIC_FEATURE, japanese=JAPANESE_FEATURE, demo=DEMO_APP_FEATURE)
    result = _run(project, "generic.feature", "japanese.feature", "demo.feature")
    result.assert_outcomes(passed=7)
    files = _evidence_files(project)
    # The explicit screenshot steps, named as the feature asked (slugged for the file system).
    assert any(name.endswith("sign-in-form.png") for name in files), files
    assert sum(name.endswith(".png") for name in files) >= 6, files


AUTO_WAIT_FEATURE = """
Feature: Auto-waiting
  Scenario: The results list is filled after the search answers
    Given I open "/search"
    When I fill in "Search books" with "python"
    And I click the "Search" button
    Then the results have not arrived yet
    And the list "Results" has 3 items
    And the element with test id "search-status" has text "3 books found for “python”."

  Scenario: Text that appears late is seen
    Given I open "/search?q=martin"
    Then I see "Designing Data-Intensive Applications"

  Scenario: Text that disappears late is waited for
    Given I open "/search?q=python"
    Then the list "Results" has 3 items
    When I fill in "Search books" with "cobol"
    And I press "Enter"
    Then I do not see "Fluent Python"
    And I see "No books found for “cobol”."
"""

# A check that deliberately does NOT wait: it proves the delay is real, so the passing
# checks after it passed because the library waited, not because the page was quick.
NOT_YET_CONFTEST = (DATA / "not_yet_conftest.py").read_text(encoding="utf-8")


def test_checks_wait_for_the_delayed_search_results(project: pytest.Pytester) -> None:
    project.makeconftest(NOT_YET_CONFTEST)
    project.makefile(".feature", waiting=AUTO_WAIT_FEATURE)
    # The search answers after about 0.7 s: well inside even the short timeout, but
    # only for a check that waits.
    result = _run(project, "waiting.feature", *SHORT_EXPECT_TIMEOUT)
    result.assert_outcomes(passed=3)


# -- failing runs: readable messages -------------------------------------------------------

WRONG_FEATURE = """
Feature: Wrong expectations
  Scenario: Wrong text of a test id
    Given I open "/"
    Then the element with test id "intro" has text "Buy one, get one free"

  Scenario: Missing heading
    Given I open "/"
    Then I see the heading "Welcome to the Wrong Shop"

  Scenario: Too many results expected
    Given I open "/search?q=fowler"
    Then the list "Results" has 5 items

  Scenario: A visible text that should not be there
    Given I open "/login"
    Then I do not see "Password"

  Scenario: A wrong page title
    Given I open "/ja"
    Then the page title is "Welcome"

  Scenario: A checkbox in a form table
    Given I open "/login"
    When I fill in the form:
      | Remember me | perhaps |
"""


def test_wrong_expectations_fail_with_readable_messages(project: pytest.Pytester) -> None:
    project.makefile(".feature", wrong=WRONG_FEATURE)
    result = _run(project, "wrong.feature", *SHORT_EXPECT_TIMEOUT)
    result.assert_outcomes(failed=6)
    output = result.stdout.str()
    # Playwright's own assertion messages: what was expected, what the page had.
    result.stdout.fnmatch_lines(
        [
            "*Locator expected to have text 'Buy one, get one free'*",
            "*Actual value: Find your next book and get our monthly picks.*",
        ]
    )
    # A missing name says what the page has instead of Playwright's locator and snapshot.
    assert (
        'No heading named "Welcome to the Wrong Shop". Headings here: "Welcome to the Demo Bookshop"'
        in output
    )
    assert 'Still see "Password", in: ' in output
    assert re.search(r"Locator expected to have count '?5'?", output), output[-4000:]
    assert re.search(r"Actual value: 1\b", output)
    assert re.search(r"Page title expected to be 'Welcome'", output)
    assert "Actual value: ようこそ · デモ書店" in output
    assert '"Remember me" is a checkbox: use yes or no, not "perhaps"' in output
    # The failing step's screenshot is kept for every failed scenario.
    files = _evidence_files(project)
    assert sum("failed-step" in name for name in files) >= 6, files


# -- the phrase set itself (no browser) ----------------------------------------------------


def _definitions() -> list[tuple[str, str | None, object]]:
    found = []
    for module in (web_steps, demo_steps):
        for name, value in vars(module).items():
            if name.startswith("pytestbdd_stepdef_"):
                context = step_function_context_registry[value._get_wrapped_function()]
                found.append((module.__name__, context.type, context.parser))
    return found


def _documented_examples() -> list[str]:
    """The first ``code`` of each row in the phrase tables of the modules' docstrings."""
    examples = []
    for module in (web_steps, demo_steps):
        for line in (module.__doc__ or "").splitlines():
            match = re.match(r"``(.+?)``", line)
            if match:
                examples.append(match[1])
    return examples


def test_every_documented_phrase_matches_exactly_one_definition_per_keyword() -> None:
    definitions = _definitions()
    examples = _documented_examples()
    assert len(examples) >= 40
    for example in examples:
        matches = [(kind, parser.name) for _, kind, parser in definitions if parser.is_matching(example)]
        assert matches, f"documented phrase {example!r} matches no step definition"
        kinds = [kind for kind, _ in matches]
        duplicates = {kind for kind in kinds if kinds.count(kind) > 1}
        assert not duplicates, f"{example!r} is ambiguous: {matches}"


def test_every_definition_is_documented() -> None:
    examples = _documented_examples()
    for module, kind, parser in _definitions():
        assert any(parser.is_matching(e) for e in examples), (
            f"{module}: {kind} {parser.name!r} is not in the table"
        )


@pytest.mark.parametrize(
    ("template", "text", "expected"),
    [
        (
            'I fill in "{label}" with "{value}"',
            'I fill in "Password" with ""',
            {"label": "Password", "value": ""},
        ),
        ('the list "{name}" has {count:d} items', 'the list "R" has 12 items', {"name": "R", "count": "12"}),
        (
            "「{label}」に「{value}」と入力する",
            "「お名前」に「山田」と入力する",
            {"label": "お名前", "value": "山田"},
        ),
    ],
)
def test_phrase_captures_quoted_values(template: str, text: str, expected: dict[str, str]) -> None:
    assert web_steps.phrase(template).parse_arguments(text) == expected


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ('I click "{text}"', 'I click the "Next" button'),
        ('I see "{text}"', 'I see the heading "Sign in"'),
        ('the list "{name}" has {count:d} items', 'the list "R" has many items'),
        ("I open (x)", "I open x"),
    ],
)
def test_phrase_does_not_match_neighbouring_phrases(template: str, text: str) -> None:
    assert not web_steps.phrase(template).is_matching(text)


URL_CASES = [
    ("http://127.0.0.1:8000", "/login", "http://127.0.0.1:8000/login"),
    ("http://127.0.0.1:8000/", "login", "http://127.0.0.1:8000/login"),
    ("http://127.0.0.1:8000/shop", "/search?q=a", "http://127.0.0.1:8000/search?q=a"),
    ("http://127.0.0.1:8000/shop/", "search?q=a", "http://127.0.0.1:8000/shop/search?q=a"),
    ("http://127.0.0.1:8000/shop/", "/", "http://127.0.0.1:8000/"),
    ("http://127.0.0.1:8000/app/index.html", "/", "http://127.0.0.1:8000/"),
    ("http://127.0.0.1:8000/app/index.html", "item/2", "http://127.0.0.1:8000/app/item/2"),
    ("http://127.0.0.1:8000/shop", "http://127.0.0.1:9/x", "http://127.0.0.1:9/x"),
]


@pytest.mark.parametrize(("base_url", "path", "expected"), URL_CASES)
def test_open_path_resolves_like_a_browser(base_url: str, path: str, expected: str) -> None:
    assert web_steps.url_for(base_url, path) == expected


def test_open_path_resolves_exactly_as_playwright_does(tmp_path: Path) -> None:
    """The same cases through Playwright's own resolution (a context's base_url and goto)."""
    import http.server

    class Any200(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<title>ok</title>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Any200)
    port = server.server_address[1]
    serve_in_background(server)
    try:
        with chromium(tmp_path) as browser:
            for base, path, _ in URL_CASES:
                if path.startswith("http://127.0.0.1:9"):
                    continue  # nothing listens there: the absolute case is checked above
                base = base.replace(":8000", f":{port}")
                context = browser.new_context(base_url=base)
                page = context.new_page()
                page.goto(path)
                assert page.url == web_steps.url_for(base, path), (base, path)
                context.close()
    finally:
        server.shutdown()


# -- the library ships with the runner -----------------------------------------------------


def test_the_step_library_is_registered_without_any_steps_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project with no steps/ at all (a team's first feature) gets every generic phrase."""
    monkeypatch.delenv("E2E_BASE_URL", raising=False)
    pytester.makefile(
        ".toml", pyproject='[project]\nname = "no-steps"\nversion = "0"\n\n[tool.e2e]\nbase_url = "demo"\n'
    )
    pytester.makefile(
        ".feature",
        home='Feature: Home\n  Scenario: Opens\n    Given I open "/"\n    Then I see the heading "Welcome to the Demo Bookshop"\n',
    )
    result = _run(pytester, "home.feature")
    result.assert_outcomes(passed=1)


def test_the_step_library_can_be_turned_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("E2E_BASE_URL", raising=False)
    pytester.makefile(
        ".toml",
        pyproject='[project]\nname = "own-steps-only"\nversion = "0"\n\n[tool.e2e]\nstep_library = false\nbase_url = "demo"\n',
    )
    pytester.makefile(".feature", home='Feature: Home\n  Scenario: Opens\n    Given I open "/"\n')
    result = _run(pytester, "home.feature")
    result.assert_outcomes(failed=1)
    assert 'Given I open "/"' in result.stdout.str()
    assert "step definition" in result.stdout.str().lower()
