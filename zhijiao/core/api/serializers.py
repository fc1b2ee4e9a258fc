"""Serializer building blocks: scoped writable relations, choice labels, no direct saves."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils import translation
from rest_framework import serializers

from zhijiao.core import sensitive

from .representation import PlannedRepresentationMixin


def _sensitive_kind(model: type[Model] | None, source_attrs: list[str]) -> str | None:
    """The ``core.sensitive`` kind of the model field a serializer field reads (across relations:
    ``source="student.registry_number"``), or None."""
    for i, attr in enumerate(source_attrs):
        if model is None:
            return None
        if i == len(source_attrs) - 1:
            return sensitive.kind_of(model, attr)
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        model = field.related_model if field.is_relation else None
    return None


class SensitiveFieldsMixin:
    """Masks every sensitive field (``core.sensitive``) a serializer outputs, whether generated from
    the model or declared with a ``source`` reaching one; the full value comes only from the audited
    reveal (``POST …/{id}/reveal/``). A masked value sent back unchanged (a GET before a PUT) keeps
    the stored value instead of storing the stars."""

    def _sensitive_fields(self) -> dict[str, str]:
        cached = getattr(self, "_sensitive_cache", None)
        if cached is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            cached = {}
            for name, field in self.fields.items():
                attrs = getattr(field, "source_attrs", None) or [field.source]
                if field.source == "*" or not attrs:
                    continue
                kind = _sensitive_kind(model, attrs)
                if kind:
                    cached[name] = kind
            self._sensitive_cache = cached
        return cached

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, kind in self._sensitive_fields().items():
            if name in data and isinstance(data[name], str):
                data[name] = sensitive.mask(kind, data[name])
        return data

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        instance = getattr(self, "instance", None)
        if isinstance(instance, Model):
            for name, kind in self._sensitive_fields().items():
                field = self.fields[name]
                key = field.source
                if key in values and isinstance(values[key], str):
                    stored = getattr(instance, key, "") or ""
                    if sensitive.is_masked_form(kind, values[key], stored):
                        values[key] = stored
        return values


class ModelSerializer(PlannedRepresentationMixin, serializers.ModelSerializer):
    """Every model serializer of the API: DRF's, with each field's reading planned once per serializer
    (``core.api.representation``) — a list's rows read without DRF's per-row, per-field look-ups."""


class MaskedModelSerializer(SensitiveFieldsMixin, ModelSerializer):
    """A read serializer whose sensitive fields are masked (``SensitiveFieldsMixin``)."""


class ServiceModelSerializer(SensitiveFieldsMixin, ModelSerializer):
    """Validates input and renders output; never writes (the viewset hands data to a service)."""

    def create(self, validated_data):  # pragma: no cover - a programming error
        raise NotImplementedError("API writes go through the app's services, not serializer.save()")

    def update(self, instance, validated_data):  # pragma: no cover - a programming error
        raise NotImplementedError("API writes go through the app's services, not serializer.save()")


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key that accepts only ids inside the caller's scope.

    ``scope(user)`` returns the allowed rows (built on a selector or ``core.scoping.restrict``);
    any other id — absent or belonging to another organisation — is rejected with DRF's usual
    "object does not exist", so a body can never point a write outside the caller's subtree. The
    value already stored on the instance stays acceptable, so a GET → PUT round trip works for a
    caller who may edit the row but not choose among other targets (an enterprise keeping its region).
    """

    def __init__(self, *, model: type[Model], scope: Callable[[object], QuerySet], **kwargs):
        self.scope = scope
        # The empty queryset only tells the schema generator the target model.
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        base = self.queryset
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return base
        allowed = Q(pk__in=self.scope(user).values("pk"))
        current = self._current_pk()
        if current is not None:
            allowed |= Q(pk=current)
        return base.model._default_manager.filter(allowed)

    def _current_pk(self):
        instance = getattr(self.parent, "instance", None)
        if instance is None or isinstance(instance, (list, QuerySet)):
            return None
        return getattr(instance, f"{self.source}_id", None)


class ChoiceLabelField(serializers.CharField):
    """The translated label of a choices field, read-only, from the row itself (``source="*"``).

    Not ``CharField(source="get_kind_display")``: DRF then runs ``inspect.signature`` on the bound
    method for every row and field to see whether it may call it — a quarter of a 50-row list
    response's time on the institution API (issue 16, fifth round)."""

    def __init__(self, field_name: str, **kwargs):
        self.choice_field = field_name
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, instance):
        # What ``get_<field>_display()`` answers, from the field's labels translated once: Django's
        # method rebuilds the choices dictionary (and hashes every lazy label) per call, and ``str``
        # of a lazy label translates it again every time. A field instance belongs to one
        # serializer, made for one request in one language, so it keeps the labels it found.
        labels = self.__dict__.get("_labels")
        if labels is None or labels[0] is not type(instance):
            labels = self._labels = (type(instance), _choice_labels(type(instance), self.choice_field))
        value = getattr(instance, self.choice_field)
        label = labels[1].get(value, value)
        return None if label is None else str(label)


_labels: dict[tuple[type[Model], str, str | None], dict] = {}


def _choice_labels(model: type[Model], name: str) -> dict:
    key = (model, name, translation.get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {
            value: str(label) for value, label in model._meta.get_field(name).flatchoices
        }
    return labels


def choice_label(field_name: str, **kwargs) -> serializers.CharField:
    """The translated label of a choices field, read-only (``kind`` → ``kind_label``)."""
    return ChoiceLabelField(field_name, **kwargs)
