from zhijiao.core.api.views import RevealMixin, ScopedModelViewSet
from zhijiao.enterprises.filtersets import EnterpriseFilterSet
from zhijiao.enterprises.models import Enterprise
from zhijiao.enterprises.selectors import enterprise_list
from zhijiao.enterprises.services import enterprise_create, enterprise_delete, enterprise_update

from .serializers import EnterpriseSerializer


class EnterpriseViewSet(RevealMixin, ScopedModelViewSet):
    """Enterprises in the caller's subtree.

    Privacy (PIPL, minimal disclosure): ``contact_phone`` is masked in every answer
    (``core.sensitive``); ``POST …/{id}/reveal/`` shows it in full to a caller who may change the
    enterprise, and records that. A PUT that sends the masked value back keeps the stored number.
    """

    model = Enterprise
    selector = staticmethod(enterprise_list)
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    ordering_fields = ("name", "credit_code", "headcount", "industry", "created_at", "updated_at")
    ordering = ("name",)
    create_service = staticmethod(enterprise_create)
    update_service = staticmethod(enterprise_update)
    delete_service = staticmethod(enterprise_delete)
    service_instance_kwarg = "enterprise"
