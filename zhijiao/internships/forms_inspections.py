"""Forms of 专项检查: launch (authority), answer (school), finding (inspector).

Forms only shape input; the services validate the rules and write. Choice lists come from the
user's scope (``restrict``), so a city bureau cannot even pick another city.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhijiao.core.autocomplete import AutocompleteSelectMultiple
from zhijiao.core.scoping import restrict
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from .choices import FindingResult
from .rules import RULE_TITLES
from .services.inspections import inspection_rule_ids, max_sample_size

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def launch_regions(user):
    """The province and cities (or the one city) the user manages."""
    return restrict(
        Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]), user, "change"
    ).order_by("path")


def launch_institutions(user):
    return restrict(Institution.objects.select_related("region"), user, "view").order_by(
        "region__path", "name"
    )


def rule_choices() -> list[tuple[str, str]]:
    return [(rid, f"{rid} · {gettext(RULE_TITLES[rid])}") for rid in inspection_rule_ids()]


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class InspectionLaunchForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    region = RegionChoiceField(label=_("Scope"), queryset=Region.objects.none(), empty_label=None)
    rule_ids = forms.MultipleChoiceField(
        label=_("Checklist"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The rules the schools answer on and the inspectors check."),
    )
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        min_value=1,
        initial=20,
        help_text=_("Active placements sampled, spread over the schools; those with open alerts first."),
    )
    institutions = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Institution.objects.none(),
        required=False,
        widget=AutocompleteSelectMultiple("internships.inspection-institutions"),
        help_text=_(
            "Optional: inspect only these schools (each is inspected even without active placements)."
        ),
    )
    answer_due = forms.DateField(label=_("Answers due"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = launch_regions(user)
        self.fields["institutions"].queryset = launch_institutions(user)
        self.fields["rule_ids"].choices = rule_choices()
        self.fields["sample_size"].widget.attrs["max"] = max_sample_size()
        if not self.is_bound:
            self.initial.setdefault("rule_ids", inspection_rule_ids())


class InspectionAnswerForm(forms.Form):
    school_answer = forms.CharField(
        label=_("School answer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the school checked and did for each rule of the checklist."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, JPEG or PNG: the agreement, the insurance policy, pay slips, attendance records."),
    )


class InspectionFindingForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Finding"),
        choices=[
            (FindingResult.COMPLIANT.value, FindingResult.COMPLIANT.label),
            (FindingResult.NON_COMPLIANT.value, FindingResult.NON_COMPLIANT.label),
        ],
        widget=forms.RadioSelect,
    )
    failed_rules = forms.MultipleChoiceField(
        label=_("Rules not met"), widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(label=_("Finding note"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    rectification_due = forms.DateField(label=_("Rectification deadline"), widget=DATE, required=False)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["failed_rules"].choices = [
            (c["rule_id"], f"{c['rule_id']} · {gettext(c.get('title') or c['rule_id'])}")
            for c in inspection.checklist
        ]
