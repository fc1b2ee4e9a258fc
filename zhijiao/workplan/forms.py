"""Forms validate input shape; the services decide and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.scoping import restrict
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from .choices import Alternative, Decision, Health, TaskKind, TaskStatus
from .models import Task, Theme


def assign_institutions(user):
    """Institutions a user may give a sub-task to (their subtree)."""
    return restrict(Institution.objects.all(), user, "change").order_by("name")


def forum_hosts(user):
    return restrict(Institution.objects.all(), user, "view").order_by("name")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BoardFilterForm(forms.Form):
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, label=_("Theme"))
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, label=_("Owner"))
    status = forms.ChoiceField(
        choices=[("", "---------"), *TaskStatus.choices], required=False, label=_("Status")
    )
    health = forms.ChoiceField(
        choices=[("", "---------"), *Health.choices], required=False, label=_("Countdown")
    )
    kind = forms.ChoiceField(choices=[("", "---------"), *TaskKind.choices], required=False, label=_("Kind"))
    as_of = forms.DateField(required=False, label=_("As of"), widget=DateInput())
    unanswered = forms.BooleanField(required=False, label=_("Only with unanswered submissions"))

    def __init__(self, *args, plan, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = plan.themes.all()
        self.fields["owner"].queryset = owners


class TaskEditForm(forms.ModelForm):
    co_units = forms.CharField(
        label=_("Co-operating units"),
        required=False,
        max_length=1000,
        help_text=_("Separate units with 、 or commas."),
    )

    class Meta:
        model = Task
        fields = [
            "theme",
            "lead_unit",
            "co_units",
            "owner",
            "status",
            "start_date",
            "due_date",
            "plan_a",
            "plan_b",
            "chosen_alternative",
        ]
        widgets = {
            "start_date": DateInput(),
            "due_date": DateInput(),
            "plan_a": forms.Textarea(attrs={"rows": 3}),
            "plan_b": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance.plan
        self.fields["theme"].queryset = plan.themes.all()
        if not self.is_bound:
            self.initial["co_units"] = "、".join(self.instance.co_units or [])
        # Owners: people who may change the task (the province division).
        from zhijiao.accounts.models import RoleAssignment

        ids = RoleAssignment.objects.filter(region=plan.region).values("user")
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")
        )

    def _post_clean(self):  # the service validates and saves; skip the ModelForm's instance writes
        pass


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Progress must be between 0 and 100."),
            "max_value": _("Progress must be between 0 and 100."),
            "invalid": _("Progress must be a whole number between 0 and 100."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (required when progress goes back)"), required=False, max_length=500
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    alternative_a = forms.CharField(
        label=_("Plan A"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    alternative_b = forms.CharField(
        label=_("Plan B"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    chosen_alternative = forms.ChoiceField(
        label=_("Chosen plan"), required=False, choices=[("", "---------"), *Alternative.choices]
    )


class MilestoneUpdateForm(forms.Form):
    chosen_alternative = forms.ChoiceField(
        label=_("Chosen plan"), required=False, choices=[("", "---------"), *Alternative.choices]
    )
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DateInput())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Progress must be between 0 and 100."),
            "max_value": _("Progress must be between 0 and 100."),
        },
    )
    links = forms.CharField(
        label=_("Links to platform records"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "/institutions/12/"}),
        help_text=_("One site path per line, e.g. /institutions/12/."),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def clean_links(self):
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class AcknowledgeForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Sub-task"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Colleague")
    )
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False, label=_("City or county"))
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        required=False,
        label=_("Institution"),
        widget=AutocompleteSelect("workplan.assign-institutions"),
    )

    def __init__(self, *args, user, plan=None, colleagues=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = restrict(
            Region.objects.exclude(level=RegionLevel.PROVINCE), user, "change"
        ).order_by("code")
        self.fields["institution"].queryset = assign_institutions(user)
        if colleagues and plan is not None:
            from zhijiao.accounts.models import RoleAssignment

            ids = RoleAssignment.objects.filter(region=plan.region).values("user")
            self.fields["assignee"].queryset = get_user_model().objects.filter(pk__in=ids, is_active=True)
        else:
            del self.fields["assignee"]

    def clean(self):
        data = super().clean()
        chosen = [k for k in ("assignee", "region", "institution") if data.get(k)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                _("Give the assignment to exactly one colleague, region or institution.")
            )
        return data


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(queryset=Task.objects.none(), label=_("Depends on"))

    def __init__(self, *args, task, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["depends_on"].queryset = restrict(
            Task.objects.filter(plan=task.plan).exclude(pk=task.pk), user, "change"
        ).order_by("kind", "number")


class TargetActualForm(forms.Form):
    actual = forms.IntegerField(label=_("Actual"), min_value=0)


class ForumForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"))
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    host = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        required=False,
        label=_("Host institution"),
        widget=AutocompleteSelect("workplan.forum-hosts"),
    )
    venue = forms.CharField(label=_("Venue"), required=False, max_length=200)
    outcome_cases = forms.CharField(
        label=_("Outcome cases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One case per line."),
    )

    def __init__(self, *args, plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [(t, t) for t in plan.forum_themes]
        self.fields["host"].queryset = forum_hosts(user)


class PlanCopyForm(forms.Form):
    year = forms.IntegerField(label=_("New year"), min_value=2000, max_value=2100)
