import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from zhijiao.core.validators import mask_resident_id

from .choices import EnrolmentStatus
from .models import GraduationList, RegistrationBatch, StatusChange, Student


def _enrolment(record):
    current = getattr(record, "current_enrolments", None)
    return current[0] if current else None


class StudentTable(tables.Table):
    # Sortable columns each read an index (core.listing); the school groups by institution, then name.
    name = tables.Column(linkify=True)
    gender = tables.Column(orderable=False)
    id_number = tables.Column(verbose_name=_("ID number"), orderable=False)
    registry_number = tables.Column()
    current_institution = tables.Column(order_by=("current_institution_id", "name"))
    major = tables.Column(verbose_name=_("major"), empty_values=(), orderable=False)
    class_name = tables.Column(verbose_name=_("class"), empty_values=(), orderable=False)
    status = tables.Column(verbose_name=_("status"), empty_values=(), orderable=False)

    class Meta:
        model = Student
        fields = (
            "name",
            "gender",
            "id_number",
            "registry_number",
            "current_institution",
            "major",
            "class_name",
            "status",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No students match.")

    def render_id_number(self, value):
        return mask_resident_id(value)

    def render_registry_number(self, value):
        return value[:1] + mask_resident_id(value[1:]) if value else "—"

    def render_major(self, record):
        e = _enrolment(record)
        return e.offering.major.name if e else "—"

    def render_class_name(self, record):
        e = _enrolment(record)
        return (e.class_name or "—") if e else "—"

    def render_status(self, record):
        e = _enrolment(record)
        return EnrolmentStatus(e.status).label if e else "—"


class BatchTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    institution = tables.Column(order_by=("institution__name",))

    class Meta:
        model = RegistrationBatch
        fields = ("id", "institution", "year", "term", "deadline", "status", "submitted_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No registration batches.")


class StatusChangeTable(tables.Table):
    # Sortable by the indexed dates; kind and status are filters.
    student = tables.Column(linkify=lambda record: record.get_absolute_url(), orderable=False)
    institution = tables.Column(
        verbose_name=_("institution"), accessor="enrolment__institution", orderable=False
    )
    kind = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    target_institution = tables.Column(orderable=False)

    class Meta:
        model = StatusChange
        fields = (
            "student",
            "institution",
            "kind",
            "status",
            "effective_date",
            "target_institution",
            "created_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No status changes.")


class GraduationListTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    institution = tables.Column(order_by=("institution__name",))

    class Meta:
        model = GraduationList
        fields = ("id", "institution", "year", "graduation_date", "status", "submitted_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No graduation lists.")
