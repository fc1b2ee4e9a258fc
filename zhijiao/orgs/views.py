"""Pages for regions and institutions."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from . import selectors, services
from .filtersets import InstitutionFilterSet, RegionFilterSet
from .forms import InstitutionForm
from .tables import InstitutionTable, RegionTable

INSTITUTION_FIELDS = [
    "code",
    "name",
    "kind",
    "ownership",
    "region",
    "supervising_authority",
    "status",
    "address",
    "website",
]


class RegionListView(ObjectListView):
    selector = selectors.region_list
    filterset_class = RegionFilterSet
    table_class = RegionTable
    title = _("Regions")


class RegionDetailView(ObjectDetailView):
    selector = selectors.region_list
    template_name = "orgs/region_detail.html"
    fields = ["code", "name", "level", "parent"]
    list_url_name = "orgs:region_list"

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        # Institutions the user may see, counted per child region (subtree by path prefix).
        visible = selectors.institution_list(user=user)
        children = list(selectors.region_list(user=user).filter(parent=obj).order_by("code"))
        counts = {}
        if children:
            aggregates = {
                f"c{child.pk}": Count("pk", filter=Q(region__path__startswith=child.path))
                for child in children
            }
            counts = visible.filter(region__path__startswith=obj.path).aggregate(**aggregates)
        context["children"] = [(child, counts.get(f"c{child.pk}", 0)) for child in children]
        context["institution_count"] = visible.filter(region__path__startswith=obj.path).count()
        return context


class InstitutionListView(ObjectListView):
    selector = selectors.institution_list
    filterset_class = InstitutionFilterSet
    table_class = InstitutionTable
    title = _("Institutions")
    exporter = "zhijiao.orgs.importers.InstitutionImporter"
    import_kind = "institutions"
    add_url_name = "orgs:institution_add"


class InstitutionDetailView(ObjectDetailView):
    selector = selectors.institution_list
    fields = INSTITUTION_FIELDS
    edit_url_name = "orgs:institution_edit"
    delete_url_name = "orgs:institution_delete"
    list_url_name = "orgs:institution_list"


class InstitutionEditView(ObjectEditView):
    selector = selectors.institution_list
    form_class = InstitutionForm
    create_service = services.institution_create
    update_service = services.institution_update
    service_kwarg = "institution"
    list_url_name = "orgs:institution_list"


class InstitutionDeleteView(ObjectDeleteView):
    selector = selectors.institution_list
    delete_service = services.institution_delete
    service_kwarg = "institution"
    list_url_name = "orgs:institution_list"
