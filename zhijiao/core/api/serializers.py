"""Serializer building blocks: scoped writable relations, choice labels, no direct saves."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, Q, QuerySet
from rest_framework import serializers


class ServiceModelSerializer(serializers.ModelSerializer):
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


def choice_label(field_name: str, **kwargs) -> serializers.CharField:
    """The translated label of a choices field, read-only (``kind`` → ``kind_label``)."""
    return serializers.CharField(source=f"get_{field_name}_display", read_only=True, **kwargs)
