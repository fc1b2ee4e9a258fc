"""Reusable API tests: every endpoint is checked for anonymous / out-of-scope / in-scope callers.

Subclass ``APIEndpointTests`` in a ``Test…`` class and declare the endpoint (NetBox's API test
mixins, with our named ``World`` users)::

    class TestInstitutionAPI(APIEndpointTests):
        endpoint = "institutions"
        viewer = "jinan"                    # sees ``obj``
        outsider = "qingdao"                # must not (None for public reference data)
        obj = staticmethod(lambda w: w.school_a)
        make_rows = staticmethod(lambda w, n: ...)  # n more rows the viewer sees (query budgets)
        list_max_queries = 6
        writable = True                     # also check update/delete by the outsider → 404

Tests use DRF's APIClient with token auth (``api_client(user)``); session auth is covered in
``core/tests/test_api_base.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

API = "/api/v1/"


def url(endpoint: str, pk: Any = None, verb: str | None = None) -> str:
    path = f"{API}{endpoint}/"
    if pk is not None:
        path += f"{pk}/"
    if verb:
        path += f"{verb}/"
    return path


_KEYS: dict[tuple, str] = {}


def api_client(user=None, *, scopes=()) -> APIClient:
    """An APIClient authenticated by ``Authorization: Token …`` (anonymous without a user); one token
    per user and scopes in a test (``accounts.ApiToken``)."""
    from zhijiao.accounts.authentication import hash_key
    from zhijiao.accounts.models import ApiToken
    from zhijiao.core.testing import make_token

    client = APIClient()
    if user is not None:
        cache_key = (user.pk, tuple(sorted(scopes)))
        key = _KEYS.get(cache_key)
        if key is None or not ApiToken.objects.filter(key_hash=hash_key(key), user=user).exists():
            key = _KEYS[cache_key] = make_token(user, scopes=scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_error(response, status_code: int, code: str | None = None) -> dict:
    """The response is ``status_code`` in the one error envelope; returns the ``error`` object."""
    assert response.status_code == status_code, (response.status_code, getattr(response, "data", response))
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["message"], error
    if code is not None:
        assert error["code"] == code, error
    return error


def result_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "count_is_estimate", "next", "previous", "results"}, body.keys()
    return {row["id"] for row in body["results"]}


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; keep one test's requests from counting in the next.

    Autouse in every ``APIEndpointTests`` class; other API test modules import it.
    """
    cache.clear()
    yield
    cache.clear()


class APIEndpointTests:
    endpoint: ClassVar[str]
    viewer: ClassVar[str]
    outsider: ClassVar[str | None] = None
    obj: ClassVar[Callable[[Any], Any]]
    make_rows: ClassVar[Callable[[Any, int], None] | None] = None
    list_max_queries: ClassVar[int] = 6
    writable: ClassVar[bool] = False
    token_scopes: ClassVar[tuple[str, ...]] = ()  # e.g. ("audit",) for the audit log
    #: Body of a PATCH the outsider tries (must be refused with 404 and change nothing).
    patch_body: ClassVar[dict] = {}

    @pytest.fixture(autouse=True)
    def _fresh_throttles(self):
        cache.clear()
        yield
        cache.clear()

    # --- anonymous ---------------------------------------------------------------------------
    def test_anonymous_list_is_401(self, world):
        error = assert_error(api_client().get(url(self.endpoint)), 401, "not_authenticated")
        assert error["details"] == {}

    def test_anonymous_detail_is_401(self, world):
        assert_error(api_client().get(url(self.endpoint, self.obj(world).pk)), 401, "not_authenticated")

    def test_bad_token_is_401(self, world):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
        assert_error(client.get(url(self.endpoint)), 401, "authentication_failed")

    # --- in scope ----------------------------------------------------------------------------
    def test_viewer_lists_the_object(self, world):
        obj = self.obj(world)
        assert obj.pk in result_ids(
            api_client(world[self.viewer], scopes=self.token_scopes).get(url(self.endpoint))
        )

    def test_viewer_reads_the_detail(self, world):
        obj = self.obj(world)
        response = api_client(world[self.viewer], scopes=self.token_scopes).get(url(self.endpoint, obj.pk))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == obj.pk

    def test_pagination_envelope(self, world):
        response = api_client(world[self.viewer], scopes=self.token_scopes).get(
            url(self.endpoint), {"page_size": 1}
        )
        body = response.json()
        assert set(body) == {"count", "count_is_estimate", "next", "previous", "results"}
        assert body["count_is_estimate"] is False  # small lists are counted exactly
        assert len(body["results"]) <= 1
        assert body["previous"] is None
        if body["count"] > 1:
            assert "page=2" in body["next"]
        past_end = api_client(world[self.viewer], scopes=self.token_scopes).get(
            url(self.endpoint), {"page": 9999}
        )
        assert_error(past_end, 404, "not_found")

    def test_cursor_pages_walk_the_whole_list(self, world, settings):
        """Past LIST_MAX_OFFSET rows ``next`` carries a cursor; following it visits every row once."""
        settings.LIST_MAX_OFFSET = 1
        client = api_client(world[self.viewer], scopes=self.token_scopes)
        everything = client.get(url(self.endpoint), {"page_size": 500}).json()["results"]
        seen, link, hops = [], url(self.endpoint) + "?page_size=1", 0
        while link and hops < 50:
            body = client.get(link).json()
            seen += [row["id"] for row in body["results"]]
            link, hops = body["next"], hops + 1
        assert seen == [row["id"] for row in everything]
        if len(everything) > 2:
            assert "cursor=" in client.get(url(self.endpoint), {"page_size": 1, "page": 2}).json()["next"]

    def test_unknown_id_is_404(self, world):
        assert_error(
            api_client(world[self.viewer], scopes=self.token_scopes).get(url(self.endpoint, 987654321)),
            404,
            "not_found",
        )

    # --- out of scope ------------------------------------------------------------------------
    def test_outsider_does_not_list_the_object(self, world):
        if self.outsider is None:
            pytest.skip("public reference data")
        obj = self.obj(world)
        assert obj.pk not in result_ids(
            api_client(world[self.outsider], scopes=self.token_scopes).get(url(self.endpoint))
        )

    def test_outsider_detail_is_404(self, world):
        if self.outsider is None:
            pytest.skip("public reference data")
        response = api_client(world[self.outsider], scopes=self.token_scopes).get(
            url(self.endpoint, self.obj(world).pk)
        )
        assert_error(response, 404, "not_found")

    def test_outsider_cannot_update_or_delete(self, world):
        if self.outsider is None or not self.writable:
            pytest.skip("not writable or public")
        obj = self.obj(world)
        before = type(obj).objects.filter(pk=obj.pk).values().get()
        client = api_client(world[self.outsider], scopes=self.token_scopes)
        for response in (
            client.patch(url(self.endpoint, obj.pk), self.patch_body, format="json"),
            client.put(url(self.endpoint, obj.pk), self.patch_body, format="json"),
            client.delete(url(self.endpoint, obj.pk)),
        ):
            assert_error(response, 404, "not_found")
        assert type(obj).objects.filter(pk=obj.pk).values().get() == before

    # --- no N+1 ------------------------------------------------------------------------------
    def test_list_query_budget_is_constant(self, world, django_assert_max_num_queries):
        if self.make_rows is None:
            pytest.skip("no row factory")
        client = api_client(world[self.viewer], scopes=self.token_scopes)
        client.get(url(self.endpoint))  # the token's last use is recorded once a minute, not counted here
        counts = []
        for extra in (2, 12):
            type(self).make_rows(world, extra)
            with django_assert_max_num_queries(self.list_max_queries) as ctx:
                response = client.get(url(self.endpoint), {"page_size": 100})
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts


__all__ = ["API", "APIEndpointTests", "api_client", "assert_error", "fresh_throttles", "result_ids", "url"]
