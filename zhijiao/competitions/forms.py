from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.scoping import user_scope
from zhijiao.students import selectors as registry

from . import services


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
