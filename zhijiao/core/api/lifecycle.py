"""``POST /api/v1/lifecycle/<lifecycle>/<id>/<transition>/``: fire any declared transition
(``core.lifecycle``) with an optional ``reason``; the answer is the record's new state. Refusals
come in the API's error envelope (400 with the Chinese reason; 404 beyond the caller's scope)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from zhijiao.core.lifecycle import engine, registry
from zhijiao.core.lifecycle.views import _object

from .schema import EnvelopeAutoSchema
from .views import ScopedViewSetMixin


class TransitionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TransitionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField()


class LifecycleActionView(APIView):
    authentication_classes = ScopedViewSetMixin.authentication_classes
    throttle_classes = ScopedViewSetMixin.throttle_classes
    permission_classes = [permissions.IsAuthenticated]
    schema = EnvelopeAutoSchema()

    @extend_schema(
        operation_id="lifecycle_transition_fire",
        request=TransitionRequestSerializer,
        responses=TransitionResultSerializer,
    )
    def post(self, request, lifecycle: str, pk: int, transition: str):
        try:
            lc = registry.get(lifecycle)
            t = lc.transition(transition)
        except LookupError:
            raise Http404 from None
        if not t.generic:
            raise Http404
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = _object(lc, pk, request.user)
        obj = engine.fire(lc, obj, t, actor=request.user, reason=body.validated_data["reason"])
        state = lc.state_of(obj)
        return Response({"id": obj.pk, "state": state, "state_label": lc.state_label(state)})
