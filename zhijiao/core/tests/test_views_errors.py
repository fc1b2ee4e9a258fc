import pytest
from django.test import RequestFactory
from django.urls import reverse

from zhijiao.core.services import OutOfScope
from zhijiao.core.views import errors

pytestmark = pytest.mark.django_db


def test_404_page_is_friendly(world, login, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404" in response.content.decode()
    client = login(world["school_a"])
    response = client.get(reverse("orgs:institution_detail", args=[world.school_b.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert world.school_b.name not in body and "side-menu" in body


def test_huge_or_malformed_ids_are_404(world, login):
    client = login(world["province_admin"])
    detail = reverse("orgs:institution_detail", args=[7]).replace("/7/", "/{}/")
    for url in (
        detail.format("99999999999999999999999"),
        detail.format("abc"),
        reverse("enterprises:enterprise_detail", args=[7]).replace("/7/", "/-1/"),
        reverse("majors:offering_edit", args=[0]),
    ):
        assert client.get(url).status_code == 404, url


def test_403_page(world, login):
    client = login(world["school_a"])
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 403
    assert "403" in response.content.decode()


def test_500_renders_without_request_or_database():
    response = errors.server_error(None)
    assert response.status_code == 500
    assert "500" in response.content.decode()


def test_400_handler():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = errors.bad_request(request, Exception("x"))
    assert response.status_code == 400


def test_out_of_scope_middleware_turns_into_404():
    from zhijiao.core.middleware_scope import OutOfScopeMiddleware

    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    middleware = OutOfScopeMiddleware(lambda r: None)
    response = middleware.process_exception(request, OutOfScope("no"))
    assert response.status_code == 404
    assert middleware.process_exception(request, ValueError("x")) is None


def test_base_renders_for_anonymous_without_menu(client, db):
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert 'id="side-menu"' not in body
    assert reverse("accounts:logout") not in body


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = None  # filled below: this module doubles as a URLconf with a failing view


def _urls():
    from django.urls import path

    import config.urls as base

    return [path("boom/", _boom), *base.urlpatterns]


handler404 = "zhijiao.core.views.errors.page_not_found"
handler500 = "zhijiao.core.views.errors.server_error"


@pytest.mark.parametrize("debug_pages", [False, True])
def test_debug_mode_shows_our_error_pages_unless_asked(world, login, settings, debug_pages):
    """make demo runs with DEBUG=1: 404 and 500 are still the platform's pages (Chinese), not Django's."""
    global urlpatterns
    urlpatterns = _urls()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = debug_pages
    client = login(world["school_a"])
    client.raise_request_exception = False
    missing = client.get("/no-such-page/")
    failing = client.get("/boom/")
    assert missing.status_code == 404 and failing.status_code == 500
    if debug_pages:
        assert "Using the URLconf" in missing.content.decode()
        assert "RuntimeError" in failing.content.decode()
    else:
        for response in (missing, failing):
            body = response.content.decode()
            assert "Django" not in body and "Traceback" not in body and "URLconf" not in body
            assert 'lang="zh-hans"' in body
        assert "side-menu" in missing.content.decode()
        assert "页面" in missing.content.decode() or "未找到" in missing.content.decode()
