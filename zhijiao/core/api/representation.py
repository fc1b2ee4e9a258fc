"""Rows represented as DRF represents them, with each field's reading planned once per serializer.

DRF's ``Serializer.to_representation`` works out, for every row and every field, how to read the
value: ``Field.get_attribute`` walks ``source_attrs`` through ``fields.get_attribute`` (is it a
mapping? is the value a callable to call?), a related field builds a ``PKOnlyObject`` through
``Model.serializable_value`` (a ``_meta.get_field`` lookup), a date-time asks for the current time
zone (a thread-local read), and a choice label is translated again (``gettext`` on a lazy string).
On a 50-row list page that is most of the rows' cost: the institution API spent ≈ 130 µs a row in
the serializer for 17 fields (issue 16: the province's 50-row page against a school's one row).

``PlannedRepresentationMixin`` asks those questions once per serializer instance — a list's child
serves every row of the page — and keeps one reader per field:

- a field whose ``source`` is a path of concrete model fields and forward relations (no property,
  no method) reads it with ``operator.attrgetter``;
- a related field with DRF's primary-key optimisation reads the foreign key's column
  (``region_id``) and gives it as DRF would (``PrimaryKeyRelatedField`` without ``pk_field``);
- a plain date-time in ISO 8601 converts to the time zone found once;
- a field given the whole row (``source="*"``: ``ChoiceLabelField``, method fields) gets it directly;
- anything else (nested serializers, method fields, custom fields) goes DRF's own way, field by field.

When a fast reader meets what DRF treats specially — a ``None`` halfway along a path, a missing
related row — it hands that row's field to DRF's own reading, so defaults, ``allow_null`` and
omitted fields behave exactly as before. ``core/tests/test_api_representation.py`` compares every
list endpoint's rows with DRF's own output.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Model
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

# A reader stores one field's value of one row into the row's dictionary (or leaves it out).
Reader = Callable[[object, dict], None]


def _drf_reader(field) -> Reader:
    """The field read as ``Serializer.to_representation`` reads it."""
    name = field.field_name
    get_attribute = field.get_attribute
    represent = field.to_representation

    def read(instance, ret: dict) -> None:
        try:
            attribute = get_attribute(instance)
        except SkipField:
            return
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        ret[name] = None if check_for_none is None else represent(attribute)

    return read


def _fast_reader(field, getter: Callable, represent: Callable) -> Reader:
    """``getter`` for the value, ``represent`` for a value that is not None; DRF's way for a row where
    the getter meets a None halfway or a missing related row."""
    name = field.field_name
    fallback = _drf_reader(field)

    def read(instance, ret: dict) -> None:
        try:
            value = getter(instance)
        except (AttributeError, ObjectDoesNotExist):
            fallback(instance, ret)
            return
        ret[name] = None if value is None else represent(value)

    return read


def _model_path(model: type[Model] | None, attrs: list[str]) -> tuple[list, object] | None:
    """The model fields along ``attrs`` when each step is a concrete field (the last may be a column
    such as ``region_id``) or a forward relation — plain attributes, never a property or a method,
    which DRF would call; else None."""
    found = []
    for i, attr in enumerate(attrs):
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not model_field.concrete or model_field.many_to_many:
            return None
        last = i == len(attrs) - 1
        if model_field.is_relation and attr == model_field.name:
            model = model_field.related_model
        elif not last:
            return None
        found.append(model_field)
    return found, model


def _same_method(field, cls, name: str) -> bool:
    return getattr(type(field), name) is getattr(cls, name)


def _represent_function(field) -> Callable | None:
    """A cheaper ``field.to_representation`` for a value that is not None, or None to keep DRF's."""
    if type(field) is drf_fields.CharField:
        return lambda value: value if type(value) is str else str(value)
    if type(field) is drf_fields.IntegerField:
        return int
    if type(field) is drf_fields.DateTimeField:
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if output_format is None or output_format.lower() != drf_fields.ISO_8601:
            return None
        if hasattr(field, "timezone"):
            zone = field.timezone
        else:
            zone = timezone.get_current_timezone() if settings.USE_TZ else None
        if zone is None:
            return None
        drf_represent = field.to_representation

        def datetime_iso(value):
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                return drf_represent(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return datetime_iso
    return None


def _whole_row_reader(field) -> Reader:
    """A field whose ``source`` is ``"*"`` (a choice label, a method field): given the row itself."""
    name, represent = field.field_name, field.to_representation

    def read(instance, ret: dict) -> None:
        ret[name] = represent(instance)

    return read


def _pk_reader(field, model: type[Model] | None) -> Reader | None:
    """A primary-key related field: the foreign key's own column, no related object."""
    if not (
        isinstance(field, relations.PrimaryKeyRelatedField)
        and field.pk_field is None
        and field.use_pk_only_optimization()
        and _same_method(field, relations.PrimaryKeyRelatedField, "to_representation")
        and _same_method(field, relations.RelatedField, "get_attribute")
        and len(field.source_attrs) == 1
    ):
        return None
    path = _model_path(model, field.source_attrs)
    if path is None:
        return None
    (model_field,), _target = path
    if not (model_field.is_relation and model_field.many_to_one):
        return None
    return _fast_reader(field, operator.attrgetter(model_field.attname), _identity)


def _identity(value):
    return value


def _reader(field, model: type[Model] | None) -> Reader:
    if isinstance(field, relations.RelatedField):
        return _pk_reader(field, model) or _drf_reader(field)
    if not _same_method(field, drf_fields.Field, "get_attribute"):
        return _drf_reader(field)
    if field.source == "*":
        return _whole_row_reader(field)
    if not field.source_attrs:
        return _drf_reader(field)
    if _model_path(model, field.source_attrs) is None:
        return _drf_reader(field)
    represent = _represent_function(field) or field.to_representation
    return _fast_reader(field, operator.attrgetter(".".join(field.source_attrs)), represent)


class PlannedRepresentationMixin:
    """``Serializer.to_representation`` with the fields' readers planned once per serializer."""

    def _representation_plan(self) -> list[Reader]:
        readers = self.__dict__.get("_planned_readers")
        if readers is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            readers = self._planned_readers = [_reader(field, model) for field in self._readable_fields]
        return readers

    def to_representation(self, instance):
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is not None and not isinstance(instance, model):
            return super().to_representation(instance)  # a dictionary or another object: DRF's way
        ret: dict = {}
        for read in self._representation_plan():
            read(instance, ret)
        return ret


__all__ = ["PlannedRepresentationMixin"]
