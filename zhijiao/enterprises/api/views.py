from zhijiao.core.api.views import WRITE, ScopedModelViewSet
from zhijiao.enterprises.filtersets import EnterpriseFilterSet
from zhijiao.enterprises.models import Enterprise
from zhijiao.enterprises.selectors import enterprise_list
from zhijiao.enterprises.services import enterprise_create, enterprise_delete, enterprise_update

from .serializers import EnterpriseSerializer


class EnterpriseViewSet(ScopedModelViewSet):
    """Enterprises in the caller's subtree.

    Privacy (PIPL, minimal disclosure): ``contact_phone`` is always masked in lists. A single
    enterprise (detail, and the answer to a write) shows it in full only to a caller who may
    change that enterprise — its own users, and province/city users over its region; read-only
    callers such as the auditor see it masked. Read a detail before a PUT, not a list row.
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

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["show_contact_phone"] = self._may_see_contact_phone()
        return context

    def _may_see_contact_phone(self) -> bool:
        if getattr(self, "action", None) in (None, "list") or not getattr(self, "request", None):
            return False
        if self.action == "create":
            return True
        pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        try:
            return self.select(WRITE).filter(pk=pk).exists()
        except (TypeError, ValueError):
            return False
