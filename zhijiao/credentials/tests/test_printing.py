"""PDF output: rare characters drawn and extractable, fonts embedded, QR codes decodable and signed."""

import shutil
import subprocess

import pytest

from zhijiao.credentials import printing, services, signing

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed"),
]

NAMES = ["欧阳䶮", "赵孟𫖯", "王𪚥"]


@pytest.fixture
def certs(world, graduate):
    return [
        services.certificate_issue(
            actor=world["school_a"], graduation=graduate(name=name), principal_name="李校长"
        )
        for name in NAMES
    ]


def pdf_text(path, page=None):
    args = ["pdftotext", "-enc", "UTF-8"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_rare_names_extract_exactly(certs, tmp_path):
    path = tmp_path / "class.pdf"
    path.write_bytes(printing.certificates_pdf(certs))
    for page, name in enumerate(NAMES, start=1):
        text = pdf_text(path, page)
        tokens = text.split()
        assert name in tokens, (name, text)
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert len(reader.pages) == 3
    assert NAMES[2] in reader.pages[2].extract_text()


def test_every_font_is_embedded(certs, tmp_path):
    path = tmp_path / "class.pdf"
    path.write_bytes(printing.certificates_pdf(certs))
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = out.strip().splitlines()[2:]
    assert rows, out
    names = " ".join(r.split()[0] for r in rows)
    assert "Noto" in names and "HanaMin" in names  # 𪚥 falls back to HanaMin
    for row in rows:
        # columns: name type encoding emb sub uni ...; the "emb" column must be yes
        cells = row.split()
        assert "yes" == cells[-5], row


def test_printed_qr_codes_decode_and_verify(certs, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    cert = certs[1]
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(printing.certificates_pdf([cert]))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    texts = {b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    signed = [t for t in texts if t.startswith("VC1:")]
    assert signed == [cert.signed_qr]
    verified = signing.verify_qr(signed[0])
    assert verified.claims["n"] == "赵孟𫖯" and verified.claims["no"] == cert.number
    assert cert.qr_link in texts


def test_each_kind_has_its_template(world, graduate, tmp_path):
    for outcome, title in [
        ("graduated", "Graduation Certificate"),
        ("completed", "Certificate of Completion"),
        ("incomplete", "Certificate of Study"),
    ]:
        cert = services.certificate_issue(
            actor=world["school_a"], graduation=graduate(outcome=outcome), principal_name="李校长"
        )
        html = printing.render_html([printing.page_context(cert)])
        assert "size: A4 landscape" in html
        assert "'Noto Serif CJK SC', 'HanaMinA', 'HanaMinB'" in html
        assert "李校长" in html and 'class="photo"' in html
        assert html.count("data:image/png;base64,") == 2
        del title
