import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Alert, DirectReport, InternshipPlan, Placement, Post


class _Meta:
    attrs = {"class": "table table-sm table-hover align-middle"}


class PlanTable(tables.Table):
    title = tables.Column(
        linkify=lambda record: record.get_absolute_url() if hasattr(record, "get_absolute_url") else None
    )
    placement_count = tables.Column(verbose_name=_("Placements"), orderable=True)

    class Meta(_Meta):
        model = InternshipPlan
        fields = (
            "title",
            "institution",
            "kind",
            "cohort_year",
            "start_date",
            "end_date",
            "filing_status",
            "placement_count",
        )
        empty_text = _("No internship plans match.")


class PostTable(tables.Table):
    class Meta(_Meta):
        model = Post
        fields = (
            "name",
            "enterprise",
            "major_category",
            "physical_labour_level",
            "on_duty_staff",
            "wage_standard",
            "is_active",
        )
        empty_text = _("No posts match.")


class PlacementTable(tables.Table):
    # Sorts read an index each (start/end date, status; school, host and post group by their id).
    student = tables.Column(
        verbose_name=_("Student"),
        accessor="enrolment__student__name",
        linkify=lambda record: record.get_absolute_url(),
        orderable=False,
    )
    institution = tables.Column(order_by=("institution_id",))
    enterprise = tables.Column(order_by=("enterprise_id",))
    post = tables.Column(order_by=("post_id",))
    violation_count = tables.Column(verbose_name=_("Violations"), accessor="violations", orderable=False)

    class Meta(_Meta):
        model = Placement
        fields = (
            "student",
            "institution",
            "enterprise",
            "post",
            "start_date",
            "end_date",
            "status",
            "violation_count",
        )
        empty_text = _("No placements match.")

    def render_post(self, record):
        return record.post.name

    def render_violation_count(self, value):
        blocking = [v for v in value or [] if v.get("severity") == "block"]
        return len(blocking) or "—"


class AlertTable(tables.Table):
    # Sortable by the indexed columns (rule, first seen, resolved); the rest are filters. An alert's
    # message is its rule's title (internships.sweep), so the rule column, by title, says it once.
    rule_id = tables.Column(attrs={"td": {"class": "text-nowrap"}})
    student = tables.Column(
        verbose_name=_("Student"),
        accessor="placement__enrolment__student__name",
        linkify=lambda record: record.placement.get_absolute_url() if record.placement_id else None,
        orderable=False,
    )
    severity = tables.Column(orderable=False)
    institution = tables.Column(orderable=False)
    enterprise = tables.Column(orderable=False)
    escalation_level = tables.Column(orderable=False)

    class Meta(_Meta):
        model = Alert
        fields = (
            "rule_id",
            "severity",
            "student",
            "institution",
            "enterprise",
            "first_seen",
            "escalation_level",
            "resolved_at",
        )
        empty_text = _("No alerts.")

    def render_rule_id(self, value):
        """The rule by its title (实习报酬低于标准), not its identifier."""
        from .rules import rule_title

        return rule_title(value)


class DirectReportTable(tables.Table):
    category = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(_Meta):
        model = DirectReport
        fields = (
            "category",
            "institution",
            "enterprise",
            "submitted_at",
            "status",
            "school_responded_at",
            "authority_responded_at",
        )
        empty_text = _("No direct reports.")
