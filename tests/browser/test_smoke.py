import json
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_login_page_renders_in_chinese(page):
    response = page.goto("/accounts/login/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang", timeout=1000).lower().startswith("zh")
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    # The title and the submit button are UI strings: they must come out of the zh_Hans catalogue.
    assert CJK.search(page.title()), page.title()
    button = page.locator("form button[type=submit], form input[type=submit]").first
    label = button.inner_text() or button.get_attribute("value") or ""
    assert CJK.search(label), label
    # Every asset is local and the CSP holds: no console errors (blocked scripts, missing files).
    assert page.console_errors == []


def test_vendored_assets_are_served(page):
    for path in (
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/vendor/htmx/htmx.min.js",
    ):
        response = page.request.get(path)
        assert response.status == 200, f"{path}: run `make assets`"


def test_healthz_in_browser(page):
    response = page.goto("/healthz")
    assert response.status == 200
    body = json.loads(page.locator("body").inner_text())
    assert body["status"] == "ok" and body["database"] == "ok"


def test_sign_in_helper_passes_totp_for_province_admin(page, sign_in, world):
    sign_in(world["province_admin"])
    assert "/accounts/" not in page.url, page.url
    # A second sign-in inside the same 30-second step still gets a code the device accepts.
    page.context.clear_cookies()
    sign_in(world["province_admin"])
    assert "/accounts/" not in page.url, page.url


def test_sign_in_helper_for_school_user(page, sign_in, world):
    sign_in(world["school_a"])
    assert "/accounts/" not in page.url, page.url


def test_an_english_browser_gets_chinese_and_the_switch_changes_it(browser, live_server, world):
    """A browser that asks for English (``en-US``) still gets the Chinese UI; the account menu's
    switch chooses English, and back (core.middleware.ChosenLanguageMiddleware)."""
    from tests.browser.conftest import TIMEOUT_MS
    from zhijiao.core.testing import TEST_PASSWORD

    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.fill("input[name=username]", world["school_a"].username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        assert CJK.search(page.title()), page.title()

        page.locator("header .dropdown-toggle").click()
        page.locator("form.language-switch button[value=en]").click()
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert not CJK.search(page.title()), page.title()
        assert page.locator("header").get_by_text("Sign out").count() == 1

        page.locator("header .dropdown-toggle").click()
        page.locator("form.language-switch button[value=zh-hans]").click()
        page.wait_for_function("document.documentElement.lang === 'zh-hans'")
        assert CJK.search(page.title()), page.title()
    finally:
        context.close()
