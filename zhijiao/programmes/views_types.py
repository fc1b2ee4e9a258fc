"""Pages of programme types as versioned data (province staff): the list of types and versions, a
version's phases with their names per role, forms, attachments and rubric; export as YAML, import
from YAML, and an editor — saving a published version's edits makes a new version."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.scoping import user_scope

from . import definitions
from .choices import Actor, FollowUpKind, Phase
from .models import ProgrammeType

MAX_YAML_BYTES = 512 * 1024


class TypeTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Definition (YAML)"),
        widget=forms.Textarea(
            attrs={"rows": 30, "class": "form-control font-monospace", "spellcheck": "false"}
        ),
        max_length=MAX_YAML_BYTES,
    )


class TypeFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("YAML file"))


def _province(request) -> None:
    # Reference data every signed-in user reads on the calls; only the province edits it here.
    if not user_scope(request.user).is_province:
        raise Http404


@login_required
def types(request):
    _province(request)
    rows = ProgrammeType.objects.order_by("code", "-version").select_related("form_version")
    return render(
        request,
        "programmes/types/list.html",
        {"title": _("Programme types"), "types": rows, "import_form": TypeFileForm()},
    )


def _phases(ptype: ProgrammeType) -> list[dict]:
    roles = [(r, str(label)) for r, label in Actor.choices]
    labels = dict(Actor.choices)
    out = []
    for p in ptype.definition.get("phases") or []:
        names = p.get("names") or {}
        out.append(
            {
                "phase": str(dict(Phase.choices).get(p.get("code"), p.get("code"))),
                "actor": str(labels.get(p.get("actor"), p.get("actor"))),
                "names": [names.get(r, "—") for r, _label in roles],
            }
        )
    return out


@login_required
def type_detail(request, pk):
    _province(request)
    ptype = get_object_or_404(ProgrammeType.objects.select_related("form_version"), pk=pk)
    elements = (
        list(ptype.form_version.elements.order_by("section__order", "order")) if ptype.form_version else []
    )
    followups = [
        {
            "kind": str(dict(FollowUpKind.choices).get(kind, kind)),
            "rubric": spec.get("rubric") or [],
            "form": (spec.get("form") or {}).get("name", "—"),
        }
        for kind, spec in (ptype.definition.get("followups") or {}).items()
    ]
    return render(
        request,
        "programmes/types/detail.html",
        {
            "title": str(ptype),
            "ptype": ptype,
            "roles": [label for _r, label in Actor.choices],
            "phases": _phases(ptype),
            "attachments": ptype.definition.get("attachments") or [],
            "rubric": ptype.definition.get("rubric") or [],
            "elements": elements,
            "followups": followups,
            "calls": ptype.calls.order_by("-year", "code"),
            "is_latest": definitions.current(ptype.code).pk == ptype.pk,
        },
    )


@login_required
def type_export(request, pk):
    _province(request)
    ptype = get_object_or_404(ProgrammeType, pk=pk)
    response = HttpResponse(definitions.type_export(ptype), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ptype.code}-v{ptype.version}.yaml"'
    return response


def _load(request, text: str, code: str | None = None):
    try:
        return definitions.type_new_version(actor=request.user, text=text, code=code)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return None


@login_required
def type_edit(request, pk):
    """Edit a version's definition; saving loads it as the type's next version (the published one
    stays as it is, with the calls that copied it)."""
    _province(request)
    ptype = get_object_or_404(ProgrammeType, pk=pk)
    form = TypeTextForm(request.POST or None, initial={"text": definitions.type_export(ptype)})
    if request.method == "POST":
        if form.is_valid():
            new = _load(request, form.cleaned_data["text"], code=ptype.code)
            if new is not None:
                messages.success(request, _("Saved as version %(n)d.") % {"n": new.version})
                return redirect("programmes:type_detail", pk=new.pk)
        else:
            messages.error(request, _("The definition is empty or too long."))
    return render(
        request,
        "programmes/types/edit.html",
        {"title": _("Edit %(name)s") % {"name": ptype}, "ptype": ptype, "form": form},
    )


@login_required
def type_import(request):
    _province(request)
    if request.method != "POST":
        return redirect("programmes:types")
    form = TypeFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a YAML file."))
        return redirect("programmes:types")
    upload = form.cleaned_data["file"]
    if upload.size > MAX_YAML_BYTES:
        messages.error(request, _("The file is larger than 512 KB."))
        return redirect("programmes:types")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return redirect("programmes:types")
    new = _load(request, text)
    if new is None:
        return redirect("programmes:types")
    messages.success(request, _("Loaded %(name)s as version %(n)d.") % {"name": new.name, "n": new.version})
    return redirect("programmes:type_detail", pk=new.pk)
