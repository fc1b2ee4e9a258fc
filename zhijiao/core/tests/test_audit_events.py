"""Typed audit events (core.events) and the one audit writer (core.audit.write_entries) for row
and COPY paths alike."""

import pytest
from django.urls import reverse

from zhijiao.core import events
from zhijiao.core.audit import AuditAction, audit_bulk, audit_record
from zhijiao.core.importing import pgcopy
from zhijiao.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_event_names_are_registered_with_labels():
    assert events.is_registered("approval.returned")
    assert events.is_registered("certificate.revoked")  # an app's, from its AppConfig.lifecycles
    assert dict(events.choices())["approval.returned"] == events.label("approval.returned")
    assert events.label("") == "" and events.label("gone.away") == "gone.away"
    with pytest.raises(ValueError):
        events.check("approval.retruned")
    with pytest.raises(ValueError):
        events.register_events({"NoDot": "x"})


def test_an_unregistered_event_is_not_written(world):
    with pytest.raises(ValueError):
        audit_record(actor=world["jinan"], action=AuditAction.UPDATE, instance=world.school_a, event="x.y")
    assert not AuditEntry.objects.exists()


def _stored(pks):
    fields = [f.name for f in AuditEntry._meta.concrete_fields if f.name not in ("id", "timestamp")]
    return [
        {f: getattr(e, f if f != "actor" else "actor_id") for f in fields}
        for e in AuditEntry.objects.filter(pk__in=pks).order_by("id")
    ]


@pytest.mark.parametrize("copy", [True, False])
def test_copy_and_bulk_create_write_the_same_entry(world, monkeypatch, copy):
    if copy and not pgcopy.copy_supported():
        pytest.skip("COPY needs PostgreSQL with psycopg 3")
    monkeypatch.setattr(pgcopy, "copy_supported", lambda using="default": copy)
    items = [(world.school_a, {"address": "旧", "name": "甲"}, {"address": "新路1号", "name": "甲"})]
    audit_bulk(
        actor=world["jinan"], action=AuditAction.UPDATE, items=items, message="m", event="approval.approved"
    )
    bulk = AuditEntry.objects.latest("id")
    single = audit_record(
        actor=world["jinan"],
        action=AuditAction.UPDATE,
        instance=world.school_a,
        before=items[0][1],
        after=items[0][2],
        message="m",
        event="approval.approved",
    )
    first, second = _stored([bulk.pk, single.pk])
    assert first == second
    assert first["before"] == {"address": "旧"} and first["after"] == {"address": "新路1号"}
    assert first["event"] == "approval.approved" and first["scope_path"] == world.school_a.region.path


def test_audit_page_and_api_filter_by_event(world, login):
    audit_record(
        actor=world["jinan"], action=AuditAction.UPDATE, instance=world.school_a, event="approval.returned"
    )
    audit_record(actor=world["jinan"], action=AuditAction.UPDATE, instance=world.school_a, message="plain")
    client = login(world["auditor"])
    page = client.get(reverse("core:audit_list"), {"event": "approval.returned"})
    assert page.status_code == 200 and page.context["table"].paginator.count == 1
    assert events.label("approval.returned") in page.content.decode()
    assert client.get(reverse("core:audit_list"), {"event": "no.such"}).status_code == 200
    api = client.get("/api/v1/audit-entries/", {"event": "approval.returned"}).json()
    assert [r["event"] for r in api["results"]] == ["approval.returned"]
    assert api["results"][0]["event_label"] == events.label("approval.returned")
