"""File and reference elements through the form, the XLSX template, validation and the rollups;
indicator and scoring-scheme pages; formulas and veto items in scoring."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhijiao.core.lifecycle import fire
from zhijiao.core.testing import blank_pdf
from zhijiao.majors.models import Major, MajorCategory, MajorClass
from zhijiao.reporting import xlsx
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import (
    Aggregate,
    DataValue,
    Indicator,
    Period,
    ScoringScheme,
    Submission,
    SubmissionFile,
)
from zhijiao.reporting.services import clean_value, submission_open, submission_save_values
from zhijiao.reporting.services_xlsx import submission_upload
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

TYPED = """
code: partners
name: 合作情况
version: 1
period_type: year
sections:
  - code: main
    name: 基本
    elements:
      - {code: students, name: 在校生, type: integer, min: 0}
      - {code: partner, name: 合作院校, type: org}
      - {code: top_major, name: 骨干专业, type: major}
      - {code: plan, name: 建设方案, type: file, max_mb: 1}
"""


@pytest.fixture
def typed(world):
    cat = MajorCategory.objects.create(level="secondary", code="99", name="示例大类")
    cls = MajorClass.objects.create(category=cat, code="9902", name="示例类")
    Major.objects.create(
        major_class=cls, level="secondary", code="990101", name="示例专业", catalogue_version="2021"
    )
    Major.objects.create(
        major_class=cls, level="higher", code="990201", name="示例专业乙", catalogue_version="2021"
    )
    Major.objects.create(
        major_class=cls, level="higher", code="990299", name="示例专业", catalogue_version="2021"
    )
    version = definition_load(actor=world["province_admin"], text=TYPED)
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def test_references_take_a_code_or_a_name(world, typed):
    partner = typed.version.elements.get(code="partner")
    major = typed.version.elements.get(code="top_major")
    assert clean_value(partner, world.school_b.code) == (world.school_b.code, Decimal(1))
    assert clean_value(partner, world.school_b.name) == (world.school_b.code, Decimal(1))
    assert clean_value(major, "示例专业乙") == ("990201", Decimal(1))
    with pytest.raises(ValidationError, match="No institution has the code or name “无此学校”"):
        clean_value(partner, "无此学校")
    with pytest.raises(ValidationError, match="Several majors are named “示例专业”; enter the code"):
        clean_value(major, "示例专业")


def test_reference_search_answers_codes(world, login, client, typed):
    login(world["school_a"])
    r = client.get(reverse("reporting:reference_search", args=["major"]), {"q": "99020"})
    assert r.json()["results"] == [{"id": "990201", "text": "示例专业乙（990201）"}]
    r = client.get(reverse("reporting:reference_search", args=["org"]), {"q": "青岛"})
    assert [x["id"] for x in r.json()["results"]] == [world.school_b.code]
    assert client.get(reverse("reporting:reference_search", args=["nothing"])).status_code == 404


def test_the_web_form_saves_references_and_attaches_files(world, login, client, typed):
    login(world["school_a"])
    url = reverse("reporting:submission_form", args=[typed.pk])
    page = client.get(url).content.decode()
    assert 'data-autocomplete-url="/reporting/references/org/"' in page and 'form="file-plan"' in page
    r = client.post(url, {"revision": 0, "v__partner__": world.school_b.code, "v__top_major__": "990101"})
    assert r.status_code == 302
    assert "示例专业（990101）" in client.get(url).content.decode()
    upload = reverse("reporting:file_upload", args=[typed.pk, "plan"])
    r = client.post(upload, {"file": SimpleUploadedFile("方案.exe", b"MZ...", "application/octet-stream")})
    assert SubmissionFile.objects.count() == 0
    r = client.post(upload, {"file": SimpleUploadedFile("方案.pdf", blank_pdf(), "application/pdf")})
    attached = SubmissionFile.objects.get()
    assert attached.name == "方案.pdf"
    assert DataValue.objects.get(submission=typed, element__code="plan").value == "方案.pdf"
    typed.refresh_from_db()
    assert typed.revision == 2
    download = client.get(reverse("reporting:file_download", args=[typed.pk, attached.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # Another school sees neither the file nor the form.
    login(world["school_b"])
    assert client.get(reverse("reporting:file_download", args=[typed.pk, attached.pk])).status_code == 404
    assert client.post(upload, {"file": SimpleUploadedFile("x.pdf", blank_pdf())}).status_code == 404


def test_a_file_over_the_element_limit_is_refused(world, login, client, typed, settings):
    login(world["school_a"])
    big = blank_pdf() + b"%" * (1024 * 1024)
    r = client.post(
        reverse("reporting:file_upload", args=[typed.pk, "plan"]),
        {"file": SimpleUploadedFile("big.pdf", big, "application/pdf")},
        follow=True,
    )
    assert not SubmissionFile.objects.exists() and "big.pdf" in r.content.decode()


def test_the_template_says_upload_files_on_the_web_and_reads_references(world, typed):
    wb = load_workbook(io.BytesIO(xlsx.template_bytes(typed)))
    ws = wb.active
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["plan/"][4].value == "Upload the file on the web form"
    assert rows["plan/"][4].protection.locked
    rows["partner/"][4].value = world.school_b.name
    rows["top_major/"][4].value = "示例专业乙"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    submission_upload(actor=world["school_a"], submission=typed, fileobj=buffer, filename="t.xlsx")
    stored = dict(DataValue.objects.filter(submission=typed).values_list("element__code", "value"))
    assert stored == {"partner": world.school_b.code, "top_major": "990201"}
    typed.refresh_from_db()
    ws = load_workbook(io.BytesIO(xlsx.template_bytes(typed))).active
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rows["partner/"][4].value = "无此学校"
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    buffer.seek(0)
    with pytest.raises(ValidationError) as caught:
        submission_upload(actor=world["school_a"], submission=typed, fileobj=buffer, filename="t.xlsx")
    assert "No institution has the code or name “无此学校”" in caught.value.messages[0]
    assert DataValue.objects.get(submission=typed, element__code="partner").value == world.school_b.code


def test_references_are_counted_files_are_not(world, login, client, typed):
    typed = submission_save_values(
        actor=world["school_a"],
        submission=typed,
        values={("students", ""): "10", ("partner", ""): world.school_b.code},
        revision=0,
    )
    login(world["school_a"])
    client.post(
        reverse("reporting:file_upload", args=[typed.pk, "plan"]),
        {"file": SimpleUploadedFile("方案.pdf", blank_pdf(), "application/pdf")},
    )
    typed = fire(
        "reporting.submission", Submission.objects.get(pk=typed.pk), "submit", actor=world["school_a"]
    )
    request = ApprovalRequest.objects.filter(object_id=typed.pk, kind="reporting.submission").latest("id")
    wf.request_approve(actor=world["jinan"], request=request)
    wf.request_approve(actor=world["province_admin"], request=request)
    codes = set(Aggregate.objects.filter(period=typed.period).values_list("element_code", flat=True))
    assert codes == {"students", "partner"}
    assert Aggregate.objects.filter(element_code="partner", region__code="370000").get().total == 1
    # A veto item that scores nothing makes the school's total nothing.
    from zhijiao.reporting.scoring import scheme_results
    from zhijiao.reporting.services_editor import scheme_save

    scheme = scheme_save(
        actor=world["province_admin"],
        code="veto",
        name="否决（示例）",
        data_set=typed.period.data_set,
        level="school",
        items=[
            {
                "name": "在校生",
                "element_code": "students",
                "weight": Decimal(60),
                "zero_at": 0,
                "full_at": 10,
            },
            {
                "name": "规模",
                "formula": "students - 20",
                "weight": Decimal(40),
                "zero_at": 0,
                "full_at": 10,
                "is_veto": True,
            },
        ],
    )
    _items, results = scheme_results(scheme, typed.period, user=world["province_admin"])
    assert [(r.scores, r.vetoed, r.total, r.rank, r.veto_items, r.items_total) for r in results] == [
        ([Decimal(60), Decimal(0)], True, Decimal(0), None, ["规模"], Decimal(60))
    ]
    # The page says so: the veto item is marked, the school is vetoed, unranked, its sum given.
    login(world["province_admin"])
    page = client.get(reverse("reporting:scoring"), {"scheme": scheme.pk, "period": typed.period_id})
    html = page.content.decode()
    assert "Veto item" in html and "Vetoed" in html and "table-danger" in html
    assert "Vetoed by 规模; items add up to 60, counted as 0 and not ranked" in html
    row = html.split('class="table-danger"')[1].split("</tr>")[0]
    assert "<td>—</td>" in row and world.school_a.name in row


# --- indicators and scoring schemes -----------------------------------------------------------


def test_indicator_pages(world, login, client, typed):
    login(world["province_admin"])
    data_set = typed.period.data_set
    form = {
        "code": "students",
        "name": "在校生数",
        "data_set": data_set.pk,
        "element_code": "students",
        "order": 1,
    }
    r = client.post(reverse("reporting:editor_indicator_new"), {**form, "element_code": "partner"})
    assert r.status_code == 400 and "Choose a numeric data element" in r.content.decode()
    r = client.post(reverse("reporting:editor_indicator_new"), form)
    assert r.status_code == 302
    indicator = Indicator.objects.get()
    r = client.post(reverse("reporting:editor_indicator", args=[indicator.pk]), {**form, "target": "500"})
    indicator.refresh_from_db()
    assert r.status_code == 302 and indicator.target == 500
    assert "在校生数" in client.get(reverse("reporting:editor_indicators")).content.decode()


def _items(*rows):
    data = {"items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        data.update({f"items-{n}-{k}": v for k, v in row.items()})
    return data


def test_scheme_pages_check_formulas(world, login, client, typed):
    login(world["province_admin"])
    data_set = typed.period.data_set
    head = {"code": "kh", "name": "考核（示例）", "data_set": data_set.pk, "level": "school"}
    bad = _items({"name": "比例", "formula": "students ** 2", "weight": "10", "zero_at": "0", "full_at": "1"})
    r = client.post(reverse("reporting:editor_scheme_new"), {**head, **bad})
    assert r.status_code == 400 and "is not allowed in an expression" in r.content.decode()
    assert not ScoringScheme.objects.exists()
    good = _items(
        {"name": "在校生", "element_code": "students", "weight": "60", "zero_at": "0", "full_at": "100"},
        {
            "name": "规模达标",
            "formula": "students / 10",
            "weight": "40",
            "zero_at": "0",
            "full_at": "2",
            "is_veto": "on",
        },
    )
    assert client.post(reverse("reporting:editor_scheme_new"), {**head, **good}).status_code == 302
    scheme = ScoringScheme.objects.get()
    assert [(i.formula, i.is_veto) for i in scheme.items.all()] == [("", False), ("students / 10", True)]
    page = client.get(reverse("reporting:editor_scheme", args=[scheme.pk])).content.decode()
    assert "students / 10" in page


def test_formula_and_veto_scoring():
    from zhijiao.reporting.models import ScoringItem
    from zhijiao.reporting.scoring import item_score, item_value

    cells = {("students", ""): Decimal(50), ("staff", "a"): Decimal(2), ("staff", "b"): Decimal(3)}
    ratio = ScoringItem(
        formula="students / staff", weight=Decimal(10), zero_at=Decimal(0), full_at=Decimal(20)
    )
    assert item_value(ratio, cells) == Decimal(10)
    assert item_score(ratio, item_value(ratio, cells)) == Decimal("5.00")
    assert item_value(ScoringItem(formula="students / ghost"), cells) is None
    assert item_value(ScoringItem(element_code="staff", cell="b"), cells) == Decimal(3)


def test_the_diff_since_return_names_references(world, login, client, typed):
    from zhijiao.reporting.diff import changes_since_return

    sub = submission_save_values(
        actor=world["school_a"],
        submission=typed,
        values={("students", ""): "10", ("partner", ""): world.school_b.code, ("top_major", ""): "990101"},
        revision=0,
    )
    sub = fire("reporting.submission", sub, "submit", actor=world["school_a"])
    request = ApprovalRequest.objects.filter(object_id=sub.pk, kind="reporting.submission").latest("id")
    wf.request_return(actor=world["jinan"], request=request, comment="请核对")
    sub = Submission.objects.get(pk=sub.pk)
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={("partner", ""): world.school_a.code, ("top_major", ""): "990201"},
        revision=sub.revision,
    )
    got = {c["element"].code: (c["before"], c["after"]) for c in changes_since_return(sub)}
    assert got == {
        "partner": (world.school_b.name, world.school_a.name),
        "top_major": ("示例专业", "示例专业乙"),
    }
    sub = fire("reporting.submission", sub, "submit", actor=world["school_a"])
    login(world["jinan"])
    page = client.get(reverse("reporting:submission_form", args=[sub.pk])).content.decode()
    assert f"<del>{world.school_b.name}</del>" in page and "<ins>示例专业乙</ins>" in page
    assert f"<del>{world.school_b.code}</del>" not in page
