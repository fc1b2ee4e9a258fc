"""Issue 11, item 5: every framework message a user can meet is Chinese in the Chinese UI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import django
import pytest
import rest_framework
from django.utils import translation

HAN = re.compile(r"[\u4e00-\u9fff]")
FRAMEWORK_FILES = [
    (django, "contrib/auth/password_validation.py"),
    (django, "forms/fields.py"),
    (django, "core/validators.py"),
    (rest_framework, "exceptions.py"),
    (rest_framework, "fields.py"),
    (rest_framework, "authentication.py"),
    (rest_framework, "serializers.py"),
    (rest_framework, "relations.py"),
    (rest_framework, "pagination.py"),
    (rest_framework, "validators.py"),
]


def _messages():
    import django_filters

    files = [Path(m.__file__).parent / f for m, f in FRAMEWORK_FILES]
    files += [
        Path(django_filters.__file__).parent / "filters.py",
        Path(django_filters.__file__).parent / "fields.py",
    ]
    single = re.compile(r"""(?<![\w.])_\(\s*((?:['"][^'"]*['"]\s*)+)\)""")
    plural = re.compile(r"""ngettext(?:_lazy)?\(\s*((?:['"][^'"]*['"]\s*)+),\s*((?:['"][^'"]*['"]\s*)+),""")
    for path in files:
        source = path.read_text(encoding="utf-8")
        for m in single.finditer(source):
            text = ast.literal_eval("(" + m.group(1) + ")")
            if isinstance(text, str) and re.search("[a-zA-Z]{3}", text) and text not in ("IPv4", "IPv6"):
                yield path.name, text, None
        for m in plural.finditer(source):
            yield (
                path.name,
                ast.literal_eval("(" + m.group(1) + ")"),
                ast.literal_eval("(" + m.group(2) + ")"),
            )


def test_every_framework_message_has_a_chinese_translation():
    missing = []
    with translation.override("zh-hans"):
        for name, text, plural in _messages():
            shown = translation.ngettext(text, plural, 5) if plural else translation.gettext(text)
            if not HAN.search(shown):
                missing.append((name, text))
    assert not missing, missing


@pytest.mark.django_db
def test_drf_csrf_and_json_errors_are_chinese(client, world, login):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world["school_a"])
    response = csrf_client.post("/api/v1/institutions/", {}, content_type="application/json")
    assert response.status_code == 403 and HAN.search(response.json()["error"]["message"])
    from zhijiao.core.testing_api import api_client

    bad = api_client(world["school_a"]).generic(
        "POST", "/api/v1/registration-batches/", "{not json", content_type="application/json"
    )
    assert bad.status_code == 400 and HAN.search(bad.json()["error"]["message"]), bad.json()
