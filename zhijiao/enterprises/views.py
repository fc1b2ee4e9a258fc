"""Pages for enterprises."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import mask_phone
from zhijiao.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from . import selectors, services
from .filtersets import EnterpriseFilterSet
from .forms import EnterpriseForm
from .tables import EnterpriseTable

# Only region-level users register new enterprises; an enterprise user edits its own.
CREATE_NODES = frozenset({"region"})


class EnterpriseListView(ObjectListView):
    selector = selectors.enterprise_list
    filterset_class = EnterpriseFilterSet
    table_class = EnterpriseTable
    title = _("Enterprises")
    exporter = "zhijiao.enterprises.importers.EnterpriseImporter"
    import_kind = "enterprises"
    add_url_name = "enterprises:enterprise_add"
    create_nodes = CREATE_NODES
    list_select_related = ("region__parent",)


class EnterpriseDetailView(ObjectDetailView):
    selector = selectors.enterprise_list
    fields = [
        "credit_code",
        "name",
        "industry",
        "region",
        "headcount",
        "contact_name",
        "contact_phone",
        "address",
    ]
    masked_fields = {"contact_phone": mask_phone}
    edit_url_name = "enterprises:enterprise_edit"
    delete_url_name = "enterprises:enterprise_delete"
    list_url_name = "enterprises:enterprise_list"


class EnterpriseEditView(ObjectEditView):
    selector = selectors.enterprise_list
    form_class = EnterpriseForm
    create_service = services.enterprise_create
    update_service = services.enterprise_update
    service_kwarg = "enterprise"
    list_url_name = "enterprises:enterprise_list"
    create_nodes = CREATE_NODES


class EnterpriseDeleteView(ObjectDeleteView):
    selector = selectors.enterprise_list
    delete_service = services.enterprise_delete
    service_kwarg = "enterprise"
    list_url_name = "enterprises:enterprise_list"
