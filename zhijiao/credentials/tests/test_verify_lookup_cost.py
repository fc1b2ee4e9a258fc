"""What one public lookup costs (queries, cookies) and how its log row reaches the database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from zhijiao.credentials import services, verification
from zhijiao.credentials.choices import LookupKind, LookupResult
from zhijiao.credentials.models import LookupLog

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def published(world, graduate):
    g = graduate(name="王𪚥")
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    cert.refresh_from_db()
    return cert


@pytest.fixture
def empty_buffer():
    if connection.vendor != "postgresql":
        pytest.skip("the log is buffered on PostgreSQL only (SQLite writes each row at once)")
    verification.flush_lookup_log()
    yield verification._buffer
    verification.flush_lookup_log()


def link(cert) -> str:
    return f"/verify/v/{cert.number}?c={cert.verify_code}"


@pytest.mark.django_db
def test_a_lookup_is_two_queries_and_sets_no_cookie(client, published, django_assert_num_queries):
    with django_assert_num_queries(2):  # the certificate by its unique code; the log row
        response = client.get(link(published))
    assert b'data-result="valid"' in response.content
    assert "王𪚥" in response.content.decode() and published.institution_name in response.content.decode()
    assert not response.cookies  # no session and no CSRF cookie for a result page
    with django_assert_num_queries(2):
        response = client.post("/verify/", {"form": "number", "number": published.number, "name": "王𪚥"})
    assert b'data-result="valid"' in response.content
    with django_assert_num_queries(2):
        response = client.get(f"/verify/v/{published.number}?c={'B' * 16}")
    assert b'data-result="not_found"' in response.content
    assert list(LookupLog.objects.order_by("id").values_list("kind", "result", "certificate_id")) == [
        (LookupKind.SHORT_URL, LookupResult.VALID, published.pk),
        (LookupKind.NUMBER_NAME, LookupResult.VALID, published.pk),
        (LookupKind.SHORT_URL, LookupResult.NOT_FOUND, None),
    ]


@pytest.mark.django_db
def test_result_page_shows_the_public_fields_only(client, published):
    body = client.get(link(published)).content.decode()
    for value in (published.number, published.major_name, "2026"):
        assert value in body
    student = published.graduation.enrolment.student
    assert student.id_number not in body and published.holder_birth_date.isoformat() not in body
    assert 'href="/verify/qr/"' in body and 'href="/verify/"' in body


@pytest.mark.django_db
def test_result_values_are_escaped(client, world, graduate):
    g = graduate(name="<b>李</b>")
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    body = client.get(link(cert)).content.decode()
    assert "&lt;b&gt;李&lt;/b&gt;" in body and "<b>李</b>" not in body


@pytest.mark.django_db
def test_camera_is_allowed_on_the_qr_page_only(client):
    assert "camera=()" in client.get("/verify/")["Permissions-Policy"]
    qr = client.get("/verify/qr/")
    assert qr["Permissions-Policy"].startswith("camera=(self)")
    assert "microphone=()" in qr["Permissions-Policy"]
    assert b"vendor/jsqr/jsQR.js" in qr.content and b"js/verify-scan.js" in qr.content
    assert b'id="scan-camera"' in qr.content and b'id="scan-file"' in qr.content


# --- the buffered log (outside a transaction, as in a real request) --------------------------------
@pytest.mark.django_db(transaction=True)
def test_rows_are_written_in_batches(client, settings, published, empty_buffer):
    settings.CREDENTIALS_LOOKUP_LOG_BATCH = 3
    settings.CREDENTIALS_LOOKUP_LOG_MAX_AGE = 60
    client.get(link(published))
    client.get(link(published))
    assert LookupLog.objects.count() == 0 and empty_buffer.pending() == 2
    client.get(link(published))  # fills the batch: this request writes all three
    assert LookupLog.objects.count() == 3 and empty_buffer.pending() == 0
    client.get(link(published))
    verification.flush_lookup_log()
    assert LookupLog.objects.filter(result=LookupResult.VALID, certificate=published).count() == 4


@pytest.mark.django_db(transaction=True)
def test_an_idle_buffer_is_written_after_max_age(client, settings, published, empty_buffer):
    settings.CREDENTIALS_LOOKUP_LOG_BATCH = 100
    settings.CREDENTIALS_LOOKUP_LOG_MAX_AGE = 0.2
    client.get(link(published))
    deadline = time.monotonic() + 10
    while LookupLog.objects.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert LookupLog.objects.count() == 1 and empty_buffer.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_keeps_the_rows(client, settings, published, empty_buffer, monkeypatch):
    settings.CREDENTIALS_LOOKUP_LOG_BATCH = 2
    settings.CREDENTIALS_LOOKUP_LOG_MAX_AGE = 60
    real = verification._write_rows
    calls = []

    def failing_once(rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise RuntimeError("database away")
        real(rows)

    monkeypatch.setattr(verification, "_write_rows", failing_once)
    assert client.get(link(published)).status_code == 200
    assert client.get(link(published)).status_code == 200  # the failing write does not fail the lookup
    assert LookupLog.objects.count() == 0 and empty_buffer.pending() == 2
    verification.flush_lookup_log()
    assert LookupLog.objects.count() == 2 and calls == [2, 2]


@pytest.mark.django_db(transaction=True)
def test_sqlite_writes_each_row_at_once(client, settings, published):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    settings.CREDENTIALS_LOOKUP_LOG_BATCH = 50
    client.get(link(published))
    assert LookupLog.objects.count() == 1 and verification._buffer.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_async_commit_is_local_to_the_log_statement(settings, published, empty_buffer):
    settings.CREDENTIALS_LOOKUP_LOG_BATCH = 1  # written at once, in autocommit
    verification.log_lookup(
        client="c" * 24, kind=LookupKind.CODE, result=LookupResult.NOT_FOUND, query="ABCD"
    )
    assert LookupLog.objects.get().query == "ABCD"
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
        cursor.execute(verification._log_sql("postgresql", True, 2).split(" INSERT ")[0] + " SELECT 1")
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_buffered_rows_are_written_when_the_process_exits(published):
    """A normal exit (gunicorn's graceful stop) writes what the buffer holds (atexit)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the child process needs a database it can reach (SQLite tests run in memory)")
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django; django.setup()\n"
        "from zhijiao.credentials import verification\n"
        "for i in range(3):\n"
        "    verification.log_lookup(client='x' * 24, kind='code', result='not_found', query=str(i))\n"
        "assert verification._buffer.pending() == 3\n"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=url,
        PGPASSWORD=db.get("PASSWORD") or "",
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)
    assert sorted(LookupLog.objects.values_list("query", flat=True)) == ["0", "1", "2"]
