from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=_("Definition file (YAML or JSON)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".yaml", ".yml", ".json")):
            raise forms.ValidationError(_("Upload a .yaml, .yml or .json file."))
        if upload.size > 512 * 1024:
            raise forms.ValidationError(_("The file is larger than 512 KB."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


# --- the data-set editor (province staff) ------------------------------------------------------

from decimal import Decimal  # noqa: E402

from .choices import PeriodType, ValueType  # noqa: E402
from .definitions import CODE, OPTION_CODE  # noqa: E402

CODE_HELP = _("Lower-case letters, digits and underscores, starting with a letter.")


def _code(value: str) -> str:
    value = (value or "").strip()
    if not CODE.match(value):
        raise forms.ValidationError(CODE_HELP)
    return value


def _plain(number: Decimal | None):
    """A number as the definition keeps it (YAML/JSON: an int, else a float)."""
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def parse_options(text: str) -> list[dict]:
    """``code=名称`` (or ``code 名称``) per line → ``[{"code", "name"}]``."""
    options, seen = [], set()
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if "=" in line:
            code, _sep, name = line.partition("=")
        else:
            code, _sep, name = line.partition(" ")
        code, name = code.strip(), name.strip()
        if not OPTION_CODE.match(code):
            raise forms.ValidationError(
                _("Line %(n)d: “%(code)s” is not a code (lower-case letters, digits and underscores).")
                % {"n": n, "code": code[:30]}
            )
        if code in seen:
            raise forms.ValidationError(_("Line %(n)d: “%(code)s” is used twice.") % {"n": n, "code": code})
        seen.add(code)
        options.append({"code": code, "name": name or code})
    if not options:
        raise forms.ValidationError(_("List at least one option, one per line as code=name."))
    return options


def options_text(options) -> str:
    return "\n".join(f"{o.get('code', '')}={o.get('name', '')}" for o in options or [] if isinstance(o, dict))


class NewDataSetForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("identifier", "Code"), max_length=50, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    period_type = forms.ChoiceField(label=_("Period type"), choices=PeriodType.choices)

    def clean_code(self):
        return _code(self.cleaned_data["code"])


class SettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    period_type = forms.ChoiceField(label=_("Period type"), choices=PeriodType.choices)
    kinds = forms.MultipleChoiceField(
        label=_("Institution kinds"), required=False, widget=forms.CheckboxSelectMultiple
    )
    levels = forms.MultipleChoiceField(
        label=_("Levels run"), required=False, widget=forms.CheckboxSelectMultiple
    )
    ownership = forms.MultipleChoiceField(
        label=_("Ownership"), required=False, widget=forms.CheckboxSelectMultiple
    )
    cities = forms.MultipleChoiceField(label=_("Cities"), required=False, widget=forms.CheckboxSelectMultiple)
    max_change = forms.DecimalField(
        label=_("Flag a change from the previous period above (share)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        help_text=_("0.5 flags a value that moved by more than 50%."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhijiao.majors.choices import MajorLevel
        from zhijiao.orgs.choices import InstitutionKind, Ownership
        from zhijiao.orgs.models import Region

        self.fields["levels"].choices = MajorLevel.choices
        self.fields["kinds"].choices = InstitutionKind.choices
        self.fields["ownership"].choices = Ownership.choices
        self.fields["cities"].choices = list(
            Region.objects.filter(level="city").order_by("code").values_list("code", "name")
        )

    @classmethod
    def initial_of(cls, data: dict) -> dict:
        reporters = data.get("reporters") or {}
        return {
            "name": data.get("name", ""),
            "period_type": data.get("period_type"),
            "max_change": data.get("max_change"),
            **{k: reporters.get(k, []) for k in ("kinds", "levels", "ownership", "cities")},
        }

    def reporters(self) -> dict:
        return {k: list(self.cleaned_data[k]) for k in ("kinds", "levels", "ownership", "cities")}


class SectionForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("identifier", "Code"), max_length=50, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    replacing = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_code(self):
        return _code(self.cleaned_data["code"])


class CategoryForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("identifier", "Code"), max_length=50, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=100)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 4, "translate": "no"}),
        help_text=_("One per line as code=name, e.g. male=男. An option's code may start with a digit."),
    )
    replacing = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_code(self):
        return _code(self.cleaned_data["code"])

    def clean_options(self):
        return parse_options(self.cleaned_data["options"])


class ElementForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"))
    code = forms.CharField(label=pgettext_lazy("identifier", "Code"), max_length=50, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    type = forms.ChoiceField(label=_("Value type"), choices=ValueType.choices)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    min = forms.DecimalField(label=_("Minimum"), required=False, max_digits=20, decimal_places=4)
    max = forms.DecimalField(label=_("Maximum"), required=False, max_digits=20, decimal_places=4)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "translate": "no"}),
        help_text=_("For a choice element: one per line as code=name."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Disaggregations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The cells are every combination of the options chosen (a matrix table)."),
    )
    expected_min = forms.DecimalField(
        label=_("Usually at least"), required=False, max_digits=20, decimal_places=4
    )
    expected_max = forms.DecimalField(
        label=_("Usually at most"), required=False, max_digits=20, decimal_places=4
    )
    max_mb = forms.IntegerField(
        label=_("Largest file (MB)"),
        required=False,
        min_value=1,
        max_value=20,
        help_text=_("For a file element: PDF, images and Office documents are accepted."),
    )
    # Cells prefilled from the platform's own data (``reporting.prefill``), for any data set.
    prefill_source = forms.ChoiceField(
        label=_("Prefill from platform data"),
        required=False,
        help_text=_(
            "The form opens with this count filled in (the school may change it). A disaggregated "
            "element takes one set of parameters per cell: give those in the definition file."
        ),
    )
    prefill_major = forms.RegexField(
        label=_("Majors counted (code prefix)"),
        regex=r"^\d{2,6}$",
        required=False,
        max_length=6,
        help_text=_("A 专业大类 (2 digits), a class (4 digits) or a major (6 digits); empty: every major."),
        error_messages={"invalid": _("Enter 2 to 6 digits of a major code.")},
    )
    prefill_kind = forms.ChoiceField(label=_("Certificates counted"), required=False)
    replacing = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, sections=(), categories=(), **kwargs):
        from zhijiao.credentials.choices import CertificateKind

        from .prefill import SOURCES

        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s["code"], s.get("name") or s["code"]) for s in sections]
        self.fields["categories"].choices = [(c["code"], c.get("name") or c["code"]) for c in categories]
        self.fields["prefill_source"].choices = [("", _("None (entered by hand)"))] + [
            (code, source.label) for code, source in SOURCES.items()
        ]
        self.fields["prefill_kind"].choices = [("", _("Every kind"))] + list(CertificateKind.choices)

    def clean_code(self):
        return _code(self.cleaned_data["code"])

    def clean(self):
        data = super().clean()
        if data.get("type") == ValueType.CHOICE:
            try:
                data["choices"] = parse_options(data.get("choices") or "")
            except forms.ValidationError as exc:
                self.add_error("choices", exc)
        else:
            data["choices"] = []
        lo, hi = data.get("min"), data.get("max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("max", _("The maximum is below the minimum."))
        source = data.get("prefill_source")
        if source:
            if data.get("type") not in ("integer", "number"):
                self.add_error(
                    "prefill_source", _("Only a number or an integer element is prefilled with a count.")
                )
            elif data.get("categories"):
                self.add_error(
                    "prefill_source",
                    _(
                        "A disaggregated element is prefilled per cell: set its parameters in the definition file."
                    ),
                )
            if data.get("prefill_kind") and source != "credentials.issued":
                self.add_error("prefill_kind", _("Only certificates issued are counted by kind."))
        return data

    @classmethod
    def initial_of(cls, section: str, element: dict) -> dict:
        return {
            **{k: element.get(k) for k in ("code", "name", "type", "unit", "min", "max", "max_mb")},
            **{k: element.get(k) for k in ("expected_min", "expected_max")},
            "required": bool(element.get("required")),
            "choices": options_text(element.get("choices")),
            "categories": element.get("categories") or [],
            "section": section,
            "replacing": element.get("code"),
            **cls._prefill_initial(element.get("prefill")),
        }

    @staticmethod
    def _prefill_initial(conf) -> dict:
        if not isinstance(conf, dict) or conf.get("cells"):
            return {}
        return {
            "prefill_source": conf.get("source") or "",
            "prefill_major": str(conf.get("major") or ""),
            "prefill_kind": conf.get("kind") or "",
        }

    def element(self) -> dict:
        """The element's entry of the definition (only the keys that say something)."""
        d = self.cleaned_data
        out = {"code": d["code"], "name": d["name"], "type": d["type"]}
        if d.get("unit"):
            out["unit"] = d["unit"]
        numeric = d["type"] in ("number", "integer", "percentage", "money")
        for key in ("min", "max", "expected_min", "expected_max"):
            if numeric and d.get(key) is not None:
                out[key] = _plain(d[key])
        if d.get("required"):
            out["required"] = True
        if d["choices"]:
            out["choices"] = d["choices"]
        if d.get("categories") and d["type"] != "file":
            out["categories"] = list(d["categories"])
        if d["type"] == "file" and d.get("max_mb"):
            out["max_mb"] = d["max_mb"]
        if d.get("prefill_source"):
            conf = {"source": d["prefill_source"]}
            if d.get("prefill_major"):
                conf["major"] = d["prefill_major"]
            if d.get("prefill_kind"):
                conf["kind"] = d["prefill_kind"]
            out["prefill"] = conf
        return out


class RuleForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("identifier", "Code"), max_length=50, help_text=CODE_HELP)
    expression = forms.CharField(
        label=_("Expression"),
        max_length=500,
        help_text=_(
            "Over element codes, e.g. teachers_fulltime <= teachers_total; functions sum, min, max, abs, round."
        ),
    )
    message = forms.CharField(label=_("Message when it does not hold"), max_length=300)
    replacing = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_code(self):
        return _code(self.cleaned_data["code"])


class PeriodForm(forms.Form):
    code = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("e.g. 2021, 2021S1, 2021Q3, 2021-03")
    )
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    opens_on = forms.DateField(
        label=_("Entry opens on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(
        label=_("Entry closes after (deadline)"), widget=forms.DateInput(attrs={"type": "date"})
    )


# --- indicators and scoring schemes ------------------------------------------------------------

from .models import Indicator, ScoringItem, ScoringScheme  # noqa: E402


class _ProvinceDataSets:
    """The data sets offered are the province's to choose (nobody else defines indicators or schemes)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhijiao.core.scoping import user_scope

        from .models import DataSet

        province = user is not None and user_scope(user).is_province
        self.fields["data_set"].queryset = DataSet.objects.all() if province else DataSet.objects.none()


class IndicatorForm(_ProvinceDataSets, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "data_set",
            "element_code",
            "cell",
            "target",
            "target_year",
            "unit",
            "basis",
            "order",
        ]
        labels = {"code": pgettext_lazy("identifier", "Code"), "name": _("Name")}


class SchemeForm(_ProvinceDataSets, forms.ModelForm):
    class Meta:
        model = ScoringScheme
        fields = ["code", "name", "data_set", "level", "basis"]
        labels = {"code": pgettext_lazy("identifier", "Code"), "name": _("Name")}


class ScoringItemForm(forms.ModelForm):
    class Meta:
        model = ScoringItem
        fields = ["name", "element_code", "cell", "formula", "weight", "zero_at", "full_at", "is_veto"]
        labels = {"name": _("Name")}
        help_texts = {
            "formula": _(
                "Instead of one element: an expression over element codes, e.g. staff_master / staff_total * 100."
            ),
        }

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("formula") and not data.get("element_code"):
            self.add_error("element_code", _("Name a data element or write a formula."))
        return data


ScoringItemFormSet = forms.formset_factory(
    ScoringItemForm, extra=2, can_delete=True, max_num=50, validate_max=True
)
