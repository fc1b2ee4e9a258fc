from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.scoping import user_scope
from zhijiao.majors import selectors as majors
from zhijiao.students import selectors as registry

from . import services
from .choices import ContestKind, EventStage
from .models import Event


def form_schools(user):
    """The schools a school-level user enters for: those they hold a role at (an authority does not
    fill in its schools' entries, and the form would list a whole city's students)."""
    return services.entry_schools(user).filter(pk__in=user_scope(user).institution_ids)


def eligible_students(user, contest):
    """The registered students of the user's schools a contest accepts (its 专业类 when required)."""
    rows = registry.student_list(user=user, action="change").filter(
        current_institution__in=form_schools(user),
        enrolments__is_current=True,
        enrolments__status__in=services.STUDYING,
    )
    if contest.require_major and contest.major_class_id:
        rows = rows.filter(enrolments__offering__major__major_class=contest.major_class_id)
    return (
        rows.select_related("current_institution").order_by("current_institution_id", "name", "pk").distinct()
    )


class EntryForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("School"), queryset=None)
    team_name = forms.CharField(label=_("Team name"), max_length=100, required=False)
    students = forms.ModelMultipleChoiceField(
        label=_("Students"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    teachers = forms.CharField(
        label=_("Teachers (one name a line)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = form_schools(user).order_by("name")
        if contest.for_students:
            self.fields["students"].queryset = eligible_students(user, contest)
            del self.fields["teachers"]
        else:
            self.fields["students"].queryset = registry.student_list(user=user).none()
            del self.fields["students"]
        if not contest.is_team:
            del self.fields["team_name"]

    def clean_teachers(self):
        return [line.strip() for line in self.cleaned_data.get("teachers", "").splitlines() if line.strip()]


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RUBRIC_ROWS = 100


def _styled(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault(
                "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
            )


class EventForm(forms.Form):
    """An event's notice: the province fills it in; the service checks the dates and ratios."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Letters, digits and hyphens, e.g. 2021-skills; used in the public results address."),
    )
    name = forms.CharField(label=_("Event name"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    organiser = forms.CharField(label=_("Organiser"), max_length=200)
    entry_deadline = forms.DateField(label=_("Entry deadline (schools)"), widget=DATE)
    city_deadline = forms.DateField(label=_("Deadline for the cities to send entries"), widget=DATE)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    first_ratio = forms.IntegerField(
        label=_("First prizes (per cent of entries)"), min_value=0, max_value=100
    )
    second_ratio = forms.IntegerField(
        label=_("Second prizes (per cent of entries)"), min_value=0, max_value=100
    )
    third_ratio = forms.IntegerField(
        label=_("Third prizes (per cent of entries)"), min_value=0, max_value=100
    )
    avoid_same_city = forms.BooleanField(label=_("Judges from an entrant's city withdraw"), required=False)

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        if event is not None:
            del self.fields["code"]
            if event.stage != EventStage.OPEN:
                for name in ("entry_deadline", "city_deadline", "starts_on", "ends_on", "avoid_same_city"):
                    self.fields[name].disabled = True
        _styled(self)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Event.objects.filter(code=code).exists():
            raise forms.ValidationError(_("This code is taken by another event."))
        return code


class ContestForm(forms.Form):
    """A contest of an event; its rubric is edited as rows next to the form (``rubric_rows``)."""

    name = forms.CharField(label=_("Contest name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ContestKind.choices)
    major_class = forms.ModelChoiceField(
        label=_("Major class"),
        queryset=None,
        required=False,
        help_text=_("Students' contests: the 专业类 the entrants study."),
    )
    require_major = forms.BooleanField(
        label=_("Students must study a major of the 专业类"), required=False, initial=True
    )
    team_size = forms.IntegerField(label=_("Members per entry"), min_value=1, max_value=20, initial=1)
    quota_per_school = forms.IntegerField(label=_("Entries per school"), min_value=1, max_value=1000)
    quota_per_city = forms.IntegerField(label=_("Entries per city"), min_value=1, max_value=10000)
    judges_needed = forms.IntegerField(label=_("Judges"), min_value=1, max_value=30, initial=3)
    blind = forms.BooleanField(label=_("Blind judging"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["major_class"].queryset = majors.major_class_list(user=user).order_by("code")
        _styled(self)


def rubric_rows(post) -> list[dict]:
    """The rubric rows posted as ``rub-<n>-code|name|max``, in order, blank rows dropped; the
    service checks them (``services.clean_rubric``)."""
    try:
        count = min(int(post.get("rub-count") or 0), RUBRIC_ROWS)
    except ValueError:
        count = 0
    rows = []
    for n in range(count):
        row = {f: post.get(f"rub-{n}-{f}", "").strip() for f in ("code", "name", "max")}
        if any(row.values()):
            rows.append(row)
    return rows
