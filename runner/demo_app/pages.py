"""HTML of the demo app's pages.

Pages are rendered here rather than kept as static files because several of them
carry per-request state (form errors, the signed-in user) and all share one layout.
Every value that comes from a request goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

SITE_NAME = "Demo Bookshop"
SITE_NAME_JA = "デモ書店"

# A data: URL stops the browser from requesting /favicon.ico, which would otherwise
# show up as a 404 in the console errors the runner attaches to each scenario.
_FAVICON = '<link rel="icon" href="data:,">'

_CURRENT = ' aria-current="page"'

_NAV_EN = (
    ("/", "Home"),
    ("/search", "Search"),
    ("/login", "Sign in"),
    ("/signup", "Sign up"),
    ("/ja", "日本語"),
)

_NAV_JA = (
    ("/ja", "ホーム"),
    ("/ja/contact", "お問い合わせ"),
    ("/", "English"),
)


def layout(
    title: str,
    body: str,
    *,
    current: str = "",
    lang: str = "en",
    scripts: tuple[str, ...] = (),
) -> str:
    """Wrap ``body`` in the shared page chrome: header, navigation and footer."""
    japanese = lang == "ja"
    site = SITE_NAME_JA if japanese else SITE_NAME
    nav_items = _NAV_JA if japanese else _NAV_EN
    links = "\n".join(
        f'        <li><a href="{href}"{_CURRENT if href == current else ""}>{escape(text)}</a></li>'
        for href, text in nav_items
    )
    nav_label = "メインメニュー" if japanese else "Main"
    footer = "デモ用のアプリケーションです。" if japanese else "A demo application for end-to-end tests."
    script_tags = "".join(f'\n  <script src="/static/{name}" defer></script>' for name in scripts)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)} · {escape(site)}</title>
  {_FAVICON}
  <link rel="stylesheet" href="/static/app.css">{script_tags}
</head>
<body>
  <header class="site-header">
    <a class="brand" href="{"/ja" if japanese else "/"}" data-testid="brand">{escape(site)}</a>
    <nav aria-label="{nav_label}">
      <ul>
{links}
      </ul>
    </nav>
  </header>
  <main id="main">
{body}
  </main>
  <footer class="site-footer"><p>{footer}</p></footer>
</body>
</html>
"""


def home() -> str:
    body = """    <h1>Welcome to the Demo Bookshop</h1>
    <p class="lead" data-testid="intro">Find your next book and get our monthly picks.</p>
    <section aria-labelledby="features-heading">
      <h2 id="features-heading">What you can do here</h2>
      <ul aria-label="Features">
        <li><a href="/search">Search the catalogue</a> by title or author</li>
        <li><a href="/login">Sign in</a> to see your account</li>
        <li><a href="/signup">Create an account</a> in three short steps</li>
        <li><a href="/ja">日本語のページ</a>を見る</li>
      </ul>
    </section>
    <section aria-labelledby="hours-heading">
      <h2 id="hours-heading">Opening hours</h2>
      <p>Monday to Friday: 9:00 to 18:00</p>
      <p>Saturday: 10:00 to 16:00</p>
      <p>Sunday: closed</p>
    </section>"""
    return layout("Home", body, current="/")


def login(*, error: str = "", username: str = "", notice: str = "") -> str:
    error_html = ""
    if error:
        error_html = f'\n      <p class="error" role="alert" data-testid="login-error">{escape(error)}</p>'
    notice_html = f'\n      <p class="notice" role="status">{escape(notice)}</p>' if notice else ""
    # novalidate: the server validates, so the app's own error message is what a test sees
    # instead of the browser's native tooltip, which no locator can reach.
    body = f"""    <h1>Sign in</h1>
    <form class="card" method="post" action="/login" novalidate aria-label="Sign in">{notice_html}{error_html}
      <p>
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username"
               placeholder="Your username" value="{escape(username)}">
      </p>
      <p>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password"
               placeholder="Your password">
      </p>
      <p>
        <input id="remember" name="remember" type="checkbox" value="yes">
        <label for="remember">Remember me</label>
      </p>
      <p><button type="submit">Sign in</button></p>
      <p>No account yet? <a href="/signup">Create an account</a></p>
    </form>"""
    return layout("Sign in", body, current="/login")


def account(*, username: str, display_name: str, remembered: bool) -> str:
    if remembered:
        session = "This device will remember you for 30 days."
    else:
        session = "You will be signed out when you close the browser."
    body = f"""    <h1>Welcome, {escape(display_name)}!</h1>
    <p data-testid="account-user">You are signed in as {escape(username)}.</p>
    <p data-testid="account-session">{escape(session)}</p>
    <section aria-labelledby="orders-heading">
      <h2 id="orders-heading">Recent orders</h2>
      <ul aria-label="Recent orders">
        <li>Order 1042: Fluent Python (delivered)</li>
        <li>Order 1057: Refactoring (on its way)</li>
      </ul>
    </section>
    <form method="post" action="/logout">
      <button type="submit">Sign out</button>
    </form>"""
    return layout("Your account", body)


def search() -> str:
    body = """    <h1>Search the catalogue</h1>
    <form class="card" id="search-form" role="search" aria-label="Catalogue">
      <label for="q">Search books</label>
      <input id="q" name="q" type="search" placeholder="Title or author" autocomplete="off">
      <button type="submit">Search</button>
    </form>
    <p role="status" data-testid="search-status" aria-live="polite"></p>
    <ul id="results" aria-label="Results" data-testid="results"></ul>"""
    return layout("Search", body, current="/search", scripts=("search.js",))


def signup() -> str:
    """The three-step sign-up wizard: long only because it is one page of markup, not logic."""
    body = """    <h1>Create your account</h1>
    <p data-testid="wizard-progress" aria-live="polite">Step 1 of 3</p>
    <form id="signup" class="card" novalidate>
      <p class="error" role="alert" data-testid="wizard-error" hidden></p>

      <section data-step="1" aria-labelledby="step1-heading">
        <h2 id="step1-heading">Your details</h2>
        <p>
          <label for="full-name">Full name</label>
          <input id="full-name" name="full_name" type="text" autocomplete="name" placeholder="Ada Lovelace">
        </p>
        <p>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" placeholder="you@example.com">
        </p>
        <p class="buttons"><button type="button" data-action="next">Next</button></p>
      </section>

      <section data-step="2" aria-labelledby="step2-heading" hidden>
        <h2 id="step2-heading">Your preferences</h2>
        <p>
          <label for="genre">Favourite genre</label>
          <select id="genre" name="genre">
            <option value="">Choose a genre</option>
            <option value="fiction">Fiction</option>
            <option value="science">Science</option>
            <option value="history">History</option>
            <option value="programming">Programming</option>
          </select>
        </p>
        <fieldset>
          <legend>Delivery</legend>
          <input id="delivery-standard" name="delivery" type="radio" value="Standard" checked>
          <label for="delivery-standard">Standard delivery</label>
          <input id="delivery-express" name="delivery" type="radio" value="Express">
          <label for="delivery-express">Express delivery</label>
        </fieldset>
        <p>
          <input id="newsletter" name="newsletter" type="checkbox" value="yes">
          <label for="newsletter">Send me the monthly newsletter</label>
        </p>
        <p class="buttons">
          <button type="button" data-action="back">Back</button>
          <button type="button" data-action="next">Next</button>
        </p>
      </section>

      <section data-step="3" aria-labelledby="step3-heading" hidden>
        <h2 id="step3-heading">Review and confirm</h2>
        <dl class="review">
          <dt>Name</dt><dd data-testid="review-name"></dd>
          <dt>Email</dt><dd data-testid="review-email"></dd>
          <dt>Favourite genre</dt><dd data-testid="review-genre"></dd>
          <dt>Delivery</dt><dd data-testid="review-delivery"></dd>
          <dt>Newsletter</dt><dd data-testid="review-newsletter"></dd>
        </dl>
        <p>
          <input id="terms" name="terms" type="checkbox" value="yes">
          <label for="terms">I accept the terms and conditions</label>
        </p>
        <p class="buttons">
          <button type="button" data-action="back">Back</button>
          <button type="submit">Create account</button>
        </p>
      </section>
    </form>

    <section id="signup-done" data-testid="signup-complete" aria-labelledby="done-heading" hidden>
      <h2 id="done-heading"></h2>
      <p data-testid="signup-message"></p>
      <p><a href="/login">Sign in</a></p>
    </section>"""
    return layout("Sign up", body, current="/signup", scripts=("signup.js",))


def japanese_home() -> str:
    body = """    <h1>デモ書店へようこそ</h1>
    <p class="lead" data-testid="intro-ja">このサイトは、エンドツーエンドテストのためのデモです。</p>
    <section aria-labelledby="news-heading">
      <h2 id="news-heading">お知らせ</h2>
      <ul aria-label="お知らせ一覧">
        <li>新刊「吾輩は猫である」（夏目漱石）が入荷しました。</li>
        <li>年末年始は十二月二十九日から一月三日まで休業いたします。</li>
        <li>送料は全国一律五百円です。</li>
      </ul>
    </section>
    <p><a href="/ja/contact">お問い合わせはこちら</a></p>"""
    return layout("ようこそ", body, current="/ja", lang="ja")


def japanese_contact(*, errors: tuple[str, ...] = (), values: dict[str, str] | None = None) -> str:
    values = values or {}
    error_html = ""
    if errors:
        items = "".join(f"<li>{escape(e)}</li>" for e in errors)
        error_html = (
            f'\n      <div class="error" role="alert" data-testid="contact-errors"><ul>{items}</ul></div>'
        )
    body = f"""    <h1>お問い合わせ</h1>
    <form class="card" method="post" action="/ja/contact" novalidate>{error_html}
      <p>
        <label for="name">お名前</label>
        <input id="name" name="name" type="text" placeholder="山田 太郎"
               value="{escape(values.get("name", ""))}">
      </p>
      <p>
        <label for="email">メールアドレス</label>
        <input id="email" name="email" type="email" placeholder="taro@example.jp"
               value="{escape(values.get("email", ""))}">
      </p>
      <p>
        <label for="message">お問い合わせ内容</label>
        <textarea id="message" name="message" rows="4">{escape(values.get("message", ""))}</textarea>
      </p>
      <p><button type="submit">送信する</button></p>
    </form>"""
    return layout("お問い合わせ", body, current="/ja/contact", lang="ja")


def japanese_contact_done(*, name: str) -> str:
    body = f"""    <h1>送信完了</h1>
    <p data-testid="contact-thanks">{escape(name)}様、お問い合わせありがとうございました。</p>
    <p>担当者より三営業日以内にご連絡いたします。</p>
    <p><a href="/ja">ホームに戻る</a></p>"""
    return layout("送信完了", body, lang="ja")


def slow(*, ms: int) -> str:
    body = f"""    <h1>Slow page</h1>
    <p data-testid="slow-delay">This page took {ms} ms to answer.</p>"""
    return layout("Slow page", body)


def server_error() -> str:
    body = """    <h1>Internal Server Error</h1>
    <p>Something went wrong on our side. This page fails on purpose.</p>"""
    return layout("Server error", body)


def not_found(path: str) -> str:
    body = f"""    <h1>Page not found</h1>
    <p>There is no page at <code>{escape(path)}</code>.</p>
    <p><a href="/">Back to the home page</a></p>"""
    return layout("Page not found", body)
