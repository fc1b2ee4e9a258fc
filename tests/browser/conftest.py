"""Playwright (sync API) on Debian's chromium against pytest-django's live_server.

Never `playwright install`: browser downloads fail here. `make test` installs Debian's chromium when
/usr/bin/chromium is missing. Mark browser tests with ``@pytest.mark.browser``.
"""

import os
import re
import time
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in this thread; Django's ORM would refuse to run next to it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 15_000
# The TOTP step's code field: named otp_token (django-otp's convention) or marked as a one-time code.
OTP_FIELD = "input[name=otp_token], input[autocomplete=one-time-code]"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server):
    """A page in a fresh browser context (own cookies), Chinese locale; a screenshot is kept on failure."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    failed = any(
        getattr(request.node, f"rep_{when}", None) and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
            (RESULTS_DIR / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # a crashed page must not hide the real failure
            print(f"screenshot failed: {exc!r}")
    context.close()
    # Check-ins made through the live server wait in the audit buffer for its writer thread: write
    # them now, while this test's rows exist and the database is open to it — the thread would
    # otherwise wake after the test and find the database closed to it (pytest-django).
    from zhijiao.internships.checkins import flush_audit

    flush_audit(stop=True)


def totp_code(device, offset: int = 0) -> str:
    """The current 6-digit code of a django_otp TOTPDevice (``offset`` steps ahead)."""
    from django_otp.oath import totp

    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return str(code).zfill(device.digits)


def fresh_totp_code(device) -> str:
    """A code the device will accept now: TOTPDevice refuses a time step it has already seen."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    last_t = device.last_t if device.last_t is not None else -1
    if last_t < now_t:
        return totp_code(device)
    if last_t < now_t + device.tolerance:
        return totp_code(device, offset=last_t + 1 - now_t)
    time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
    return fresh_totp_code(device)


def needs_otp(user) -> bool:
    from django.conf import settings

    from zhijiao.core.scoping import user_scope

    return user_scope(user).has_role(*settings.OTP_REQUIRED_ROLES)


@pytest.fixture
def sign_in(page):
    """``sign_in(user, password=TEST_PASSWORD)`` signs in through the real login form (and TOTP form).

    For a role that needs TOTP the user gets a confirmed TOTPDevice (when they have none) and the
    helper types the current code into the code field (``OTP_FIELD``). Returns the page, on the page after login.
    """

    def _sign_in(user, password=None, next_url=None):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from zhijiao.core.testing import TEST_PASSWORD

        device = None
        if needs_otp(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="browser-test", confirmed=True)
        url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
        page.goto(url)
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password or TEST_PASSWORD)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        if device is not None:
            field = page.locator(OTP_FIELD).first
            field.wait_for()
            field.fill(fresh_totp_code(device))
            with page.expect_navigation():
                field.press("Enter")
        return page

    return _sign_in


def choose(page, name: str, search: str, expect: str | None = None) -> None:
    """Pick in a search-as-you-type select (core.autocomplete, tom-select): type, click the suggestion."""
    select_id = page.locator(f"select[name={name}]").get_attribute("id")
    control = page.locator(f"#{select_id}-ts-control")
    control.click()
    control.fill(search)
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=expect or search).first.click()
    page.keyboard.press("Escape")
