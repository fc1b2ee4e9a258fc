import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_ok_without_login(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_checks_cache_when_redis_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # the test cache stays local memory
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_reports_503_when_database_fails(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    class BrokenCursor:
        def __enter__(self):
            raise RuntimeError("connection refused: secret host db.internal password=hunter2")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(connection, "cursor", lambda: BrokenCursor())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}
    assert b"hunter2" not in response.content and b"db.internal" not in response.content


def test_healthz_reports_503_when_cache_fails(client, settings, monkeypatch):
    from django.core.cache import cache

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    def broken_set(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "set", broken_set)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_leaks_nothing_about_users(client, world):
    body = client.get("/healthz").content.decode()
    assert "province_admin" not in body and "@" not in body
