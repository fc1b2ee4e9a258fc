"""Pages of programme types as versioned data (province staff): the list of types and versions, a
version's phases with their names per role, forms, attachments and rubric; export as YAML, import
from YAML, and an editor — saving a published version's edits makes a new version."""

from __future__ import annotations

import yaml
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.downloads import content_disposition
from zhijiao.core.scoping import user_scope
from zhijiao.reporting.models import DataSetVersion

from . import definitions
from .choices import Actor, FollowUpKind, Phase
from .models import ProgrammeType

MAX_YAML_BYTES = 512 * 1024


class TypeTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Definition (YAML)"),
        # The definition's keys are code, not prose (translate="no": no translation, no language check).
        widget=forms.Textarea(
            attrs={
                "rows": 30,
                "class": "form-control font-monospace",
                "spellcheck": "false",
                "translate": "no",
            }
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
    response["Content-Disposition"] = content_disposition(f"{ptype.code}-v{ptype.version}.yaml")
    return response


def _load(request, text: str, code: str | None = None):
    """Load as the next version, or put each problem of the definition in a message."""
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


# --- the structured editor: phases with their names per role, attachments, rubric, the form ------------

BLANK_ROWS = 2


def _rows(post, prefix: str, fields: tuple[str, ...]) -> list[dict]:
    """Rows posted as ``<prefix>-<n>-<field>``, in order, blank rows dropped."""
    count = min(int(post.get(f"{prefix}-count") or 0), 100)
    rows = []
    for n in range(count):
        row = {f: post.get(f"{prefix}-{n}-{f}", "").strip() for f in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def _edited(ptype: ProgrammeType, post) -> dict:
    """The definition with the editor's changes (checked whole by ``definitions.check`` on load)."""
    data = dict(ptype.definition)
    data["name"] = post.get("name", "").strip()
    roles = [r for r, _label in Actor.choices]
    phases = []
    for i, phase in enumerate(data.get("phases") or []):
        names = {r: post.get(f"phase-{i}-{r}", "").strip() for r in roles}
        phases.append(
            {
                **phase,
                "actor": post.get(f"phase-{i}-actor", phase.get("actor")),
                "names": {r: v for r, v in names.items() if v},
            }
        )
    data["phases"] = phases
    data["attachments"] = [
        {
            "code": row["code"],
            "name": row["name"],
            "required": row["required"] == "on",
            "kinds": [k.strip() for k in row["kinds"].replace("，", ",").split(",") if k.strip()] or ["pdf"],
        }
        for row in _rows(post, "att", ("code", "name", "required", "kinds"))
    ]
    rubric = []
    for row in _rows(post, "rub", ("code", "name", "max")):
        try:
            top = int(row["max"]) if row["max"].isdigit() else float(row["max"])
        except ValueError:
            top = row["max"]  # refused by the check, with where it is
        rubric.append({"code": row["code"], "name": row["name"], "max": top})
    data["rubric"] = rubric
    form_pk = post.get("form_version", "")
    if form_pk.isdigit():
        version = DataSetVersion.objects.filter(pk=int(form_pk)).first()
        if version is not None:
            data["form"] = dict(version.definition)
    elif form_pk == "":
        data.pop("form", None)
    return data


@login_required
def type_editor(request, pk):
    """A form for what province staff change most: the type's name, each phase's actor and its
    names per role, the required attachments, the rubric and the application form (a data-set
    version of the reporting form engine). Saving loads the result as the type's next version."""
    _province(request)
    ptype = get_object_or_404(ProgrammeType.objects.select_related("form_version"), pk=pk)
    if request.method == "POST":
        text = yaml.safe_dump(_edited(ptype, request.POST), allow_unicode=True, sort_keys=False)
        new = _load(request, text, code=ptype.code)
        if new is not None:
            messages.success(request, _("Saved as version %(n)d.") % {"n": new.version})
            return redirect("programmes:type_detail", pk=new.pk)
    roles = list(Actor.choices)
    phases = [
        {
            "n": i,
            "label": str(dict(Phase.choices).get(p.get("code"), p.get("code"))),
            "actor": p.get("actor"),
            "names": [(r, label, (p.get("names") or {}).get(r, "")) for r, label in roles],
        }
        for i, p in enumerate(ptype.definition.get("phases") or [])
    ]
    attachments = list(ptype.definition.get("attachments") or []) + [{}] * BLANK_ROWS
    rubric = list(ptype.definition.get("rubric") or []) + [{}] * BLANK_ROWS
    return render(
        request,
        "programmes/types/editor.html",
        {
            "title": _("Edit %(name)s") % {"name": ptype},
            "ptype": ptype,
            "roles": roles,
            "phases": phases,
            "attachments": [
                {**a, "n": n, "kinds_text": ", ".join(a.get("kinds") or [])}
                for n, a in enumerate(attachments)
            ],
            "rubric": [{**r, "n": n} for n, r in enumerate(rubric)],
            "forms": DataSetVersion.objects.select_related("data_set").order_by("data_set__code", "-number")[
                :300
            ],
        },
    )
