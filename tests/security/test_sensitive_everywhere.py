"""Issue 11, item 1: no sensitive value (ID number, 学籍号, phone numbers, a person's address) leaves
the server in full — through any API endpoint or serializer, page, table, export column map or
audit snapshot — except through the audited reveal.

The test fills one of each with values that cannot appear by chance, then walks every registered
API route, every serializer and table class of the project, every importer's export and every
audit entry, and a crawl of the pages, and fails on the first full value it meets.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from decimal import Decimal
from importlib import import_module

import django_tables2 as tables
import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from zhijiao.core import sensitive
from zhijiao.core.audit import snapshot
from zhijiao.core.importing.base import autodiscover
from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import make_resident_id
from zhijiao.core.testing_api import api_client
from zhijiao.students import services as student_services
from zhijiao.students.models import Student
from zhijiao.students.tests.factories import add_student

pytestmark = pytest.mark.django_db

ID_NUMBER = make_resident_id(division="370102", birth="20080229", order=917)
REGISTRY = "G" + ID_NUMBER
STUDENT_PHONE = "13912345678"
GUARDIAN_PHONE = "13787654321"
USER_PHONE = "13611112222"
CONTACT_PHONE = "13533334444"
MENTOR_PHONE = "13455556666"
ADDRESS_TAIL = "经十路甲1号院"
ADDRESS = "山东省济南市历下区" + ADDRESS_TAIL
#: What must never appear: the ID number (the 学籍号 holds it), the phone numbers, the street.
FULL = [ID_NUMBER, ID_NUMBER[6:14] + ID_NUMBER[14:], STUDENT_PHONE, GUARDIAN_PHONE, USER_PHONE]
FULL += [CONTACT_PHONE, MENTOR_PHONE, ADDRESS_TAIL]


def assert_masked(text: str, where: str) -> None:
    for value in FULL:
        assert value not in text, f"{value} in full in {where}"


@pytest.fixture
def people(world, settings):
    """One record of every kind with sensitive fields, written through the services."""
    from zhijiao.accounts import services as account_services
    from zhijiao.internships import services as internship_services
    from zhijiao.internships.checkins import checkin_ingest
    from zhijiao.internships.tests.conftest import IWorld

    settings.CELERY_TASK_ALWAYS_EAGER = True
    student = add_student(world, name="王敏感", number=ID_NUMBER)
    student_services.student_update(
        actor=world["school_a"],
        student=student,
        data={"phone": STUDENT_PHONE, "guardian_phone": GUARDIAN_PHONE, "guardian_name": "王父"},
    )
    # The 学籍号 comes from the approval of the registration batch, as in production.
    batch = student_services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=2024, term="autumn"
    )
    student_services.batch_override_deadline(actor=world["province_admin"], batch=batch, reason="补录")
    student_services.batch_submit(actor=world["school_a"], batch=batch)
    from zhijiao.workflows import services as wf

    batch.refresh_from_db()
    wf.request_approve(actor=world["jinan"], request=batch.approval, comment="")
    batch.approval.refresh_from_db()
    wf.request_approve(actor=world["province_admin"], request=batch.approval, comment="")
    student.refresh_from_db()
    assert student.registry_number == REGISTRY
    account_services.user_update(
        actor=world["province_admin"], user=world["jinan"], data={"phone": USER_PHONE}
    )
    from zhijiao.enterprises.services import enterprise_update

    enterprise_update(actor=world["ent_a"], enterprise=world.ent_a, data={"contact_phone": CONTACT_PHONE})
    iw = IWorld(world)
    placement = iw.placement(activate=True)
    internship_services.mentor_assign(
        actor=world["school_a"], placement=placement, kind="host", name="赵工", phone=MENTOR_PHONE
    )
    intern = placement.enrolment.student.user
    checkin_ingest(
        actor=intern,
        kind="START",
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
        latitude=Decimal("36.651200"),
        longitude=Decimal("117.120000"),
        client_key="walker-1",
        address=ADDRESS,
    )
    return {"student": student, "placement": placement, "intern": intern}


def test_the_registry_lists_the_sensitive_fields():
    found = {(m._meta.label_lower, f): k for m, f, k in sensitive.registry()}
    assert found[("students.student", "id_number")] == "resident_id"
    assert found[("students.student", "registry_number")] == "registry_number"
    assert found[("students.student", "guardian_phone")] == "phone"
    assert found[("accounts.user", "phone")] == "phone"
    assert found[("enterprises.enterprise", "contact_phone")] == "phone"
    assert found[("internships.mentorassignment", "phone")] == "phone"
    assert found[("internships.checkin", "address")] == "address"
    for model, name, kind in sensitive.registry():
        assert kind in sensitive.KINDS
        model._meta.get_field(name)  # a real field


def test_masks():
    assert sensitive.mask("resident_id", ID_NUMBER) == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert sensitive.mask("registry_number", REGISTRY) == "G" + ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert sensitive.mask("phone", STUDENT_PHONE) == "139****5678"
    assert sensitive.mask("address", ADDRESS) == "山东省济南市****"
    for kind, value in (("resident_id", ID_NUMBER), ("registry_number", REGISTRY), ("address", "历下****")):
        once = sensitive.mask(kind, value)
        assert sensitive.mask(kind, once) == once  # idempotent


# --- audit ----------------------------------------------------------------------------------------
def test_every_audit_entry_and_snapshot_is_masked(people):
    entries = list(AuditEntry.objects.values("before", "after", "message", "object_repr"))
    assert len(entries) > 20
    assert_masked(json.dumps(entries, ensure_ascii=False), "audit entries")
    approved = AuditEntry.objects.filter(object_type="students.student", after__has_key="registry_number")
    assert approved.exists()
    for model, _name, _kind in sensitive.registry():
        for instance in model._default_manager.all()[:50]:
            assert_masked(json.dumps(snapshot(instance), ensure_ascii=False), f"snapshot of {model}")


# --- the API --------------------------------------------------------------------------------------
def _routes():
    from zhijiao.core.api.urls import router

    return [(prefix, viewset) for prefix, viewset, _basename in router.registry]


@pytest.mark.parametrize("user", ["province_admin", "school_a", "jinan", "ent_a", "auditor"])
def test_every_api_route_is_masked(people, world, user):
    client = api_client(world[user])
    seen = 0
    for prefix, viewset in _routes():
        if not hasattr(viewset, "list"):
            continue
        response = client.get(f"/api/v1/{prefix}/", {"page_size": 200})
        if response.status_code != 200:
            continue
        assert_masked(response.content.decode(), f"GET /api/v1/{prefix}/ as {user}")
        body = response.json()
        rows = body.get("results", []) if isinstance(body, dict) else []
        for row in rows[:20]:
            if isinstance(row, dict) and "id" in row:
                detail = client.get(f"/api/v1/{prefix}/{row['id']}/")
                assert_masked(detail.content.decode(), f"GET /api/v1/{prefix}/{row['id']}/ as {user}")
                seen += 1
    assert seen > 0
    intern = api_client(people["intern"]).get("/api/v1/checkins/")
    assert_masked(intern.content.decode(), "the intern's own check-ins")


def _project_classes(base):
    """Every subclass of ``base`` defined in the project's modules (all api/serializers, tables)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        for module in ("api.serializers", "tables", "api.views", "api.audit", "api.jobs"):
            try:
                import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                continue
    out, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("zhijiao."):
                out.add(sub)
    return sorted(out, key=lambda c: (c.__module__, c.__name__))


def test_every_model_serializer_is_masked(people, world):
    request = APIRequestFactory().get("/api/v1/")
    request.user = world["province_admin"]
    from rest_framework.request import Request

    checked = 0
    for cls in _project_classes(serializers.ModelSerializer):
        model = getattr(getattr(cls, "Meta", None), "model", None)
        if model is None or inspect.isabstract(cls):
            continue
        for instance in model._default_manager.all()[:10]:
            try:
                data = cls(instance, context={"request": Request(request)}).data
            except Exception as exc:  # a serializer that needs more context: skip, the API walk covers it
                if "context" in str(exc) or isinstance(exc, (KeyError, AttributeError)):
                    continue
                raise
            assert_masked(
                json.dumps(data, ensure_ascii=False, default=str), f"{cls.__module__}.{cls.__name__}"
            )
            checked += 1
    assert checked > 20


# --- tables and exports ---------------------------------------------------------------------------
def test_every_table_is_masked(people, rf, world):
    checked = 0
    for cls in _project_classes(tables.Table):
        model = getattr(getattr(cls, "Meta", None), "model", None)
        if model is None:
            continue
        queryset = model._default_manager.all()
        table = cls(queryset)
        request = rf.get("/")
        request.user = world["province_admin"]
        tables.RequestConfig(request).configure(table)
        rendered = " ".join(str(cell) for row in table.rows for cell in row)
        exported = json.dumps(list(table.as_values()), ensure_ascii=False, default=str)
        assert_masked(rendered + exported, f"table {cls.__name__}")
        checked += 1
    assert checked >= 5


def test_every_export_column_map_is_masked(people):
    checked = 0
    for kind, importer in autodiscover().items():
        queryset = importer.model._default_manager.all()
        rows = list(importer.export_rows(queryset))
        assert_masked(json.dumps(rows, ensure_ascii=False, default=str), f"export of {kind}")
        checked += 1
    assert checked >= 4


# --- pages ----------------------------------------------------------------------------------------
_HREF = re.compile(r'href="(/[^"#]*)"')
_SKIP = re.compile(r"reveal=|export=|logout|/static/|/media/|/api/|\.pdf|\.xlsx|/download|/print")


@pytest.mark.parametrize("user", ["province_admin", "school_a"])
def test_a_crawl_of_the_pages_shows_no_full_value(people, world, login, user):
    client = login(world[user])
    student = people["student"]
    start = ["/", f"/students/{student.pk}/", "/students/", f"/accounts/users/{world['jinan'].pk}/"]
    start += [f"/enterprises/{world.ent_a.pk}/", f"/internships/placements/{people['placement'].pk}/"]
    queue, seen = list(start), set()
    while queue and len(seen) < 150:
        path = queue.pop(0)
        if path in seen or _SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        text = response.content.decode()
        assert_masked(text, f"{path} as {user}")
        queue.extend(link.replace("&amp;", "&") for link in _HREF.findall(text))
    assert len(seen) > 30


def test_reveal_on_the_student_page_is_audited_and_only_for_those_allowed(people, world, login):
    student = people["student"]
    client = login(world["school_a"])
    page = client.get(f"/students/{student.pk}/").content.decode()
    assert "reveal=registry_number" in page and REGISTRY not in page
    shown = client.get(f"/students/{student.pk}/", {"reveal": "registry_number"}).content.decode()
    assert REGISTRY in shown and ID_NUMBER not in shown.replace(REGISTRY, "")
    entry = AuditEntry.objects.filter(action="view_sensitive", object_id=str(student.pk)).latest("id")
    assert entry.message == "registry_number" and entry.actor == world["school_a"]
    auditor = login(world["auditor"]).get(f"/students/{student.pk}/", {"reveal": "registry_number"})
    assert REGISTRY not in auditor.content.decode() and "reveal=" not in auditor.content.decode()
    # The API's reveal, alike.
    api = api_client(world["jinan"]).post(
        f"/api/v1/students/{student.pk}/reveal/", {"field": "registry_number"}, format="json"
    )
    assert api.status_code == 200 and api.json()["value"] == REGISTRY
    assert (
        api_client(world["auditor"])
        .post(f"/api/v1/students/{student.pk}/reveal/", {"field": "id_number"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_client(world["qingdao"])
        .post(f"/api/v1/students/{student.pk}/reveal/", {"field": "id_number"}, format="json")
        .status_code
        == 404
    )


def test_search_by_full_registry_number_or_id_still_finds_the_student(people, world, login):
    student = people["student"]
    for query in (REGISTRY, ID_NUMBER):
        page = login(world["school_a"]).get("/students/", {"q": query}).content.decode()
        assert f"/students/{student.pk}/" in page, query
        # The search box shows back what its user typed; the results show it masked.
        echoed = page.replace(f'value="{query}"', "").replace(f"q={query}", "")
        assert_masked(echoed, "search results")


def test_internal_uses_keep_the_full_value(people):
    student = Student.objects.get(pk=people["student"].pk)
    assert student.id_number == ID_NUMBER and student.registry_number == REGISTRY
