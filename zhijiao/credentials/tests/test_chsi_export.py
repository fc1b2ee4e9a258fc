"""The CHSI 学历 registration list (students/exchange/chsi_xl.v*.yaml) exported from the certificates."""

import io

import pytest
from openpyxl import load_workbook

from zhijiao.credentials import services
from zhijiao.students.selectors import exchange_layout

from .conftest import make_graduate

pytestmark = pytest.mark.django_db


def _sheet(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_chsi_list_holds_the_college_certificates_with_full_numbers(world, graduate, college, login):
    inst, offering = college
    g = make_graduate(school=inst, offering=offering, name="高职生")
    cert = services.certificate_issue(actor=world["jinan"], graduation=g, principal_name="王院长")
    secondary = graduate(name="中职生")
    services.certificate_issue(actor=world["jinan"], graduation=secondary, principal_name="李校长")
    client = login(world["jinan"])
    assert "layout=chsi_xl" in client.get("/credentials/").content.decode()
    rows = _sheet(client.get("/credentials/?export=xlsx&layout=chsi_xl"))
    assert rows[0] == exchange_layout("chsi_xl").headers()
    assert len(rows) == 2  # the 中职 certificate is not registered on CHSI
    row = dict(zip(rows[0], rows[1], strict=True))
    student = g.enrolment.student
    assert row["身份证号"] == student.id_number and row["姓名"] == "高职生"
    assert row["证书编号"] == cert.number and row["毕结业结论"] == "毕业"
    assert row["毕业日期"] == "20260630" and row["层次"] == "专科" and row["校长姓名"] == "王院长"


def test_chsi_list_is_for_roles_that_may_see_full_numbers(world, login):
    auditor = login(world["auditor"])
    assert auditor.get("/credentials/?export=xlsx&layout=chsi_xl").status_code == 403
    assert "layout=chsi_xl" not in auditor.get("/credentials/").content.decode()
    assert login(world["jinan"]).get("/credentials/?export=xlsx&layout=national_zz").status_code == 404
