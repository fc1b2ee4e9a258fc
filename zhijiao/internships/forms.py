from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.views.generic import ScopedModelForm
from zhijiao.core.widgets import ScopedFileInput
from zhijiao.majors.selectors import major_category_list

from . import selectors
from .choices import CheckInKind, DirectReportCategory, ExceptionRule, MentorKind, ReportKind
from .models import (
    GRADE_CHOICES,
    Agreement,
    DirectReport,
    InsurancePolicy,
    InternshipPlan,
    Placement,
    Post,
    Report,
)
from .services import AGREEMENT_FIELDS

# The files of an agreement, by the name of their download URL (views_files.AgreementFileView).
AGREEMENT_FILES = {"consent": "guardian_consent_file", "signed": "attachment"}


def _major_categories(user):
    return major_category_list(user=user)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(ScopedModelForm, forms.ModelForm):
    text_fields = ("title", "training_plan_reference", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        if not self.is_bound and self.instance.pk is None and "institution" not in self.initial:
            # A school files plans under its own school: chosen for it.
            only = list(field.queryset.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                self.initial["institution"] = only[0]

    class Meta:
        model = InternshipPlan
        fields = (
            "institution",
            "offering",
            "title",
            "kind",
            "cohort_year",
            "start_date",
            "end_date",
            "training_plan_reference",
            "description",
        )
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "institution": AutocompleteSelect("internships.plan-institutions"),
            "offering": AutocompleteSelect("internships.plan-offerings", forward=("institution",)),
        }


class PostForm(ScopedModelForm, forms.ModelForm):
    scoped_fields = {"major_category": _major_categories}
    text_fields = ("name", "description", "workplace")

    class Meta:
        model = Post
        fields = (
            "enterprise",
            "name",
            "major_category",
            "description",
            "venue_kind",
            "physical_labour_level",
            "high_risk",
            "minor_forbidden",
            "female_forbidden",
            "daily_hours",
            "weekly_hours",
            "shift_start",
            "shift_end",
            "works_holidays",
            "overtime",
            "wage_standard",
            "lowest_grade_wage",
            "on_duty_staff",
            "headcount",
            "workplace",
            "latitude",
            "longitude",
            "is_active",
        )
        widgets = {"enterprise": AutocompleteSelect("internships.post-enterprises")}


class PlacementForm(forms.Form):
    enrolment = forms.ModelChoiceField(queryset=None, label=_("Student"))
    post = forms.ModelChoiceField(queryset=None, label=_("Post"))
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), widget=DATE)
    monthly_pay = forms.DecimalField(label=_("Monthly pay"), min_value=0, max_digits=9, decimal_places=2)
    work_kind = forms.ChoiceField(
        label=_("Kind of work"),
        choices=Placement._meta.get_field("work_kind").choices,
        initial="independent",
        required=False,
    )
    arranged_via = forms.ChoiceField(
        label=_("Arranged via"), choices=Placement._meta.get_field("arranged_via").choices
    )
    self_application_on = forms.DateField(
        label=_("Self-arranged: applied for by the student and guardian on"), required=False, widget=DATE
    )
    self_approved_on = forms.DateField(
        label=_("Self-arranged: approved by the school on"), required=False, widget=DATE
    )

    def clean_work_kind(self):
        return self.cleaned_data.get("work_kind") or "independent"

    def __init__(self, *args, plan=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = selectors.placement_enrolment_choices(user=user, plan=plan)
        self.fields["enrolment"].widget = AutocompleteSelect(
            "internships.placement-enrolments", params={"plan": plan.pk}
        )
        self.fields["enrolment"].widget.choices = self.fields["enrolment"].choices
        self.fields["post"].queryset = selectors.placement_post_choices(user=user)
        self.fields["post"].widget = AutocompleteSelect("internships.placement-posts")
        self.fields["post"].widget.choices = self.fields["post"].choices
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [f for f in AGREEMENT_FIELDS if f != "fee_items"]
        widgets = {
            **{
                name: DATE
                for name in ("school_signed_on", "host_signed_on", "student_signed_on", "guardian_consent_on")
            },
            **{name: ScopedFileInput for name in AGREEMENT_FILES.values()},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        placement_id = self.instance.placement_id if self.instance.pk else None
        for which, name in AGREEMENT_FILES.items():
            if name in self.fields and placement_id:
                self.fields[name].widget.download_url = reverse(
                    "internships:agreement_file", args=[placement_id, which]
                )


class InsuranceForm(forms.ModelForm):
    class Meta:
        model = InsurancePolicy
        fields = ("policy_no", "insurer", "coverage_start", "coverage_end", "premium_payer", "attachment")
        widgets = {"coverage_start": DATE, "coverage_end": DATE}


class MentorForm(forms.Form):
    kind = forms.ChoiceField(choices=MentorKind.choices, label=_("Kind of mentor"))
    name = forms.CharField(max_length=50, label=pgettext_lazy("person", "Name"))
    phone = forms.CharField(max_length=20, required=False, label=_("Phone"))


class ReportForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=ReportKind.choices, label=_("Kind of report"))

    class Meta:
        model = Report
        fields = ("kind", "period_start", "period_end", "title", "content", "attachment")
        widgets = {"period_start": DATE, "period_end": DATE, "content": forms.Textarea(attrs={"rows": 6})}


class DirectReportForm(forms.ModelForm):
    category = forms.ChoiceField(choices=DirectReportCategory.choices, label=_("Category"))

    class Meta:
        model = DirectReport
        fields = ("category", "occurred_on", "content", "attachment", "anonymous_to_authority")
        widgets = {"occurred_on": DATE, "content": forms.Textarea(attrs={"rows": 5})}


class CheckInForm(forms.Form):
    """The no-JavaScript fallback of the check-in page (the JS fills the coordinates from the browser)."""

    kind = forms.ChoiceField(choices=CheckInKind.choices)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6)
    accuracy_m = forms.IntegerField(required=False, min_value=0)
    client_key = forms.CharField(max_length=64)


class GradeForm(forms.Form):
    grade = forms.ChoiceField(choices=GRADE_CHOICES, label=_("School grade"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))


class ReviewForm(forms.Form):
    accept = forms.BooleanField(required=False, label=_("Accept"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Comment"))


class ResponseForm(forms.Form):
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Response"))
    close = forms.BooleanField(required=False, label=_("Close the report"))


class RuleExceptionForm(forms.Form):
    """The school's request for an exception to a "一般/原则上" rule."""

    rule_id = forms.ChoiceField(choices=ExceptionRule.choices, label=_("Rule"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Reason"), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_id"].widget.attrs["class"] = "form-select"
        self.fields["reason"].widget.attrs["class"] = "form-control"
