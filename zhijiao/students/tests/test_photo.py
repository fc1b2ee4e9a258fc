"""Photos on the student record: uploaded through core.files (type and size), printed on the certificate."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from zhijiao.core.testing import blank_pdf
from zhijiao.students.models import Student

from .factories import registered

pytestmark = pytest.mark.django_db


def _png():
    from zhijiao.core.testing import small_png

    return SimpleUploadedFile("p.png", small_png(), content_type="image/png")


def test_photo_upload_checks_type_and_size(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = registered(world)
    client = login(world["school_a"])
    url = f"/students/{s.pk}/photo/"
    assert client.get(url).status_code == 200
    pdf = SimpleUploadedFile("p.pdf", blank_pdf(), content_type="application/pdf")
    assert client.post(url, {"photo": pdf}).status_code == 400
    fake = SimpleUploadedFile("p.png", b"not a png at all", content_type="image/png")
    assert client.post(url, {"photo": fake}).status_code == 400
    with override_settings(STUDENT_PHOTO_MAX_BYTES=10):
        assert client.post(url, {"photo": _png()}).status_code == 400
    assert not Student.objects.get(pk=s.pk).photo
    assert client.post(url, {"photo": _png()}).status_code == 302
    assert Student.objects.get(pk=s.pk).photo
    assert login(world["school_b"]).get(url).status_code == 404


def test_photo_printed_on_the_certificate(world, settings, tmp_path):
    from types import SimpleNamespace

    from zhijiao.credentials.printing import photo_uri
    from zhijiao.students import services

    settings.MEDIA_ROOT = tmp_path
    s = registered(world)
    services.student_photo_set(actor=world["school_a"], student=s, upload=_png())
    cert = SimpleNamespace(
        graduation=SimpleNamespace(enrolment=SimpleNamespace(student=Student.objects.get(pk=s.pk)))
    )
    assert photo_uri(cert).startswith("data:image/png;base64,")
