from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.scoping import restrict
from zhijiao.enterprises.models import Enterprise
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.selectors import offering_list
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region
from zhijiao.students.selectors import student_list

from .choices import ApplicantKind, ExpertTitle, FollowUpKind, FundingSource, MajorField, Outcome
from .models import Application


def applicant_institutions(user):
    """The institutions under which the user may file applications."""
    return restrict(Institution.objects.all(), user, "change", owner_of=Application)


def expert_cities(user):
    """The cities whose experts the user keeps."""
    return restrict(Region.objects.filter(level=RegionLevel.CITY), user, "change").order_by("code")


class ApplyForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Applicant institution"), queryset=Institution.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    field = forms.ChoiceField(label=_("专业大类 of the application"), choices=MajorField.choices)
    # Who applies through the institution, by the programme type's applicant kind (``awards``).
    offering = forms.ModelChoiceField(
        label=_("Offered major"), queryset=InstitutionMajor.objects.none(), required=False
    )
    team_name = forms.CharField(label=_("Team or course"), max_length=100, required=False)
    person_name = forms.CharField(label=_("Teacher"), max_length=50, required=False)
    student_number = forms.CharField(
        label=_("Student's registry number (学籍号)"), max_length=40, required=False
    )
    enterprise_code = forms.CharField(
        label=_("Partner enterprise's unified social credit code"), max_length=18, required=False
    )

    KIND_FIELDS = {
        ApplicantKind.MAJOR: ("offering",),
        ApplicantKind.TEAM: ("team_name",),
        ApplicantKind.COURSE: ("team_name",),
        ApplicantKind.TEACHER: ("person_name",),
        ApplicantKind.STUDENT: ("student_number",),
        ApplicantKind.PARTNERSHIP: ("enterprise_code",),
    }

    def __init__(self, *args, user, kind: str = ApplicantKind.INSTITUTION, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = applicant_institutions(user)
        keep = self.KIND_FIELDS.get(kind, ())
        for name in ("offering", "team_name", "person_name", "student_number", "enterprise_code"):
            if name not in keep:
                del self.fields[name]
        if "offering" in self.fields:
            self.fields["offering"].queryset = offering_list(user=user, action="change").order_by(
                "institution__name", "major__code"
            )
            self.fields["offering"].label_from_instance = lambda o: f"{o.institution.name} · {o.major.name}"

    def applicant(self, user) -> dict:
        """The applicant record's fields, resolved within what the user may see."""
        data = self.cleaned_data
        out = {k: data[k] for k in ("offering", "team_name", "person_name") if data.get(k)}
        if data.get("student_number"):
            out["student"] = (
                student_list(user=user).filter(registry_number=data["student_number"].strip()).first()
            )
        if data.get("enterprise_code"):
            # A partner is named by its public unified social credit code.
            out["enterprise"] = Enterprise.objects.filter(credit_code=data["enterprise_code"].strip()).first()
        return out


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Attachment"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    title = forms.ChoiceField(label=_("Title"), choices=ExpertTitle.choices)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    city = forms.ModelChoiceField(label=_("City"), queryset=Region.objects.none())
    specialties = forms.MultipleChoiceField(
        label=_("Specialties (专业大类)"), choices=MajorField.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = expert_cities(user)


class ObjectionForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Application concerned (optional)"), queryset=Application.objects.none(), required=False
    )
    content = forms.CharField(
        label=_("Objection and the facts it rests on"), widget=forms.Textarea, max_length=2000
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact = forms.CharField(label=_("Telephone or address for the answer"), max_length=100)

    def __init__(self, *args, applications=None, **kwargs):
        """``applications``: the published list's (public by then); none without it."""
        super().__init__(*args, **kwargs)
        if applications is not None:
            self.fields["application"].queryset = applications


class ObjectionAnswerForm(forms.Form):
    finding = forms.CharField(
        label=_("Investigation finding (internal)"), widget=forms.Textarea, max_length=2000
    )
    answer = forms.CharField(label=_("Answer to publish"), widget=forms.Textarea, max_length=2000)


# --- follow-up rounds -------------------------------------------------------------------------------------


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FollowUpKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    due_date = forms.DateField(label=_("Reports due"), widget=forms.DateInput(attrs={"type": "date"}))
    expert_review = forms.BooleanField(label=_("Expert review"), required=False)
    reviewers_per_report = forms.IntegerField(
        label=_("Reviewers per report"), min_value=1, max_value=9, initial=2
    )
    rectify_days = forms.IntegerField(
        label=_("Days given for rectification"), min_value=1, max_value=365, initial=30
    )


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=_("Opinion"), max_length=500, required=False)


# --- call settings and funding ----------------------------------------------------------------------------


class CallSettingsForm(forms.Form):
    """What the province sets on a call's page: the cap on an expert's reviews and the budget.
    Bounds are checked by the service (``services.call_settings_update``) with the stage."""

    max_reviews_per_expert = forms.IntegerField(
        label=_("applications per expert at most"),
        required=False,
        min_value=1,
        max_value=32767,
        help_text=_("Leave blank for no limit; the assignment then only evens out the load."),
        error_messages={
            "min_value": _("An expert reviews at least one application; leave blank for no cap.")
        },
    )
    budget_total = forms.DecimalField(
        label=_("budget (10k yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "Leave blank when the call has no budget ceiling; the funding of the list may not exceed it."
        ),
        error_messages={"min_value": _("The budget may not be negative.")},
    )


FUNDING_SOURCES = [("", "—"), *FundingSource.choices]
