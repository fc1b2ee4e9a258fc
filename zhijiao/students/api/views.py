from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import mixins, viewsets

from zhijiao.core.api.views import (
    READ,
    RevealMixin,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    service_action,
)
from zhijiao.students import selectors, services
from zhijiao.students.filtersets import (
    BatchFilterSet,
    GraduationListFilterSet,
    StatusChangeFilterSet,
    StudentFilterSet,
)
from zhijiao.students.models import (
    Enrolment,
    Graduation,
    GraduationList,
    RegistrationBatch,
    StatusChange,
    Student,
)
from zhijiao.workflows import services as wf

from .serializers import (
    BatchSerializer,
    DecisionSerializer,
    EnrolmentSerializer,
    GraduationListSerializer,
    GraduationSerializer,
    ReasonSerializer,
    StatusChangeSerializer,
    StudentSerializer,
)


def _require_approval(instance):
    if instance.approval_id is None:
        raise ValidationError(_("This has not been submitted for approval."))
    return instance.approval


class ApprovalActionsMixin:
    """approve / return on a resource that carries an ``approval`` (decided by the workflows rules)."""

    @service_action(
        request_serializer=DecisionSerializer,
        scope_action=READ,
        summary=gettext_lazy("Approve the current step"),
    )
    def approve(self, request, instance, data):
        wf.request_approve(
            actor=request.user, request=_require_approval(instance), comment=data.get("comment", "")
        )

    @service_action(
        url_path="return",
        request_serializer=ReasonSerializer,
        scope_action=READ,
        summary=gettext_lazy("Return with a reason"),
    )
    def return_(self, request, instance, data):
        wf.request_return(actor=request.user, request=_require_approval(instance), comment=data["comment"])


class StudentViewSet(RevealMixin, ScopedModelViewSet):
    """学籍: students in scope; ID numbers masked. Adding a student opens a pending enrolment."""

    model = Student
    selector = staticmethod(selectors.student_list)
    serializer_class = StudentSerializer
    filterset_class = StudentFilterSet
    ordering_fields = ("name", "created_at")
    ordering = ("current_institution_id", "name", "id")
    create_service = staticmethod(services.student_create)
    update_service = staticmethod(services.student_update)
    service_instance_kwarg = "student"


def _enrolments(*, user, action="view"):
    return selectors.enrolment_list(user=user, action=action)


class EnrolmentViewSet(ScopedReadOnlyViewSet):
    model = Enrolment
    selector = staticmethod(_enrolments)
    serializer_class = EnrolmentSerializer
    filterset_fields = ("student", "institution", "status", "is_current", "batch")
    ordering_fields = ("entry_date", "class_name")
    ordering = ("institution_id", "class_name", "id")


class BatchViewSet(
    ApprovalActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    model = RegistrationBatch
    selector = staticmethod(selectors.batch_list)
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    ordering_fields = ("year", "submitted_at")
    ordering = ("-year", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.batch_create(actor=self.request.user, **serializer.validated_data)

    @service_action(summary=gettext_lazy("Submit the batch for registration"))
    def submit(self, request, instance, data):
        return services.batch_submit(actor=request.user, batch=instance)

    @service_action(request_serializer=ReasonSerializer, summary=gettext_lazy("Allow a late registration"))
    def override(self, request, instance, data):
        return services.batch_override_deadline(actor=request.user, batch=instance, reason=data["comment"])


class StatusChangeViewSet(
    ApprovalActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    model = StatusChange
    selector = staticmethod(selectors.status_change_list)
    serializer_class = StatusChangeSerializer
    filterset_class = StatusChangeFilterSet
    ordering_fields = ("created_at", "effective_date")
    ordering = ("-created_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.status_change_request(actor=self.request.user, **data)


def _graduations(*, user, action="view"):
    return selectors.graduation_list(user=user, action=action)


class GraduationViewSet(ScopedReadOnlyViewSet):
    """Graduation decisions (the credentials app prints certificates for approved ones)."""

    model = Graduation
    selector = staticmethod(_graduations)
    serializer_class = GraduationSerializer
    filterset_fields = ("status", "outcome", "graduation_list")
    ordering_fields = ("graduation_date",)
    ordering = ("-graduation_date", "-id")


def _glists(*, user, action="view"):
    return selectors.graduation_list_list(user=user, action=action).prefetch_related(
        Prefetch("graduations", queryset=Graduation.objects.select_related("enrolment__student"))
    )


class GraduationListViewSet(
    ApprovalActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    model = GraduationList
    selector = staticmethod(_glists)
    serializer_class = GraduationListSerializer
    filterset_class = GraduationListFilterSet
    ordering_fields = ("year",)
    ordering = ("-year", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        created = services.graduation_list_create(actor=self.request.user, **data)
        serializer.instance = _glists(user=self.request.user).get(pk=created.pk)

    @service_action(summary=gettext_lazy("Submit the list for approval"))
    def submit(self, request, instance, data):
        return services.graduation_list_submit(actor=request.user, graduation_list=instance)
