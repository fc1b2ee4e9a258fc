"""The API base: one error envelope, token and session auth, throttling, schema and docs."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from drf_spectacular.validation import validate_schema
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from zhijiao.core.api.urls import router
from zhijiao.core.testing_api import api_client, assert_error, fresh_throttles, result_ids, url  # noqa: F401
from zhijiao.orgs.models import Institution

pytestmark = pytest.mark.django_db


def _body(world, **extra):
    return {"name": "济南新建职业学校", "kind": "secondary", "region": world.lixia.pk, **extra}


class TestEnvelope:
    def test_401_anonymous_with_a_token_challenge(self, world):
        response = api_client().get(url("institutions"))
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"

    def test_401_bad_token(self, world):
        response = api_client().get(url("institutions"), HTTP_AUTHORIZATION="Token nope")
        assert_error(response, 401, "authentication_failed")

    def test_403_and_404(self, world):
        client = api_client(world["school_a"])
        assert_error(client.delete(url("institutions", world.school_a.pk)), 403, "permission_denied")
        assert_error(client.get(url("institutions", world.school_b.pk)), 404, "not_found")
        assert_error(client.get(url("institutions", "not-a-number")), 404, "not_found")

    def test_405(self, world):
        assert_error(api_client(world["jinan"]).put(url("institutions"), {}), 405, "method_not_allowed")

    def test_400_malformed_json(self, world):
        response = api_client(world["jinan"]).post(
            url("institutions"), data="{not json", content_type="application/json"
        )
        assert_error(response, 400, "parse_error")

    def test_415_unsupported_media_type(self, world):
        response = api_client(world["jinan"]).post(url("institutions"), data="x", content_type="text/csv")
        assert_error(response, 415, "unsupported_media_type")

    def test_400_field_errors_are_lists_per_field(self, world):
        response = api_client(world["jinan"]).post(url("institutions"), {"kind": "nonsense"}, format="json")
        error = assert_error(response, 400, "invalid")
        assert set(error["details"]) >= {"name", "kind", "region"}
        assert all(isinstance(v, list) and v for v in error["details"].values())

    def test_service_validation_error_maps_to_non_field_errors(self, world):
        response = api_client(world["jinan"]).post(
            url("institutions"), _body(world, name="济南第一职业中专"), format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]["non_field_errors"]

    def test_429_throttled_with_retry_after(self, world, monkeypatch):
        monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
        monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
        client = api_client(world["jinan"])
        for _ in range(2):
            assert client.get(url("regions")).status_code == 200
        response = client.get(url("regions"))
        error = assert_error(response, 429, "throttled")
        assert error["details"]["wait_seconds"] > 0
        assert int(response["Retry-After"]) > 0


class TestAuthentication:
    def test_token_header(self, world):
        assert result_ids(api_client(world["jinan"]).get(url("institutions"))) == {world.school_a.pk}

    def test_session_reads(self, world, login):
        client = login(world["jinan"])
        response = client.get(url("institutions"))
        assert result_ids(response) == {world.school_a.pk}

    def test_session_writes_need_csrf(self, world, login):
        client = login(world["jinan"])
        client.handler.enforce_csrf_checks = True
        refused = client.post(url("institutions"), _body(world), content_type="application/json")
        error = assert_error(refused, 403, "permission_denied")
        assert "CSRF" in error["message"]
        assert not Institution.objects.filter(name="济南新建职业学校").exists()

        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
        accepted = client.post(
            url("institutions"), _body(world), content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert accepted.status_code == 201, accepted.content
        assert Institution.objects.filter(name="济南新建职业学校").exists()

    def test_token_writes_need_no_csrf(self, world):
        response = api_client(world["jinan"]).post(url("institutions"), _body(world), format="json")
        assert response.status_code == 201, response.content

    def test_session_without_the_second_factor_gets_no_data(self, world, client):
        client.force_login(world["province_admin"])  # TOTP required for this role, not passed
        response = client.get(url("institutions"))
        assert response.status_code != 200

    def test_inactive_user_token_is_refused(self, world):
        user = world["jinan"]
        client = api_client(user)
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        assert_error(client.get(url("institutions")), 401, "authentication_failed")


class TestRouter:
    def test_every_resource_is_registered_with_kebab_case_plurals(self):
        prefixes = [prefix for prefix, _viewset, _basename in router.registry]
        assert set(prefixes) >= {
            "regions",
            "institutions",
            "major-categories",
            "major-classes",
            "majors",
            "offered-majors",
            "enterprises",
            "users",
            "audit-entries",
            "jobs",
        }
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", p) for p in prefixes)

    def test_api_root_needs_authentication(self, world):
        assert_error(api_client().get("/api/v1/"), 401)
        assert api_client(world["expert"]).get("/api/v1/").status_code == 200


class TestSchemaAndDocs:
    def test_schema_is_valid_openapi_3(self, world):
        response = api_client().get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert schema["openapi"].startswith("3.")
        validate_schema(schema)
        paths = schema["paths"]
        assert "/api/v1/institutions/{id}/" in paths
        assert "/api/v1/offered-majors/{id}/suspend/" in paths
        assert "/api/docs/" not in paths
        assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
        envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
        detail = paths["/api/v1/institutions/{id}/"]
        assert detail["get"]["responses"]["404"]["content"]["application/json"]["schema"] == envelope
        assert detail["patch"]["responses"]["400"]["content"]["application/json"]["schema"] == envelope
        assert "ordering" in {p["name"] for p in paths["/api/v1/institutions/"]["get"]["parameters"]}
        city = next(p for p in paths["/api/v1/institutions/"]["get"]["parameters"] if p["name"] == "city")
        assert city["schema"]["type"] == "integer"

    def test_spectacular_validate_passes_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
        assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")

    def test_docs_are_served_locally_under_the_csp(self, world):
        response = api_client().get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "://" not in html, "the docs page must not reference another host"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script breaks the CSP"
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        statics = [a for a in assets if a.startswith("/static/")]
        assert len(statics) >= 3
        for asset in statics:
            assert finders.find(asset.removeprefix("/static/")), asset
        script_url = next(a for a in assets if "script" in a and not a.startswith("/static/"))
        script = api_client().get(script_url.replace("&amp;", "&"))
        assert script.status_code == 200
        body = script.content.decode()
        assert '"validatorUrl": null' in body
        assert not re.search(r"https?://", body)
