"""The public verifier in a real browser: lookup by number + name, and the offline VC1 check."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(settings, tmp_path):
    from zhijiao.core.testing import World
    from zhijiao.credentials import services, signing
    from zhijiao.credentials.tests.conftest import make_graduate

    settings.CREDENTIALS_KEY_DIR = tmp_path / "keys"
    signing._private_cache.clear()
    world = World()
    g = make_graduate(school=world.school_a, offering=world.offering_a, name="赵孟𫖯")
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    return cert


def test_lookup_by_number_and_name(page, published):
    page.goto("/verify/")
    page.fill("#by-number input[name=number]", published.number)
    page.fill("#by-number input[name=name]", "赵孟𫖯")
    page.click("#by-number button[type=submit]")
    result = page.locator("[data-result]")
    assert result.get_attribute("data-result") == "valid"
    assert "赵孟𫖯" in result.inner_text()
    assert published.graduation.enrolment.student.id_number not in page.content()
    assert page.console_errors == []


def test_mobile_viewport_and_code_tab(page, published):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/verify/")
    page.click("a[href='#by-code']")
    page.fill("#by-code input[name=code]", published.verify_code)
    page.click("#by-code button[type=submit]")
    assert page.locator("[data-result]").get_attribute("data-result") == "valid"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_offline_signature_check_in_the_browser(page, published):
    page.goto("/verify/qr/")
    page.fill("#id_payload", published.signed_qr)
    page.click("#verify-offline")
    out = page.locator("#offline-result")
    out.wait_for(state="visible")
    assert out.get_attribute("data-result") == "signature_valid_offline", out.inner_text()
    assert "赵孟𫖯" in out.inner_text()
    # One changed character: refused.
    tampered = (
        published.signed_qr[:-6] + ("0" if published.signed_qr[-6] != "0" else "1") + published.signed_qr[-5:]
    )
    page.fill("#id_payload", tampered)
    page.click("#verify-offline")
    page.wait_for_function(
        "document.getElementById('offline-result').dataset.result === 'signature_invalid_offline'"
    )
    # The server check agrees.
    page.fill("#id_payload", published.signed_qr)
    page.click("#qr-form button[type=submit]")
    assert page.locator("[data-result=signature_valid]").is_visible()
    assert page.console_errors == []
