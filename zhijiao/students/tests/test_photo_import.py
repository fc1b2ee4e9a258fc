"""Photos in bulk from a ZIP named by ID number: per-image checks through core.files, a report of
stored / unmatched / refused files, zip bombs and path tricks refused; the photo on the record."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import small_png
from zhijiao.students import services
from zhijiao.students.models import Student

from .factories import new_id, registered

pytestmark = pytest.mark.django_db


def _zip(entries, *, compression=zipfile.ZIP_STORED) -> SimpleUploadedFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return SimpleUploadedFile("photos.zip", buf.getvalue(), content_type="application/zip")


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_zip_report_matched_unmatched_and_refused(world, media):
    mine = registered(world)
    other = registered(world, "b")
    upload = _zip(
        [
            (f"班级/{mine.id_number}.png", small_png()),
            (f"{other.id_number}.png", small_png()),  # school_b's student: not school_a's to change
            (f"{new_id()}.png", small_png()),  # nobody
            (f"{_wrong_check_digit(new_id())}.png", small_png()),
            ("../../etc/passwd.png", small_png()),
            ("/abs/x.png", small_png()),
            (f"{new_id()}.png", b"not an image at all"),
            ("readme.txt", b"hello"),
            ("__MACOSX/._x.png", b"junk"),
        ]
    )
    report = services.photos_import_zip(actor=world["school_a"], upload=upload)
    assert [s.pk for _n, s in report.matched] == [mine.pk]
    assert len(report.unmatched) == 2
    reasons = dict(report.rejected)
    assert len(report.rejected) == 5
    assert "unsafe path" in reasons["../../etc/passwd.png"] and "unsafe path" in reasons["/abs/x.png"]
    assert any("not an ID number" in r for r in reasons.values())
    assert reasons["readme.txt"] == "not a JPEG or PNG file name"
    assert Student.objects.get(pk=mine.pk).photo
    assert mine.id_number not in Student.objects.get(pk=mine.pk).photo.name  # no ID in storage paths
    assert not Student.objects.get(pk=other.pk).photo
    assert AuditEntry.objects.filter(object_id=str(mine.pk), message="Photo import").count() == 1


def test_zip_bombs_and_oversized_entries_are_refused(world, media):
    s = registered(world)
    t = registered(world)
    bomb = _zip([(f"{s.id_number}.png", b"\0" * (3 * 1024 * 1024))], compression=zipfile.ZIP_DEFLATED)
    report = services.photos_import_zip(actor=world["school_a"], upload=bomb)
    assert not report.matched and "larger than" in report.rejected[0][1]
    # Within the photo size but inflating far: refused as a bomb before it is read.
    ratio = _zip([(f"{t.id_number}.png", b"\0" * 100_000)], compression=zipfile.ZIP_DEFLATED)
    report = services.photos_import_zip(actor=world["school_a"], upload=ratio)
    assert "zip bomb" in report.rejected[0][1]
    dup = _zip([(f"{s.id_number}.png", small_png()), (f"a/{s.id_number}.png", small_png())])
    report = services.photos_import_zip(actor=world["school_a"], upload=dup)
    assert len(report.matched) == 1 and "same ID number" in report.rejected[0][1]


def test_the_archive_itself_refused_changes_nothing(world, media, login):
    s = registered(world)
    client = login(world["school_a"])
    not_zip = SimpleUploadedFile("photos.zip", b"plain text, not a zip", content_type="application/zip")
    response = client.post("/students/photos/import/", {"archive": not_zip})
    assert response.status_code == 400
    with override_settings(STUDENT_PHOTO_ZIP_MAX_BYTES=100):
        response = client.post(
            "/students/photos/import/", {"archive": _zip([(f"{s.id_number}.png", small_png())])}
        )
    assert response.status_code == 400
    with override_settings(STUDENT_PHOTO_ZIP_MAX_FILES=1):
        response = client.post(
            "/students/photos/import/",
            {"archive": _zip([(f"{s.id_number}.png", small_png()), (f"{new_id()}.png", small_png())])},
        )
    assert response.status_code == 400 and "at most 1" in response.content.decode()
    assert not Student.objects.get(pk=s.pk).photo


def test_photo_import_page_report_and_photo_on_the_record(world, media, login):
    s = registered(world)
    client = login(world["school_a"])
    assert client.get("/students/photos/import/").status_code == 200
    response = client.post(
        "/students/photos/import/", {"archive": _zip([(f"{s.id_number}.jpg", small_png())])}
    )
    # A PNG named .jpg is not what its name says: refused, reported on the page.
    assert response.status_code == 200 and "photos-rejected" in response.content.decode()
    response = client.post(
        "/students/photos/import/", {"archive": _zip([(f"{s.id_number}.png", small_png())])}
    )
    assert response.status_code == 200 and s.name in response.content.decode()
    detail = client.get(f"/students/{s.pk}/").content.decode()
    assert f"/students/{s.pk}/photo/file/" in detail
    image = client.get(f"/students/{s.pk}/photo/file/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == small_png()
    assert "/students/photos/import/" in client.get("/students/").content.decode()
    assert login(world["school_b"]).get(f"/students/{s.pk}/photo/file/").status_code == 404
    auditor = login(world["auditor"])
    assert auditor.get("/students/photos/import/").status_code == 403
    assert "/students/photos/import/" not in auditor.get("/students/").content.decode()
