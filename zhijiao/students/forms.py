from django import forms
from django.utils.translation import gettext_lazy as _

from zhijiao.core.views.generic import ScopedModelForm
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.models import Institution

from . import codelists
from .choices import ChangeKind, Pathway, SuspensionReason, Term
from .models import Student
from .services import institutions_for_students


def offerings_for_students(user):
    from .autocomplete import offerings_for_students as rows

    return rows(user)


def _search(source: str, **kwargs):
    from zhijiao.core.autocomplete import AutocompleteSelect

    return AutocompleteSelect(source, **kwargs)


class StudentForm(ScopedModelForm, forms.ModelForm):
    """Add one student: identity plus the first (pending) enrolment."""

    text_fields = ("name", "guardian_name")
    code_fields = ("id_number", "phone", "guardian_phone")
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label=_("institution"), widget=_search("students.institutions")
    )
    offering = forms.ModelChoiceField(
        queryset=InstitutionMajor.objects.none(),
        label=_("offered major"),
        widget=_search("students.offerings", forward=("institution",)),
    )
    class_name = forms.CharField(label=_("class"), max_length=50, required=False)
    entry_date = forms.DateField(label=_("entry date"), widget=forms.DateInput(attrs={"type": "date"}))
    study_years = forms.IntegerField(label=_("length of study (years)"), min_value=1, max_value=8, initial=3)
    pathway = forms.ChoiceField(label=_("pathway"), choices=Pathway.choices, initial=Pathway.ORDINARY)
    scoped_fields = {"institution": institutions_for_students, "offering": offerings_for_students}

    class Meta:
        model = Student
        fields = (
            "name",
            "gender",
            "id_type",
            "id_number",
            "birth_date",
            "phone",
            "guardian_name",
            "guardian_phone",
            "ethnicity",
            "hukou_region",
            "source_category",
            "aid_category",
        )
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.fields["gender"].required = False
        coded_choice_fields(self)


def coded_choice_fields(form) -> None:
    """民族, 生源类别 and 资助 as selects of their code lists (``students/codelists``)."""
    for name, listname in (
        ("ethnicity", "ethnicity"),
        ("source_category", "source_category"),
        ("aid_category", "aid_category"),
    ):
        field = form.fields.get(name)
        if field is not None:
            field.widget = forms.Select(
                choices=[("", "---------"), *codelists.choices(listname)], attrs={"class": "form-select"}
            )

    def _post_clean(self):
        # Identity and uniqueness are the service's job (with the messages the import uses too).
        pass


class BatchForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label=_("institution"), widget=_search("students.institutions")
    )
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    term = forms.ChoiceField(label=_("intake"), choices=Term.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_for_students(user)


class OverrideForm(forms.Form):
    override_reason = forms.CharField(label=_("Reason for allowing a late registration"), max_length=300)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a plain FileField refuses the list the widget returns)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data] or single(None, initial) or []
        return [single(data, initial)] if data else (single(None, initial) or [])


class StatusChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ChangeKind.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    effective_date = forms.DateField(
        label=_("effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    months = forms.IntegerField(label=_("months (suspension)"), required=False, min_value=1, max_value=60)
    suspension_reason = forms.ChoiceField(
        label=_("reason for suspension"),
        choices=[("", "---------"), *SuspensionReason.choices],
        required=False,
        help_text=_("For military service, the months of the service."),
    )
    target_institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        required=False,
        label=_("receiving school"),
        widget=_search("students.transfer-institutions"),
    )
    target_offering = forms.ModelChoiceField(
        queryset=InstitutionMajor.objects.none(),
        required=False,
        label=_("new offered major"),
        widget=_search("students.transfer-offerings", forward=("target_institution",)),
    )
    target_class_name = forms.CharField(label=_("new class"), max_length=50, required=False)
    attachments = MultipleFileField(label=_("attachments (PDF, JPEG, PNG)"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .autocomplete import transfer_institutions, transfer_offerings

        self.fields["target_institution"].queryset = transfer_institutions(user)
        target = str(self.data.get("target_institution", "") if self.is_bound else "")
        self.fields["target_offering"].queryset = transfer_offerings(
            user, int(target) if target.isdigit() and len(target) < 12 else None
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )


def _styled(form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault(
            "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        )


class GraduationCriteriaForm(forms.Form):
    """Which students a new graduation list starts from (read from the query string)."""

    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(), label=_("institution"), widget=_search("students.institutions")
    )
    year = forms.IntegerField(label=_("graduation year"), min_value=2000, max_value=2100)
    graduation_date = forms.DateField(
        label=_("graduation date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    cohort_year = forms.IntegerField(label=_("cohort year"), min_value=1990, max_value=2100, required=False)
    offering = forms.ModelChoiceField(
        queryset=InstitutionMajor.objects.none(),
        label=_("offered major"),
        required=False,
        widget=_search("students.offerings", forward=("institution",)),
    )
    class_name = forms.CharField(label=_("class"), max_length=50, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_for_students(user)
        self.fields["offering"].queryset = offerings_for_students(user).order_by(
            "institution__name", "major__code", "start_year"
        )
        _styled(self)

    def clean(self):
        cleaned = super().clean()
        inst, offering = cleaned.get("institution"), cleaned.get("offering")
        if inst is not None and offering is not None and offering.institution_id != inst.pk:
            self.add_error("offering", _("This offered major is not one of the chosen school's."))
        date, year = cleaned.get("graduation_date"), cleaned.get("year")
        if date is not None and year is not None and date.year != year:
            self.add_error("graduation_date", _("The graduation date is not in the graduation year."))
        if isinstance(cleaned.get("class_name"), str):
            from zhijiao.core.validators import normalize_text

            cleaned["class_name"] = normalize_text(cleaned["class_name"])
        return cleaned


class AccountCreateForm(forms.Form):
    """Open a new sign-in account for the student (the password policy of the platform applies)."""

    new_username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The student signs in with it. Do not use the ID number: usernames are shown to staff."),
    )
    password1 = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Repeat the password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class AccountLinkForm(forms.Form):
    username = forms.CharField(
        label=_("Username of the student account"),
        max_length=150,
        help_text=_("An existing account without staff roles; it will see this record under “My record”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("photo"), help_text=_("JPEG or PNG, shown on the certificate."), widget=forms.FileInput
    )


class PhotoArchiveForm(forms.Form):
    archive = forms.FileField(
        label=_("ZIP of photos"),
        help_text=_(
            "One JPEG or PNG per student, named by the ID number (e.g. 370102200801011234.jpg). "
            "Photos of students you may not change are reported, not stored."
        ),
        widget=forms.FileInput(attrs={"accept": ".zip"}),
    )
