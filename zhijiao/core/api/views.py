"""Base viewsets every app's API derives from (NetBox's idea: the base does the scoping, apps declare).

An app viewset declares its ``model``, its ``selector`` (from the app's ``selectors.py``; it goes
through ``core.scoping.restrict``), its serializer, the page's ``filterset_class``,
``ordering_fields`` and — for writable resources — its ``services``. The base then guarantees:

- reads come from ``selector(user=…, action="view")``; writes fetch the object from
  ``selector(user=…, action="change")``. An object the caller cannot see is a 404; one they can
  see but not change is a 403. Anonymous callers get 401.
- a caller who may change no row of the model at all gets 403 on any write (the auditor);
- create / update / delete call the app's services (never ``serializer.save()``): they validate,
  write, audit and re-check the scope in one transaction; a Django ``ValidationError`` from them is
  a 400 in the error envelope (``core.api.exceptions``).
- state changes are explicit ``POST …/{id}/<verb>/`` actions made with ``@service_action``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from zhijiao.accounts.authentication import ApiTokenAuthentication
from zhijiao.core.scoping import can, scope_q

from .filters import document_filterset
from .schema import EnvelopeAutoSchema

READ = "view"
WRITE = "change"
_NOTHING = Q(pk__in=[])


def may_act_on_any(model: type[Model], user, action: str) -> bool:
    """Whether some row of ``model`` could be acted on by ``user`` (without touching the table)."""
    return scope_q(model, user, action) != _NOTHING


class ScopedPermission(permissions.BasePermission):
    """Signed in; holds the view's ``required_action`` somewhere; may change *some* row before a write.

    Which rows is decided by the selector (404 for the rest); this only turns "never allowed" into
    a clear 403 instead of a 404 for every id.
    """

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        required = getattr(view, "required_action", None)
        if required and not can(user, required):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, request.method.lower(), None) is None:
            return True  # no such method here: let the view answer 405
        scope_action = view.get_scope_action()
        if scope_action == READ:
            return True
        return may_act_on_any(view.model, user, scope_action)


class ScopedViewSetMixin:
    """Queryset from the app's selector, scoped by the caller and the kind of request."""

    model: type[Model]
    #: The app selector, e.g. ``institution_list``; called as ``selector(user=…, action=…)``.
    selector: Callable[..., QuerySet]
    #: False for selectors that only read public reference data and take no ``action``.
    selector_takes_action: bool = True
    #: A role action the caller must hold somewhere (``manage_users``, ``view_audit``), else 403.
    required_action: str | None = None

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [ScopedPermission]
    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    schema = EnvelopeAutoSchema()
    ordering_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        document_filterset(getattr(cls, "filterset_class", None))

    def get_scope_action(self) -> str:
        handler = getattr(self, self.action or "", None)
        explicit = getattr(handler, "scope_action", None)
        if explicit:
            return explicit
        return READ if self.request.method in permissions.SAFE_METHODS else WRITE

    def select(self, scope_action: str) -> QuerySet:
        selector = type(self).selector
        if self.selector_takes_action:
            return selector(user=self.request.user, action=scope_action)
        if scope_action != READ:
            return self.model._default_manager.none()
        return selector(user=self.request.user)

    def get_queryset(self) -> QuerySet:
        return self.select(self.get_scope_action())

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            scope_action = self.get_scope_action()
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if scope_action != READ and self._visible(lookup):
                raise exceptions.PermissionDenied(_("You may view this record but not change it."))
            raise

    def _visible(self, lookup: Any) -> bool:
        try:
            return self.select(READ).filter(**{self.lookup_field: lookup}).exists()
        except (TypeError, ValueError):
            return False


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=100)


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class RevealMixin:
    """``POST …/{id}/reveal/`` with ``{"field": …}``: the full value of one sensitive field
    (``core.sensitive.reveal``: allowed to those who may change the record, recorded in the audit
    log). Every other answer of the API shows such fields masked."""

    @extend_schema(
        request=RevealSerializer,
        responses=RevealedSerializer,
        summary=_("Show one sensitive value in full (recorded)"),
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, *args, **kwargs):
        from zhijiao.core import sensitive

        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = body.validated_data["field"]
        instance = self.get_object()
        if sensitive.kind_of(instance, name) is None:
            raise exceptions.ValidationError({"field": [_("This field is not a masked field.")]})
        value = sensitive.reveal(actor=request.user, instance=instance, field_name=name)
        return Response({"field": name, "value": value})

    reveal.scope_action = READ


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve, scoped; for reference data and logs."""


class ScopedModelViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """CRUD whose writes go through the app's services.

    Declare ``create_service(*, actor, data)``, ``update_service(*, actor, <instance_kwarg>, data)``
    and ``delete_service(*, actor, <instance_kwarg>)``; leave one as None to drop that method.
    """

    create_service: Callable[..., Model] | None = None
    update_service: Callable[..., Model] | None = None
    delete_service: Callable[..., None] | None = None
    #: The keyword the update/delete services take the instance by (``institution=…``).
    service_instance_kwarg: str = "instance"

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["scope_action"] = self.get_scope_action() if getattr(self, "request", None) else READ
        return context

    def _service(self, name: str) -> Callable:
        service = getattr(type(self), name)
        if service is None:
            raise exceptions.MethodNotAllowed(self.request.method)
        return service

    def refetch(self, instance: Model) -> Model:
        """The written row as the read path serialises it (related rows joined, scope applied)."""
        return self.select(READ).filter(pk=instance.pk).first() or instance

    def create(self, request, *args, **kwargs):
        self._service("create_service")
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self._service("update_service")
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self._service("delete_service")
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        service = self._service("create_service")
        instance = service(actor=self.request.user, data=dict(serializer.validated_data))
        serializer.instance = self.refetch(instance)

    def perform_update(self, serializer) -> None:
        service = self._service("update_service")
        instance = service(
            actor=self.request.user,
            data=dict(serializer.validated_data),
            **{self.service_instance_kwarg: serializer.instance},
        )
        serializer.instance = self.refetch(instance)

    def perform_destroy(self, instance) -> None:
        service = self._service("delete_service")
        service(actor=self.request.user, **{self.service_instance_kwarg: instance})


def service_action(
    *,
    url_path: str | None = None,
    request_serializer=None,
    scope_action: str = WRITE,
    summary: str | None = None,
    description: str | None = None,
):
    """A state change as ``POST …/{id}/<verb>/`` that calls a service.

    The decorated method gets ``(self, request, instance, data)``: ``instance`` fetched with
    ``scope_action`` (404 if unseen, 403 if seen but not changeable), ``data`` the validated body
    of ``request_serializer`` (``{}`` without one). It calls the service and returns the changed
    instance (or None for the same one); the response is the instance serialised as in ``retrieve``::

        @service_action(summary=_("Suspend enrolment"))
        def suspend(self, request, instance, data):
            return offering_suspend(actor=request.user, offering=instance)
    """

    def decorator(func):
        @functools.wraps(func)
        def view(self, request, *args, **kwargs):
            instance = self.get_object()
            data: dict = {}
            if request_serializer is not None:
                body = request_serializer(data=request.data, context=self.get_serializer_context())
                body.is_valid(raise_exception=True)
                data = dict(body.validated_data)
            result = func(self, request, instance, data) or instance
            result = self.refetch(result) if hasattr(self, "refetch") else result
            return Response(self.get_serializer(result).data, status=status.HTTP_200_OK)

        view.scope_action = scope_action
        # @action first: it replaces ``kwargs``, where extend_schema then files the schema.
        view = action(detail=True, methods=["post"], url_path=url_path)(view)
        return extend_schema(
            request=request_serializer,
            summary=summary,
            description=description or func.__doc__,
        )(view)

    return decorator


__all__ = [
    "READ",
    "WRITE",
    "ScopedModelViewSet",
    "ScopedPermission",
    "ScopedReadOnlyViewSet",
    "ScopedViewSetMixin",
    "RevealMixin",
    "may_act_on_any",
    "service_action",
]
