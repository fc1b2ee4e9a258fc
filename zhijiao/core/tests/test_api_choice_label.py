"""``choice_label`` reads the label from the row itself (no ``inspect.signature`` per row and field)."""

from __future__ import annotations

from unittest import mock

from zhijiao.core.testing_api import api_client
from zhijiao.orgs.api.serializers import InstitutionSerializer


def test_labels_are_the_rows_display_values(world):
    school = world.school_a
    data = InstitutionSerializer(school).data
    assert data["kind_label"] == school.get_kind_display()
    assert data["status_label"] == school.get_status_display()
    assert data["ownership_label"] == school.get_ownership_display()
    assert InstitutionSerializer.Meta.read_only_fields  # unchanged: labels are read-only fields
    assert InstitutionSerializer().fields["kind_label"].read_only


def test_a_list_response_inspects_no_label_method_per_row(world):
    from rest_framework import fields

    with mock.patch.object(fields, "is_simple_callable", wraps=fields.is_simple_callable) as spy:
        response = api_client(world["province_staff"]).get("/api/v1/institutions/")
    assert response.status_code == 200 and len(response.json()["results"]) >= 2
    # DRF inspects each callable attribute it reads (inspect.signature): none any more.
    assert not [c.args[0] for c in spy.call_args_list if callable(c.args[0])]


def test_labels_follow_the_language_and_the_row(world):
    from django.utils import translation

    from zhijiao.orgs.choices import InstitutionKind

    school = world.school_a
    label = InstitutionKind(school.kind).label
    with translation.override("zh-hans"):
        chinese = InstitutionSerializer(school).data["kind_label"]
        assert chinese == str(label)
    with translation.override("en"):
        english = InstitutionSerializer(school).data["kind_label"]
        assert english == str(label)
    assert chinese != english  # the labels cached per process are lazy: each request's language
    # Another row, another kind: the label is the row's own, not the first row's.
    other = next(k for k in InstitutionKind if k != school.kind)
    school.kind = other
    assert InstitutionSerializer(school).data["kind_label"] == school.get_kind_display()
    school.kind = "no-such-kind"  # a value outside the choices shows as itself, as Django does
    assert InstitutionSerializer(school).data["kind_label"] == "no-such-kind"
