"""The public verifier in a real browser: lookup by number + name, and the offline VC1 check."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published(settings, tmp_path):
    from zhijiao.core.testing import World
    from zhijiao.credentials import services, signing
    from zhijiao.credentials.tests.conftest import make_graduate

    settings.CREDENTIALS_KEY_DIR = tmp_path / "keys"
    signing._private_cache.clear()
    world = World()
    g = make_graduate(school=world.school_a, offering=world.offering_a, name="赵孟𫖯")
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    return cert


def test_lookup_by_number_and_name(page, published):
    page.goto("/verify/")
    page.fill("#by-number input[name=number]", published.number)
    page.fill("#by-number input[name=name]", "赵孟𫖯")
    page.click("#by-number button[type=submit]")
    result = page.locator("[data-result]")
    assert result.get_attribute("data-result") == "valid"
    assert "赵孟𫖯" in result.inner_text()
    assert published.graduation.enrolment.student.id_number not in page.content()
    assert page.console_errors == []


def test_mobile_viewport_and_code_tab(page, published):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/verify/")
    page.click("a[href='#by-code']")
    page.fill("#by-code input[name=code]", published.verify_code)
    page.click("#by-code button[type=submit]")
    assert page.locator("[data-result]").get_attribute("data-result") == "valid"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_offline_signature_check_in_the_browser(page, published):
    page.goto("/verify/qr/")
    page.fill("#id_payload", published.signed_qr)
    page.click("#verify-offline")
    out = page.locator("#offline-result")
    out.wait_for(state="visible")
    assert out.get_attribute("data-result") == "signature_valid_offline", out.inner_text()
    assert "赵孟𫖯" in out.inner_text()
    # Coded claims by their Chinese label, as on the server's own result (page language: zh-hans).
    text = out.inner_text()
    assert "毕业证书" in text and "中职" in text, text
    assert "graduation" not in text and "secondary" not in text
    # One changed character: refused.
    tampered = (
        published.signed_qr[:-6] + ("0" if published.signed_qr[-6] != "0" else "1") + published.signed_qr[-5:]
    )
    page.fill("#id_payload", tampered)
    page.click("#verify-offline")
    page.wait_for_function(
        "document.getElementById('offline-result').dataset.result === 'signature_invalid_offline'"
    )
    # The server check agrees.
    page.fill("#id_payload", published.signed_qr)
    page.click("#qr-form button[type=submit]")
    assert page.locator("[data-result=signature_valid]").is_visible()
    assert page.console_errors == []


# --- reading the printed QR with a camera -----------------------------------------------------------
def printed_signed_qr(cert, tmp_path, *, side: int):
    """The signed QR as printed: the certificate PDF rasterised at 300 dpi, the VC1 code found on the
    page (zxing-cpp) and cut out with its quiet zone, grey-scale, on a white ``side`` × ``side`` square."""
    import subprocess

    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from zhijiao.credentials import printing

    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(printing.certificates_pdf([cert]))
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    codes = [b for b in zxingcpp.read_barcodes(page) if b.text.startswith("VC1:")]
    assert [c.text for c in codes] == [cert.signed_qr]
    p = codes[0].position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    margin = (max(xs) - min(xs)) // 8
    crop = page.crop((min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin))
    if max(crop.size) > side - 40:
        crop.thumbnail((side - 40, side - 40))
    elif max(crop.size) < side // 2:
        factor = (side - 40) // max(crop.size)
        crop = crop.resize((crop.width * factor, crop.height * factor), Image.NEAREST)
    square = Image.new("L", (side, side), 255)
    square.paste(crop, ((side - crop.width) // 2, (side - crop.height) // 2))
    return square


def write_y4m(image, path, frames: int = 2) -> None:
    """A grey-scale picture as a YUV4MPEG2 (4:2:0) clip: what Chromium's fake camera plays in a loop."""
    width, height = image.size
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + image.tobytes() + chroma + chroma)


@pytest.fixture
def camera_page(browser, live_server, published, tmp_path):
    """A Chromium whose camera is a fake device showing the printed signed QR of ``published``
    (a second browser from the session's Playwright: the camera is chosen at launch)."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

    clip = tmp_path / "camera.y4m"
    write_y4m(printed_signed_qr(published, tmp_path, side=720), clip)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    try:
        context = camera_browser.new_context(base_url=live_server.url, locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        yield page
        context.close()
    finally:
        camera_browser.close()


def test_camera_reads_the_printed_code_and_verifies_it(camera_page, published):
    page = camera_page
    response = page.goto("/verify/qr/")
    assert "camera=(self)" in response.headers["permissions-policy"]
    page.click("#scan-camera")
    # Locators, not wait_for_function: the page's CSP forbids the eval that polling a string needs.
    page.locator("#offline-result[data-result=signature_valid_offline]").wait_for(timeout=30_000)
    assert page.input_value("#id_payload") == published.signed_qr
    out = page.locator("#offline-result").inner_text()
    assert "赵孟𫖯" in out and published.number in out
    assert page.locator("#scan-video").is_hidden()  # the camera is released once a code is read
    assert page.console_errors == []


def test_photo_of_the_printed_code_is_read(page, published, tmp_path):
    photo = tmp_path / "photo.png"
    printed_signed_qr(published, tmp_path, side=900).save(photo)
    page.goto("/verify/qr/")
    page.set_input_files("#scan-file", str(photo))
    page.locator("#offline-result[data-result=signature_valid_offline]").wait_for()
    assert page.input_value("#id_payload") == published.signed_qr
    # A picture without a code says so; a pasted code still works as before.
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (400, 300), 255).save(blank)
    page.set_input_files("#scan-file", str(blank))
    page.locator("#qr-scan[data-state=none]").wait_for()
    assert page.console_errors == []


def test_camera_only_on_the_qr_page(page, published):
    assert "camera=()" in page.goto("/verify/").headers["permissions-policy"]
    assert "camera=(self)" in page.goto("/verify/qr/").headers["permissions-policy"]
