"""Pages for the major catalogue and offered majors (开设专业)."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
)

from . import selectors, services
from .filtersets import MajorFilterSet, OfferingFilterSet
from .forms import OfferingForm
from .tables import MajorTable, OfferingTable


class MajorListView(ObjectListView):
    selector = selectors.major_list
    filterset_class = MajorFilterSet
    table_class = MajorTable
    title = _("Major catalogue")


class MajorDetailView(ObjectDetailView):
    selector = selectors.major_list
    template_name = "majors/major_detail.html"
    fields = ["code", "name", "level", "major_class", "is_controlled", "catalogue_version", "note"]
    list_url_name = "majors:major_list"

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        offerings = selectors.offering_list(user=self.request.user).filter(major=obj)
        context["category"] = obj.major_class.category
        context["institution_count"] = offerings.values("institution").distinct().count()
        context["offering_count"] = offerings.count()
        return context


class OfferingListView(ObjectListView):
    selector = selectors.offering_list
    filterset_class = OfferingFilterSet
    table_class = OfferingTable
    title = _("Offered majors")
    exporter = "zhijiao.majors.importers.OfferingImporter"
    import_kind = "offerings"
    add_url_name = "majors:offering_add"


class OfferingDetailView(ObjectDetailView):
    selector = selectors.offering_list
    fields = ["institution", "major", "start_year", "status", "note"]
    edit_url_name = "majors:offering_edit"
    delete_url_name = "majors:offering_delete"
    list_url_name = "majors:offering_list"


class OfferingEditView(ObjectEditView):
    selector = selectors.offering_list
    form_class = OfferingForm
    create_service = services.offering_create
    update_service = services.offering_update
    service_kwarg = "offering"
    list_url_name = "majors:offering_list"


class OfferingDeleteView(ObjectDeleteView):
    selector = selectors.offering_list
    delete_service = services.offering_delete
    service_kwarg = "offering"
    list_url_name = "majors:offering_list"
