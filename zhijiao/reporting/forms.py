from django import forms
from django.utils.translation import gettext_lazy as _


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
