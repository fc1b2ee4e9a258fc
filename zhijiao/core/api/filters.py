"""The pages' filtersets, reused by the API as they are; this only helps the schema describe them."""

from __future__ import annotations

import django_filters
from django.db import models
from drf_spectacular.drainage import has_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


def document_filterset(filterset_class: type[django_filters.FilterSet] | None) -> None:
    """Tell the schema that a model-choice filter filtered by a ``method`` takes the target's id.

    drf-spectacular cannot infer the type of ``city = ModelChoiceFilter(queryset=…, method=…)``
    (it warns and says "string"); the value is the related row's primary key.
    """
    if filterset_class is None:
        return
    for filter_field in filterset_class.base_filters.values():
        if not isinstance(filter_field, django_filters.ModelChoiceFilter) or has_override(
            filter_field, "field"
        ):
            continue
        queryset = filter_field.extra.get("queryset")
        pk = getattr(getattr(queryset, "model", None), "_meta", None)
        is_int = pk is not None and isinstance(pk.pk, (models.AutoField, models.IntegerField))
        extend_schema_field(OpenApiTypes.INT if is_int else OpenApiTypes.STR)(filter_field)
