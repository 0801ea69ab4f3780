"""Steps that know the demo bookshop, and the Japanese phrases of the Japanese feature.

English, specific to the demo app:

==================================================================  ==========
Phrase                                                              Keywords
==================================================================  ==========
``I am logged in as "demo"``                                        Given
``I sign in as "demo" with password "s3cret"``                      Given/When
``I have entered my details as "Ada Lovelace" with email "a@b.c"``  Given/When
``I have chosen "Science" as my favourite genre``                   Given/When
``the review shows:`` + table ``| field | value |``                 Then
==================================================================  ==========

Japanese (``# language: ja``; 前提/もし/ならば/かつ). Each phrase calls the same function
as its English twin in ``runner.steps.web``, so both languages behave alike:

====================================================  ===================================
Phrase                                                English twin
====================================================  ===================================
``「/ja」を開く``                                     ``I open "/ja"``
``「送信する」ボタンをクリックする``                  ``I click the "送信する" button``
``「ホーム」リンクをクリックする``                    ``I click the "ホーム" link``
``「お名前」に「山田 太郎」と入力する``               ``I fill in "お名前" with "山田 太郎"``
``「ようこそ」と表示される``                          ``I see "ようこそ"``
``「エラー」と表示されない``                          ``I do not see "エラー"``
``見出し「送信完了」が表示される``                    ``I see the heading "送信完了"``
``エラー「お名前を入力してください。」が表示される``  ``I see the alert "..."``
``ページタイトルが「ようこそ · デモ書店」である``     ``the page title is "..."``
``URLが「/ja/contact」で終わる``                      ``the URL ends with "/ja/contact"``
``リスト「お知らせ一覧」に3件の項目がある``           ``the list "お知らせ一覧" has 3 items``
``テストID「intro-ja」の要素に「...」と表示される``   ``the element with test id ... has text``
``「ホーム」という名前でスクリーンショットを撮る``    ``I take a screenshot named "ホーム"``
====================================================  ===================================
"""

from __future__ import annotations

from playwright.sync_api import Page
from pytest_bdd import given, step, then, when

from runner.demo_app import USERS
from runner.steps import web
from runner.steps.web import Evidence, phrase

__all__ = ["choose_genre", "enter_details", "review_shows", "sign_in"]

# Review rows of the sign-up wizard, by the label a reader sees next to each value.
_REVIEW_TEST_IDS = {
    "name": "review-name",
    "email": "review-email",
    "favourite genre": "review-genre",
    "delivery": "review-delivery",
    "newsletter": "review-newsletter",
}


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the form, as a user would, and wait for the account page."""
    web.open_path(page, "/login")
    web.fill_by_label(page, "Username", username)
    web.fill_by_label(page, "Password", password)
    web.click_button(page, "Sign in")
    web.url_ends_with(page, "/account")


def enter_details(page: Page, name: str, email: str) -> None:
    """Complete step 1 of the sign-up wizard and wait for step 2."""
    web.open_path(page, "/signup")
    web.fill_by_label(page, "Full name", name)
    web.fill_by_label(page, "Email", email)
    web.click_button(page, "Next")
    web.see_heading(page, "Your preferences")


def choose_genre(page: Page, genre: str) -> None:
    """Complete step 2 of the sign-up wizard and wait for the review."""
    web.select_option(page, "Favourite genre", genre)
    web.click_button(page, "Next")
    web.see_heading(page, "Review and confirm")


def review_shows(page: Page, rows: list[list[str]]) -> None:
    """Check the review step of the wizard from ``| field | value |`` rows."""
    for label, value in web.field_value_rows(rows, "review"):
        test_id = _REVIEW_TEST_IDS.get(label.strip().lower())
        if test_id is None:
            known = ", ".join(sorted(_REVIEW_TEST_IDS))
            raise ValueError(f'the review has no row "{label}"; it has: {known}')
        web.element_has_text(page, test_id, value)


# -- English ---------------------------------------------------------------------------


@given(phrase('I am logged in as "{username}"'))
def _logged_in_as(page: Page, username: str) -> None:
    if username not in USERS:
        raise ValueError(f'the demo app has no user "{username}"; it has: {", ".join(sorted(USERS))}')
    sign_in(page, username, USERS[username][0])


@given(phrase('I sign in as "{username}" with password "{password}"'))
@when(phrase('I sign in as "{username}" with password "{password}"'))
def _sign_in(page: Page, username: str, password: str) -> None:
    sign_in(page, username, password)


@given(phrase('I have entered my details as "{name}" with email "{email}"'))
@when(phrase('I have entered my details as "{name}" with email "{email}"'))
def _enter_details(page: Page, name: str, email: str) -> None:
    enter_details(page, name, email)


@given(phrase('I have chosen "{genre}" as my favourite genre'))
@when(phrase('I have chosen "{genre}" as my favourite genre'))
def _choose_genre(page: Page, genre: str) -> None:
    choose_genre(page, genre)


@then(phrase("the review shows:"))
def _review_shows(page: Page, datatable: list[list[str]]) -> None:
    review_shows(page, datatable)


# -- Japanese --------------------------------------------------------------------------


@given(phrase("「{path}」を開く"))
@when(phrase("「{path}」を開く"))
def _ja_open(page: Page, base_url: str, path: str) -> None:
    web.open_path(page, path, base_url)


@given(phrase("「{name}」ボタンをクリックする"))
@when(phrase("「{name}」ボタンをクリックする"))
def _ja_click_button(page: Page, name: str) -> None:
    web.click_button(page, name)


@given(phrase("「{name}」リンクをクリックする"))
@when(phrase("「{name}」リンクをクリックする"))
def _ja_click_link(page: Page, name: str) -> None:
    web.click_link(page, name)


@given(phrase("「{label}」に「{value}」と入力する"))
@when(phrase("「{label}」に「{value}」と入力する"))
def _ja_fill_by_label(page: Page, label: str, value: str) -> None:
    web.fill_by_label(page, label, value)


@then(phrase("「{text}」と表示される"))
def _ja_see_text(page: Page, text: str) -> None:
    web.see_text(page, text)


@then(phrase("「{text}」と表示されない"))
def _ja_does_not_see_text(page: Page, text: str) -> None:
    web.does_not_see_text(page, text)


@then(phrase("見出し「{name}」が表示される"))
def _ja_see_heading(page: Page, name: str) -> None:
    web.see_heading(page, name)


@then(phrase("エラー「{text}」が表示される"))
def _ja_see_alert(page: Page, text: str) -> None:
    web.see_alert(page, text)


@then(phrase("ページタイトルが「{title}」である"))
def _ja_title_is(page: Page, title: str) -> None:
    web.title_is(page, title)


@then(phrase("URLが「{suffix}」で終わる"))
def _ja_url_ends_with(page: Page, suffix: str) -> None:
    web.url_ends_with(page, suffix)


@then(phrase("リスト「{name}」に{count:d}件の項目がある"))
def _ja_list_has_items(page: Page, name: str, count: str) -> None:
    web.list_has_items(page, name, int(count))


@then(phrase("テストID「{test_id}」の要素に「{text}」と表示される"))
def _ja_element_has_text(page: Page, test_id: str, text: str) -> None:
    web.element_has_text(page, test_id, text)


@step(phrase("「{name}」という名前でスクリーンショットを撮る"))
def _ja_take_screenshot(evidence: Evidence, name: str) -> None:
    web.take_screenshot(evidence, name)
