"""A city bureau fills its own return of a data set the cities fill (``reporters: {by: city}``) as a
school fills its form — the same code path (``fillers``): the XLSX template download and upload
(wrong data set, version, organisation or revision, types, formulas, merged cells refused; nothing
half-saved) and the as-you-type checks with outlier warnings. Nobody but the city bureau gets the
template, the upload or the checks (404)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhijiao.core.lifecycle import fire
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import services, xlsx
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import CityDataValue, CitySubmission, Period
from zhijiao.reporting.services_xlsx import submission_upload

from .test_city_reporters import DISPATCH

OUTLIERS = DISPATCH.replace(
    "{code: bases, name: 实训基地, type: integer, unit: 个, min: 0, max: 100}",
    "{code: bases, name: 实训基地, type: integer, unit: 个, min: 0, max: 100, expected_max: 30}",
)


def _period(data_set, code, start):
    return Period.objects.create(
        data_set=data_set,
        code=code,
        start=start,
        end=start + datetime.timedelta(days=80),
        deadline=datetime.date(2099, 1, 1),
    )


@pytest.fixture
def ret(world):
    version = definition_load(actor=world["province_admin"], text=OUTLIERS)
    period = _period(version.data_set, "2021Q3", datetime.date(2021, 7, 1))
    return services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)


def workbook(ret):
    return load_workbook(io.BytesIO(xlsx.template_bytes(CitySubmission.objects.get(pk=ret.pk))))


def rows_by_key(ws):
    return {tuple(r[0].value.split("/", 1)): r for r in ws.iter_rows(min_row=2)}


def as_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(world, ret, wb, who="jinan", name="form.xlsx"):
    f = io.BytesIO(as_bytes(wb))
    return submission_upload(
        actor=world[who], submission=CitySubmission.objects.get(pk=ret.pk), fileobj=f, filename=name
    )


def test_template_names_the_city_and_loads_back_through_the_typed_save(world, ret):
    ret = services.submission_save_values(
        actor=world["jinan"], submission=ret, values={("level", ""): "ok"}, revision=0
    )
    wb = workbook(ret)
    ws = wb.active
    assert ws.cell(row=1, column=6).value == f"zhijiao.reporting/dispatch/v1/2021Q3/c{world.jinan.pk}/r1"
    rows = rows_by_key(ws)
    assert set(rows) == {("bases", ""), ("level", ""), ("lead", "")}
    assert rows[("level", "")][4].value == "按期推进"  # the choice's name, not its code
    assert xlsx.template_filename(ret) == f"dispatch-2021Q3-{world.jinan.code}.xlsx"
    rows[("bases", "")][4].value = 12
    rows[("level", "")][4].value = "滞后"
    rows[("lead", "")][4].value = world.school_a.code
    ret = upload(world, ret, wb)
    assert ret.revision == 2
    assert dict(CityDataValue.objects.values_list("element__code", "value")) == {
        "bases": "12",
        "level": "late",
        "lead": world.school_a.code,
    }


def test_bad_rows_are_all_listed_and_nothing_is_saved(world, ret):
    wb = workbook(ret)
    ws = wb.active
    rows = rows_by_key(ws)
    rows[("bases", "")][4].value = "很多"
    rows[("level", "")][4].value = "=1+1"
    ws.append(["nothing/", "", "", "", 3])
    ws.append(["bases/", "", "", "", 4])
    ws.merge_cells("B3:C3")
    with pytest.raises(ValidationError) as exc:
        upload(world, ret, wb)
    text = " | ".join(exc.value.messages)
    for expected in (
        "Enter a number.",
        "a formula is not accepted",
        "no such data element or cell",
        "this cell is also on row 2",
        "merged cells (B3:C3)",
    ):
        assert expected in text, expected
    assert not CityDataValue.objects.exists()
    assert CitySubmission.objects.get(pk=ret.pk).revision == 0


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ("zhijiao.reporting/other/v1/2021Q3/c{city}/r0", "another data set"),
        ("zhijiao.reporting/dispatch/v2/2021Q3/c{city}/r0", "version 2 of the data set"),
        ("zhijiao.reporting/dispatch/v1/2021Q3/c{other}/r0", "another organisation or period"),
        # a school's template whose id happens to be the city's: never the city's return
        ("zhijiao.reporting/dispatch/v1/2021Q3/{city}/r0", "another organisation or period"),
        ("zhijiao.reporting/dispatch/v1/2021Q2/c{city}/r0", "another organisation or period"),
        ("zhijiao.reporting/dispatch/v1/2021Q3/c{city}/r3", "saved after this template was downloaded"),
        ("a sheet of my own", "not a template downloaded from this form"),
    ],
)
def test_a_template_of_another_form_is_refused(world, ret, mark, message):
    wb = workbook(ret)
    wb.active.cell(row=1, column=6).value = mark.format(city=world.jinan.pk, other=world.qingdao.pk)
    rows_by_key(wb.active)[("bases", "")][4].value = 5
    with pytest.raises(ValidationError) as exc:
        upload(world, ret, wb)
    assert message in exc.value.messages[0]
    assert not CityDataValue.objects.exists()


def test_a_stale_template_after_a_web_save_is_refused(world, ret):
    old = workbook(ret)
    services.submission_save_values(
        actor=world["jinan"], submission=ret, values={("bases", ""): "3"}, revision=0
    )
    rows_by_key(old.active)[("bases", "")][4].value = 9
    with pytest.raises(ValidationError) as exc:
        upload(world, ret, old)
    assert "saved after this template was downloaded" in exc.value.messages[0]
    assert CityDataValue.objects.get().value == "3"


def test_malformed_files_locked_return_and_another_city(world, ret):
    for name, content in [("form.xlsx", b"not a zip"), ("form.csv", b"a,b\n"), ("form.xlsx", b"")]:
        with pytest.raises(ValidationError):
            submission_upload(
                actor=world["jinan"], submission=ret, fileobj=io.BytesIO(content), filename=name
            )
    wb = workbook(ret)
    with pytest.raises(OutOfScope):
        upload(world, ret, wb, who="qingdao")
    ret = services.submission_save_values(
        actor=world["jinan"], submission=ret, values={("bases", ""): "4"}, revision=0
    )
    fire("reporting.city_submission", ret, "submit", actor=world["jinan"])
    with pytest.raises(ValidationError) as exc:
        upload(world, ret, workbook(ret))
    assert "can no longer be changed" in exc.value.messages[0]
    assert CityDataValue.objects.get().value == "4"


def test_pages_template_upload_and_checks_for_the_city_bureau_only(world, ret, client, login):
    form = reverse("reporting:city_submission", args=[ret.pk])
    template = reverse("reporting:city_template_download", args=[ret.pk])
    up = reverse("reporting:city_template_upload", args=[ret.pk])
    check = reverse("reporting:city_check", args=[ret.pk])
    login(world["jinan"])
    page = client.get(form).content.decode()
    assert template in page and up in page and check in page and 'id="fb-v__bases__"' in page
    r = client.get(template)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    rows_by_key(wb.active)[("bases", "")][4].value = "x"
    r = client.post(up, {"file": SimpleUploadedFile("form.xlsx", as_bytes(wb))}, follow=True)
    body = r.content.decode()
    assert r.redirect_chain[-1][0] == form
    assert "nothing was changed" in body and "Enter a number." in body
    rows_by_key(wb.active)[("bases", "")][4].value = 8
    r = client.post(up, {"file": SimpleUploadedFile("form.xlsx", as_bytes(wb))}, follow=True)
    assert "The template&#x27;s values were saved." in r.content.decode()
    assert CityDataValue.objects.get(element__code="bases").value == "8"
    r = client.post(up, {}, follow=True)
    assert "Choose the filled-in template to upload." in r.content.decode()

    # as one types: the field's message, the rule across elements, and the outlier warning
    r = client.post(check, {"v__bases__": "abc"}, HTTP_HX_TRIGGER_NAME="v__bases__")
    body = r.content.decode()
    assert r.status_code == 200 and "Enter a number." in body and 'id="fb-v__bases__"' in body
    body = client.post(check, {"v__bases__": "60"}).content.decode()
    assert "基地数不超过50" in body and "Unusually high: usually at most 30." in body
    assert CityDataValue.objects.get(element__code="bases").value == "8"  # nothing saved

    # nobody else: another city, the province (it reviews the return, it does not fill it), a school
    for who in ("qingdao", "province_admin", "school_a"):
        login(world[who])
        assert client.get(template).status_code == 404, who
        assert client.post(up, {"file": SimpleUploadedFile("form.xlsx", as_bytes(wb))}).status_code == 404
        assert client.post(check, {"v__bases__": "1"}).status_code == 404, who
    assert CityDataValue.objects.get(element__code="bases").value == "8"


def test_outlier_flags_compare_with_the_citys_previous_return(world, ret):
    earlier = _period(ret.period.data_set, "2021Q2", datetime.date(2021, 4, 1))
    before = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=earlier)
    services.submission_save_values(
        actor=world["jinan"], submission=before, values={("bases", ""): "10"}, revision=0
    )
    other = services.city_submission_open(actor=world["qingdao"], city=world.qingdao, period=earlier)
    services.submission_save_values(
        actor=world["qingdao"], submission=other, values={("bases", ""): "1"}, revision=0
    )
    from zhijiao.reporting.fillers import CITY

    assert CITY.previous_numbers(world["jinan"], ret) == {("bases", ""): 10}
