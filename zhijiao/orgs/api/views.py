from zhijiao.core.api.views import ScopedModelViewSet, ScopedReadOnlyViewSet
from zhijiao.orgs.filtersets import InstitutionFilterSet, RegionFilterSet
from zhijiao.orgs.models import Institution, Region
from zhijiao.orgs.selectors import institution_list, region_list
from zhijiao.orgs.services import institution_create, institution_delete, institution_update

from .serializers import InstitutionSerializer, RegionSerializer


class RegionViewSet(ScopedReadOnlyViewSet):
    """Administrative divisions (GB/T 2260): reference data every signed-in user may read."""

    model = Region
    selector = staticmethod(region_list)
    selector_takes_action = False
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    ordering_fields = ("code", "name", "level")
    ordering = ("code",)


class InstitutionViewSet(ScopedModelViewSet):
    """Schools in the caller's subtree; province and city users create, edit and delete them."""

    model = Institution
    selector = staticmethod(institution_list)
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet
    ordering_fields = ("name", "code", "kind", "status", "region__code", "created_at", "updated_at")
    ordering = ("region__code", "name")
    create_service = staticmethod(institution_create)
    update_service = staticmethod(institution_update)
    delete_service = staticmethod(institution_delete)
    service_instance_kwarg = "institution"
