"""The one upload validator (core.files): types by content, sizes in bytes, the virus-scan hook,
ClamAV's protocol, and storage settings."""

import io
import socket
import struct
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from zhijiao.core import files
from zhijiao.core.testing import blank_pdf
from zhijiao.core.uploads import UploadRejected

PNG = b"\x89PNG\r\n\x1a\n"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


def test_accepts_by_content_and_says_what_it_is():
    accepted = files.validate_upload(SimpleUploadedFile("证明.pdf", blank_pdf()), kinds=files.IMAGES_AND_PDF)
    assert (accepted.kind, accepted.content_type, accepted.extension) == ("pdf", "application/pdf", "pdf")
    assert accepted.name == "证明.pdf" and accepted.size > 0
    assert (
        files.validate_upload(SimpleUploadedFile("a.PNG", _png()), kinds=files.IMAGES_AND_PDF).kind == "png"
    )


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("x.exe", b"MZ\x90\x00", "only these file types are accepted: PDF, JPEG, PNG"),
        ("fake.pdf", b"<html>", "is not the kind of file its name says"),
        ("photo.pdf", PNG + b"\x00" * 40, "is not the kind of file its name says"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_refuses_by_name_and_content(name, data, fragment, english):
    with pytest.raises(ValidationError) as exc:
        files.validate_upload(SimpleUploadedFile(name, data), kinds=files.IMAGES_AND_PDF, field="evidence")
    [message] = exc.value.message_dict["evidence"]
    assert message.startswith(name) and fragment in message


def test_sizes_are_bytes_everywhere(settings, english):
    assert files.limit_bytes("STUDENT_ATTACHMENT_MAX_BYTES") == 5 * 1024 * 1024
    settings.INTERNSHIP_ATTACHMENT_MAX_BYTES = 1000
    assert files.limit_bytes("INTERNSHIP_ATTACHMENT_MAX_BYTES") == 1000
    with pytest.raises(ValidationError) as exc:
        files.validate_upload(SimpleUploadedFile("a.pdf", blank_pdf()), kinds={"pdf"}, max_bytes=100)
    assert "too large" in exc.value.messages[0]


def test_extensions_narrow_what_a_setting_allows(english):
    upload = SimpleUploadedFile("a.png", _png())
    with pytest.raises(ValidationError):
        files.validate_upload(upload, kinds=files.OFFICE_DOCUMENTS, extensions=("pdf", "docx"))
    assert files.validate_upload(upload, kinds=files.OFFICE_DOCUMENTS, extensions=("png",)).kind == "png"


seen = []


def refuse_everything(fileobj, name):
    seen.append((name, fileobj.read(4)))
    raise UploadRejected("infected")


def test_the_virus_scanner_hook(settings):
    upload = SimpleUploadedFile("a.pdf", blank_pdf())
    files.validate_upload(upload, kinds={"pdf"})  # none configured: nothing scans
    settings.FILES_VIRUS_SCANNER = "zhijiao.core.tests.test_files.refuse_everything"
    with pytest.raises(ValidationError) as exc:
        files.validate_upload(SimpleUploadedFile("b.pdf", blank_pdf()), kinds={"pdf"}, field="files")
    assert exc.value.message_dict["files"] == ["b.pdf: infected"]
    assert seen[-1] == ("b.pdf", b"%PDF")


def _fake_clamd(reply: bytes):
    """A one-connection clamd speaking INSTREAM; returns (address, received bytes)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = bytearray()

    def serve():
        conn, _ = server.accept()
        with conn:
            data = b""
            while not data.endswith(struct.pack("!L", 0)) or len(data) < 14:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            received.extend(data)
            conn.sendall(reply)
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"127.0.0.1:{server.getsockname()[1]}", received


def test_clamd_scan_speaks_instream(settings, english):
    address, received = _fake_clamd(b"stream: OK\0")
    settings.FILES_CLAMD_ADDRESS = address
    files.clamd_scan(io.BytesIO(b"%PDF-1.4 hello"), "a.pdf")
    assert bytes(received).startswith(b"zINSTREAM\0" + struct.pack("!L", 14) + b"%PDF-1.4 hello")

    address, _ = _fake_clamd(b"stream: Eicar-Test-Signature FOUND\0")
    settings.FILES_CLAMD_ADDRESS = address
    with pytest.raises(UploadRejected, match="virus"):
        files.clamd_scan(io.BytesIO(b"X5O!P%@AP"), "eicar.pdf")


def test_clamd_scan_refuses_when_the_scanner_is_down(settings, english):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    settings.FILES_CLAMD_ADDRESS = f"127.0.0.1:{port}"
    with pytest.raises(UploadRejected, match="could not be checked"):
        files.clamd_scan(io.BytesIO(b"x"), "a.pdf")


def test_storage_is_local_disk_unless_a_bucket_is_configured(settings):
    from django.core.files.storage import FileSystemStorage

    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    from django.core.files.storage import storages

    assert isinstance(storages["default"], FileSystemStorage)


def test_the_s3_configuration_builds_an_s3_storage(monkeypatch):
    import importlib

    import config.settings as project_settings

    monkeypatch.setenv("FILES_S3_BUCKET", "zhijiao-files")
    monkeypatch.setenv("FILES_S3_ENDPOINT_URL", "http://minio.test:9000")
    try:
        reloaded = importlib.reload(project_settings)
        backend = reloaded.STORAGES["default"]
        assert backend["BACKEND"] == "storages.backends.s3.S3Storage"
        from storages.backends.s3 import S3Storage

        storage = S3Storage(**backend["OPTIONS"])
        assert storage.bucket_name == "zhijiao-files" and storage.endpoint_url == "http://minio.test:9000"
        assert storage.querystring_auth and storage.default_acl is None
    finally:
        monkeypatch.delenv("FILES_S3_BUCKET")
        importlib.reload(project_settings)
