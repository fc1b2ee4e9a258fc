"""Rows read through planned fields (``core.api.representation``) are the rows DRF's own loop writes.

Every list endpoint of the API is read twice over the scope matrix's world — once as it answers, once
with the planned loop replaced by ``Serializer.to_representation`` — and the two answers must be the
same JSON. Then the cases the plan hands back to DRF: a ``None`` halfway along a path (default,
``allow_null``, omitted field), a property, a formatted date-time, another time zone.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone, translation
from rest_framework import serializers

from zhijiao.core.api.representation import PlannedRepresentationMixin
from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.testing_api import api_client
from zhijiao.core.testing_scope import build_world
from zhijiao.orgs.models import Institution

pytestmark = pytest.mark.django_db


def _stock(self, instance):
    return serializers.Serializer.to_representation(self, instance)


def _list_prefixes():
    from zhijiao.core.api.urls import router

    for prefix, viewset, _basename in router.registry:
        if "list" in dir(viewset) and getattr(viewset, "serializer_class", None) is not None:
            yield prefix


def test_every_list_endpoint_answers_as_drf_would():
    world = build_world()
    client = api_client(world["superuser"], scopes=("audit",))
    compared, with_rows, fields_seen = 0, 0, set()
    with translation.override("zh-hans"):
        for prefix in _list_prefixes():
            url = f"/api/v1/{prefix}/?page_size=500"
            planned = client.get(url)
            if planned.status_code != 200:
                continue  # an endpoint with a required filter, or none for the superuser
            with mock.patch.object(PlannedRepresentationMixin, "to_representation", _stock):
                stock = client.get(url)
            assert stock.status_code == 200, prefix
            assert planned.json() == stock.json(), prefix
            compared += 1
            rows = planned.json().get("results", [])
            if rows:
                with_rows += 1
                fields_seen |= set(rows[0])
    assert compared >= 30
    # The comparison means something only over real rows of every kind of field.
    assert with_rows >= 20
    assert {"created_at", "region", "kind_label", "region_name"} <= fields_seen


class _InstitutionRows(ModelSerializer):
    region_name = serializers.CharField(source="region.name")
    parent_name = serializers.CharField(source="region.parent.name", default="—")
    parent_code = serializers.CharField(source="region.parent.code", allow_null=True)
    parent_level = serializers.CharField(source="region.parent.level", required=False)
    kind_label = choice_label("kind")
    created = serializers.DateTimeField(source="created_at", format="%Y年%m月%d日 %H:%M")
    updated = serializers.DateTimeField(source="updated_at")
    upper_name = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = [
            "id",
            "code",
            "region",
            "region_name",
            "parent_name",
            "parent_code",
            "parent_level",
            "kind_label",
            "created",
            "updated",
            "upper_name",
        ]

    def get_upper_name(self, obj):
        return obj.name.upper()


def _rows(world):
    """A school; one in the province's own region (no parent region); one with no region at all."""
    school = world.school_a
    province = school.region
    while province.parent_id is not None:
        province = province.parent

    def made(pk, region):
        return Institution(
            pk=pk,
            code=f"41379{pk:05d}",
            name="示例学校",
            kind=school.kind,
            ownership=school.ownership,
            status=school.status,
            region=region,
            created_at=timezone.now(),
            updated_at=dt.datetime(2026, 1, 1, 8, 30, tzinfo=dt.UTC),
        )

    return [school, made(99998, province), made(99999, None)]


def test_a_none_halfway_is_read_by_drfs_rules(world):
    rows = _rows(world)
    planned = _InstitutionRows(rows, many=True).data
    with mock.patch.object(PlannedRepresentationMixin, "to_representation", _stock):
        stock = _InstitutionRows(rows, many=True).data
    assert planned == stock
    school, top, orphan = planned
    assert school["region"] == world.school_a.region_id
    assert school["region_name"] == world.school_a.region.name
    assert school["parent_code"] == world.school_a.region.parent.code
    assert "parent_level" in school
    # No parent region: the default, None where nulls are allowed, left out where not required.
    assert top["parent_name"] == "—"
    assert top["parent_code"] is None
    assert "parent_level" not in top
    # A missing related row (the region itself) reads as None, as DRF reads it.
    assert orphan["region"] is None
    assert orphan["region_name"] is None


def test_date_times_in_the_active_zone_and_format(world):
    rows = _rows(world)
    with timezone.override("Asia/Shanghai"):
        beijing = _InstitutionRows(rows, many=True).data[2]
    with timezone.override("UTC"):
        utc = _InstitutionRows(rows, many=True).data[2]
    assert beijing["updated"] == "2026-01-01T16:30:00+08:00"
    assert utc["updated"] == "2026-01-01T08:30:00Z"
    assert "年" in beijing["created"]


def test_properties_and_methods_are_read_the_drf_way(world):
    calls = []

    class WithProperty(ModelSerializer):
        shown = serializers.CharField(source="__str__")

        class Meta:
            model = Institution
            fields = ["id", "shown"]

    with mock.patch.object(
        serializers.CharField, "get_attribute", autospec=True, side_effect=lambda f, i: calls.append(i) or "x"
    ):
        data = WithProperty([world.school_a], many=True).data
    # ``__str__`` is not a model field: the plan leaves it to DRF (which calls the method).
    assert calls == [world.school_a]
    assert data[0]["shown"] == "x"


def test_labels_are_translated_for_the_serializers_language(world):
    from zhijiao.orgs.choices import InstitutionKind

    school = world.school_a
    with translation.override("zh-hans"):
        chinese = _InstitutionRows([school], many=True).data[0]["kind_label"]
    with translation.override("en"):
        english = _InstitutionRows([school], many=True).data[0]["kind_label"]
    with translation.override("zh-hans"):
        assert chinese == str(InstitutionKind(school.kind).label)
    with translation.override("en"):
        assert english == str(InstitutionKind(school.kind).label)
    assert chinese != english


def test_every_endpoints_model_serializer_plans_its_fields():
    from zhijiao.core.api.urls import router

    stray = [
        f"{prefix}: {viewset.serializer_class.__name__}"
        for prefix, viewset, _basename in router.registry
        if isinstance(getattr(viewset, "serializer_class", None), type)
        and issubclass(viewset.serializer_class, serializers.ModelSerializer)
        and not issubclass(viewset.serializer_class, ModelSerializer)
    ]
    assert not stray, "derive from zhijiao.core.api.serializers.ModelSerializer: " + ", ".join(stray)
