import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import TEST_PASSWORD

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
HOME = reverse("core:home")

pytestmark = pytest.mark.django_db


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


class TestHeaders:
    def test_login_page(self, client):
        assert_security_headers(client.get(LOGIN))

    def test_signed_in_pages_and_errors(self, login, client, world):
        login(world["jinan"])
        for url in (
            HOME,
            reverse("accounts:user_list"),
            reverse("accounts:user_detail", args=[world["jinan"].pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_security_headers(response)
        assert_security_headers(client.get(reverse("accounts:user_detail", args=[world["school_b"].pk])))

    def test_redirects_carry_them_too(self, client):
        response = client.get(reverse("accounts:user_list"))
        assert response.status_code == 302
        assert_security_headers(response)

    def test_account_pages_have_no_inline_script(self, client, login, world):
        pages = [client.get(LOGIN)]
        login(world["jinan"])
        pages += [
            client.get(reverse("accounts:user_list")),
            client.get(reverse("accounts:user_detail", args=[world["school_a"].pk])),
            client.get(reverse("accounts:user_roles", args=[world["school_a"].pk])),
            client.get(reverse("accounts:user_add")),
            client.get(reverse("accounts:token")),
            client.get(reverse("accounts:password_change")),
        ]
        for response in pages:
            scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
            assert all("src=" in attrs or "application/json" in attrs for attrs in scripts), scripts

    def test_session_cookie_is_http_only(self, client, world):
        response = client.post(LOGIN, {"username": "school_a", "password": TEST_PASSWORD})
        cookie = response.cookies["sessionid"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"

    def test_sign_in_pages_are_not_cached(self, client):
        assert (
            "no-cache" in client.get(LOGIN)["Cache-Control"]
            or "max-age=0" in client.get(LOGIN)["Cache-Control"]
        )


class TestCSRF:
    @pytest.fixture
    def csrf_client(self):
        return Client(enforce_csrf_checks=True)

    def token(self, client, url=LOGIN) -> str:
        client.get(url)
        return client.cookies["csrftoken"].value

    def test_login_without_token_is_refused(self, csrf_client, world):
        response = csrf_client.post(LOGIN, {"username": "school_a", "password": TEST_PASSWORD})
        assert response.status_code == 403
        assert SESSION_KEY not in csrf_client.session

    def test_login_with_token_works(self, csrf_client, world):
        token = self.token(csrf_client)
        response = csrf_client.post(
            LOGIN, {"username": "school_a", "password": TEST_PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
        assert csrf_client.session[SESSION_KEY] == str(world["school_a"].pk)

    def test_logout_without_token_is_refused(self, csrf_client, world):
        csrf_client.force_login(world["school_a"])
        assert csrf_client.post(LOGOUT).status_code == 403
        assert csrf_client.session[SESSION_KEY] == str(world["school_a"].pk)

    def test_forms_without_token_are_refused(self, csrf_client, world):
        csrf_client.force_login(world["jinan"])
        target = world["school_a"]
        posts = [
            (reverse("accounts:user_edit", args=[target.pk]), {"display_name": "x"}),
            (reverse("accounts:user_active", args=[target.pk]), {"active": "0"}),
            (reverse("accounts:user_roles", args=[target.pk]), {"action": "revoke"}),
            (reverse("accounts:user_add"), {"username": "x"}),
            (reverse("accounts:token"), {}),
            (reverse("accounts:password_change"), {}),
        ]
        for url, data in posts:
            assert csrf_client.post(url, data).status_code == 403, url
        target.refresh_from_db()
        assert target.is_active and target.display_name == ""

    def test_token_in_header_works_for_htmx(self, csrf_client, world):
        csrf_client.force_login(world["school_a"])
        token = self.token(csrf_client, reverse("accounts:token"))
        assert csrf_client.post(LOGOUT, HTTP_X_CSRFTOKEN=token).status_code == 302


class TestNoLeaks:
    def test_pending_otp_step_grants_no_api_access(self, client, world):
        client.post(LOGIN, {"username": "province_admin", "password": TEST_PASSWORD})
        response = client.get("/api/v1/institutions/")
        assert response.status_code in (401, 403)

    def test_passwords_never_reach_the_audit_log(self, client, world):
        client.post(LOGIN, {"username": "school_a", "password": "Secret-Wr0ng!"})
        client.post(LOGIN, {"username": "school_a", "password": TEST_PASSWORD})
        dumped = " ".join(
            f"{e.before} {e.after} {e.message} {e.object_repr}" for e in AuditEntry.objects.all()
        )
        assert "Secret-Wr0ng!" not in dumped and TEST_PASSWORD not in dumped
        assert "pbkdf2" not in dumped and "md5$" not in dumped
