"""The UI is Chinese whatever the browser asks, unless its user chose English with the switch
(``core.middleware.ChosenLanguageMiddleware``); the public verification pages follow the browser."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def home(client):
    response = client.get(reverse("core:home"), **ENGLISH_BROWSER)
    assert response.status_code == 200
    return response


def test_an_english_browser_gets_the_chinese_ui(world, login):
    response = home(login(world["school_a"]))
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body and "退出登录" in body and "Sign out" not in body
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" not in response.get("Vary", "")


def test_the_api_answers_an_english_browser_in_chinese(world, login):
    response = login(world["school_a"]).get("/api/v1/students/?page=x", **ENGLISH_BROWSER)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "页码无效。"  # Invalid page.


def test_the_switch_chooses_english_and_back(world, login):
    client = login(world["school_a"])
    chinese = home(client).content.decode()
    switch = chinese.split('class="language-switch"', 1)[1].split("</form>", 1)[0]
    assert 'name="language" value="en"' in switch and ">English<" in switch
    assert 'value="zh-hans"' not in switch  # only the language not in use

    moved = client.post(reverse("set_language"), {"language": "en", "next": reverse("core:home")})
    assert moved.status_code == 302 and moved["Location"] == reverse("core:home")
    english = home(client).content.decode()
    assert '<html lang="en">' in english and "Sign out" in english and "退出登录" not in english
    assert 'value="zh-hans"' in english and ">简体中文<" in english

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("core:home")})
    assert "退出登录" in home(client).content.decode()


def test_a_language_cookie_of_no_known_language_is_chinese(world, login):
    client = login(world["school_a"])
    for value in ("xx", "en<script>", "", "zh-hant-tw"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = value
        assert '<html lang="zh-hans">' in home(client).content.decode(), value


@pytest.mark.parametrize("path", ["/verify/", "/competitions/public/verify/"])
def test_the_public_lookups_follow_the_browser(client, path):
    english = client.get(path, **ENGLISH_BROWSER)
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert "Accept-Language" in english["Vary"]
    chinese = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in chinese.content.decode()
    assert '<html lang="zh-hans">' in client.get(path).content.decode()


def test_the_switch_returns_to_the_page_without_a_reveal(world, login):
    """Switching language on a page opened to reveal a masked value does not reveal it again."""
    client = login(world["school_a"])
    page = client.get(reverse("core:home"), {"status": "a b", "reveal": "id_number"}).content.decode()
    switch = page.split('class="language-switch"', 1)[1].split("</form>", 1)[0]
    assert 'name="next" value="/?status=a+b"' in switch
    assert "reveal" not in switch
