"""The verification address printed on certificates follows the served address; production must set it."""

from django.core import checks

from zhijiao.credentials import apps, printing


def test_production_without_an_address_fails_the_system_check(settings):
    settings.DEBUG = False
    settings.CREDENTIALS_VERIFY_BASE_URL = ""
    errors = apps.check_verify_base_url()
    assert [e.id for e in errors] == ["credentials.E001"] and errors[0].level == checks.ERROR
    settings.CREDENTIALS_VERIFY_BASE_URL = "https://zhijiao.example.gov.cn"
    assert apps.check_verify_base_url() == []
    settings.DEBUG, settings.CREDENTIALS_VERIFY_BASE_URL = True, ""
    assert apps.check_verify_base_url() == []


def test_the_demo_derives_the_address_from_its_port(monkeypatch):
    import importlib

    import config.settings as module

    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.setenv("PORT", "8731")
    monkeypatch.delenv("CREDENTIALS_VERIFY_BASE_URL", raising=False)
    try:
        assert importlib.reload(module).CREDENTIALS_VERIFY_BASE_URL == "http://127.0.0.1:8731"
        monkeypatch.setenv("DJANGO_DEBUG", "0")
        monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
        assert importlib.reload(module).CREDENTIALS_VERIFY_BASE_URL == ""
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_printing_uses_the_current_address_not_the_stored_one(world, graduate, settings):
    from zhijiao.credentials import services

    cert = services.certificate_issue(actor=world["school_a"], graduation=graduate(), principal_name="李校长")
    assert cert.qr_link.startswith("https://xl.example.cn/verify/v/")
    same = printing.page_context(cert, with_photo=False)
    assert same["link"] == cert.qr_link
    settings.CREDENTIALS_VERIFY_BASE_URL = "http://127.0.0.1:8731"
    moved = printing.page_context(cert, with_photo=False)
    assert moved["link"].startswith("http://127.0.0.1:8731/verify/v/")
    assert moved["qr_link"] != same["qr_link"]
