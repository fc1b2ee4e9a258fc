import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhijiao.core.lifecycle import fire
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import xlsx
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import DataValue, Submission
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.reporting.services_xlsx import submission_upload

from .conftest import SMALL


@pytest.fixture
def sub(world, period):
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def workbook(sub):
    return load_workbook(io.BytesIO(xlsx.template_bytes(sub)))


def rows_by_key(ws):
    return {tuple(r[0].value.split("/", 1)): r for r in ws.iter_rows(min_row=2)}


def as_file(wb, name="form.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def upload(world, sub, wb, name="form.xlsx", who="school_a"):
    sub = Submission.objects.get(pk=sub.pk)
    return submission_upload(actor=world[who], submission=sub, fileobj=as_file(wb, name), filename=name)


def test_template_lists_every_cell_with_current_values(world, sub):
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={("teachers_total", ""): "12", ("mode", ""): "day", ("budget", ""): "3.5"},
        revision=0,
    )
    ws = workbook(sub).active
    rows = rows_by_key(ws)
    # One row per cell: 1 + 2 (gender) + budget, rate, since, mode.
    assert len(rows) == 7
    assert rows[("teachers_total", "")][4].value == 12
    assert rows[("budget", "")][4].value == 3.5
    assert rows[("mode", "")][4].value == "全日制"  # the choice's name, not its code
    assert rows[("teachers_fulltime", "female")][2].value == "女"
    assert ws.cell(row=2, column=1).value == "teachers_total/"
    assert ws.cell(row=1, column=6).value == f"zhijiao.reporting/teachers/v1/2021/{world.school_a.pk}/r1"
    assert ws.column_dimensions["F"].hidden and ws.protection.sheet
    assert not ws.cell(row=2, column=5).protection.locked and ws.cell(row=2, column=1).protection.locked


def test_upload_saves_through_the_form_rules(world, sub):
    wb = workbook(sub)
    rows = rows_by_key(wb.active)
    rows[("teachers_total", "")][4].value = 20
    rows[("teachers_fulltime", "male")][4].value = 7
    rows[("budget", "")][4].value = 12.25
    rows[("mode", "")][4].value = "非全日制"
    rows[("since", "")][4].value = "1958-09-01"
    saved = upload(world, sub, wb)
    got = {(v.element.code, v.cell): v.value for v in DataValue.objects.select_related("element")}
    assert got == {
        ("teachers_total", ""): "20",
        ("teachers_fulltime", "male"): "7",
        ("budget", ""): "12.25",
        ("mode", ""): "part",
        ("since", ""): "1958-09-01",
    }
    assert saved.revision == 1


def test_row_errors_in_chinese_terms_and_nothing_saved(world, sub):
    wb = workbook(sub)
    rows = rows_by_key(wb.active)
    rows[("teachers_total", "")][4].value = "many"
    rows[("budget", "")][4].value = 1.234  # three decimals of money
    rows[("teachers_fulltime", "male")][4].value = "=1+2"
    line_total = rows[("teachers_total", "")][0].row
    with pytest.raises(ValidationError) as exc:
        upload(world, sub, wb)
    text = " | ".join(exc.value.messages)
    assert f"Row {line_total}: Enter a number." in text
    assert "An amount of money has at most two decimals." in text
    assert "a formula is not accepted" in text
    assert not DataValue.objects.exists()
    assert Submission.objects.get(pk=sub.pk).revision == 0


def test_unknown_and_repeated_rows_and_merged_cells(world, sub):
    wb = workbook(sub)
    ws = wb.active
    ws.append(["no_such/", "", "", "", 3])
    ws.append(["teachers_total/", "", "", "", 4])
    ws.merge_cells("C2:D2")
    with pytest.raises(ValidationError) as exc:
        upload(world, sub, wb)
    text = " | ".join(exc.value.messages)
    assert "no such data element or cell" in text
    assert "this cell is also on row 2" in text
    assert "merged cells (C2:D2)" in text
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("zhijiao.reporting/other/v1/2021/{pk}/r0", "another data set"),
        ("zhijiao.reporting/teachers/v9/2021/{pk}/r0", "version 9 of the data set"),
        ("zhijiao.reporting/teachers/v1/2021/999999/r0", "another organisation or period"),
        ("zhijiao.reporting/teachers/v1/2021/{pk}/r7", "saved after this template was downloaded"),
        ("something else", "not a template downloaded from this form"),
    ],
)
def test_template_of_another_form_is_refused(world, sub, change, message):
    wb = workbook(sub)
    wb.active.cell(row=1, column=6).value = change.format(pk=world.school_a.pk)
    rows_by_key(wb.active)[("teachers_total", "")][4].value = 5
    with pytest.raises(ValidationError) as exc:
        upload(world, sub, wb)
    assert message in exc.value.messages[0]
    assert not DataValue.objects.exists()


def test_a_new_version_refuses_the_old_template(world, sub, period):
    old = workbook(sub)
    rows_by_key(old.active)[("teachers_total", "")][4].value = 5
    definition_load(actor=world["province_admin"], text=SMALL.replace("version: 1", "version: 2"))
    # The submission stays on version 1 (its values are never re-read under version 2): its
    # version-1 template still loads into it.
    upload(world, sub, old)
    assert Submission.objects.get(pk=sub.pk).version.number == 1


def test_malformed_files_are_refused(world, sub):
    for name, content in [
        ("form.xlsx", b"not a zip at all"),
        ("form.csv", b"a,b\n1,2\n"),
        ("form.xlsx", b""),
    ]:
        f = io.BytesIO(content)
        with pytest.raises(ValidationError):
            submission_upload(actor=world["school_a"], submission=sub, fileobj=f, filename=name)
    assert not DataValue.objects.exists()


def test_locked_and_out_of_scope(world, sub):
    wb = workbook(sub)
    with pytest.raises(OutOfScope):
        upload(world, sub, wb, who="school_b")
    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): "3"}, revision=0
    )
    fire("reporting.submission", sub, "submit", actor=world["school_a"])
    with pytest.raises(ValidationError) as exc:
        upload(world, sub, workbook(Submission.objects.get(pk=sub.pk)))
    assert "can no longer be changed" in exc.value.messages[0]


def test_download_and_upload_pages(world, login, client, sub):
    login(world["school_a"])
    form = reverse("reporting:submission_form", args=[sub.pk])
    page = client.get(form).content.decode()
    url = reverse("reporting:template_download", args=[sub.pk])
    assert url in page
    r = client.get(url)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    rows_by_key(wb.active)[("teachers_total", "")][4].value = "x"
    f = as_file(wb)
    up = reverse("reporting:template_upload", args=[sub.pk])
    r = client.post(up, {"file": SimpleUploadedFile("form.xlsx", f.getvalue())}, follow=True)
    assert "nothing was changed" in r.content.decode() and "Enter a number." in r.content.decode()
    rows_by_key(wb.active)[("teachers_total", "")][4].value = 8
    r = client.post(up, {"file": SimpleUploadedFile("form.xlsx", as_file(wb).getvalue())}, follow=True)
    assert "The template&#x27;s values were saved." in r.content.decode()
    assert DataValue.objects.get().value == "8"
    # Another school cannot download or upload.
    login(world["school_b"])
    assert client.get(url).status_code == 404
    assert client.post(up, {"file": SimpleUploadedFile("form.xlsx", f.getvalue())}).status_code == 404
    assert S.DRAFT == Submission.objects.get(pk=sub.pk).status
