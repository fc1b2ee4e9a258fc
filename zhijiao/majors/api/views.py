from django.utils.translation import gettext_lazy as _

from zhijiao.core.api.views import ScopedModelViewSet, ScopedReadOnlyViewSet, service_action
from zhijiao.majors.choices import OfferingStatus
from zhijiao.majors.filtersets import MajorFilterSet, OfferingFilterSet
from zhijiao.majors.models import InstitutionMajor, Major, MajorCategory, MajorClass
from zhijiao.majors.selectors import major_category_list, major_class_list, major_list, offering_list
from zhijiao.majors.services import offering_create, offering_delete, offering_update

from .serializers import MajorCategorySerializer, MajorClassSerializer, MajorSerializer, OfferingSerializer


class MajorCategoryViewSet(ScopedReadOnlyViewSet):
    """专业大类 of the national catalogue, per level."""

    model = MajorCategory
    selector = staticmethod(major_category_list)
    selector_takes_action = False
    serializer_class = MajorCategorySerializer
    filterset_fields = ("level", "code")
    ordering_fields = ("level", "code", "name")
    ordering = ("level", "code")


class MajorClassViewSet(ScopedReadOnlyViewSet):
    """专业类, each nested in its 专业大类."""

    model = MajorClass
    selector = staticmethod(major_class_list)
    selector_takes_action = False
    serializer_class = MajorClassSerializer
    filterset_fields = ("category", "code")
    ordering_fields = ("code", "name")
    ordering = ("code",)


class MajorViewSet(ScopedReadOnlyViewSet):
    """The national vocational major catalogue (read-only reference data)."""

    model = Major
    selector = staticmethod(major_list)
    selector_takes_action = False
    serializer_class = MajorSerializer
    filterset_class = MajorFilterSet
    ordering_fields = ("level", "code", "name", "catalogue_version")
    ordering = ("level", "code")


class OfferingViewSet(ScopedModelViewSet):
    """开设专业: schools manage their own; city and province users those in their subtree."""

    model = InstitutionMajor
    selector = staticmethod(offering_list)
    serializer_class = OfferingSerializer
    filterset_class = OfferingFilterSet
    ordering_fields = ("start_year", "major__code", "institution__name", "status", "updated_at")
    ordering = ("institution__name", "major__code", "-start_year")
    create_service = staticmethod(offering_create)
    update_service = staticmethod(offering_update)
    delete_service = staticmethod(offering_delete)
    service_instance_kwarg = "offering"

    @service_action(summary=_("Suspend enrolment (停招)"))
    def suspend(self, request, instance, data):
        """Stop enrolling new students into this offered major; it stays on record."""
        return offering_update(
            actor=request.user, offering=instance, data={"status": OfferingStatus.SUSPENDED}
        )
