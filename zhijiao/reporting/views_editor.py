"""The data-set editor (province staff only; anyone else gets a 404): data sets and their
versions, a draft edited element by element or loaded from YAML, published, exported; periods
with their entry windows; rule expressions checked as they are typed."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import download_response
from zhijiao.core.scoping import user_scope

from . import definitions, expressions
from . import services_editor as editor
from .choices import NUMERIC_TYPES, PeriodType, ValueType
from .forms import (
    CategoryForm,
    DefinitionUploadForm,
    ElementForm,
    NewDataSetForm,
    PeriodForm,
    RuleForm,
    SectionForm,
    SettingsForm,
    options_text,
)
from .models import DataSet, DataSetVersion


def fingerprint(data: dict) -> str:
    """A short digest of a definition: an edit posted from a page showing another state of the
    draft is refused (two people editing one draft do not overwrite each other unseen)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _province(request) -> None:
    if not user_scope(request.user).is_province:
        raise Http404


def _problems(request, exc: ValidationError) -> None:
    for line in exc.messages[:30]:
        messages.error(request, line)


@login_required
def editor_index(request):
    _province(request)
    form = NewDataSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = editor.dataset_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _problems(request, exc)
        else:
            messages.success(request, _("Data set created; its first version is a draft."))
            return redirect("reporting:editor_version", pk=version.pk)
    data_sets = DataSet.objects.prefetch_related("versions").order_by("code")
    return render(
        request,
        "reporting/editor/index.html",
        {"title": _("Data-set editor"), "data_sets": data_sets, "form": form},
    )


def _sections(data: dict) -> list[dict]:
    return [s for s in data.get("sections") or [] if isinstance(s, dict)]


def _element_rows(data: dict) -> list[dict]:
    categories = {c["code"]: c.get("name", c["code"]) for c in data.get("categories") or []}
    rows = []
    for section in _sections(data):
        for e in section.get("elements") or []:
            try:
                type_label = ValueType(e.get("type")).label
            except ValueError:
                type_label = e.get("type")
            rows.append(
                {
                    "section": section,
                    "element": e,
                    "type_label": type_label,
                    "categories": [categories.get(c, c) for c in e.get("categories") or []],
                    "choices": "、".join(o.get("name", "") for o in e.get("choices") or []),
                }
            )
    return rows


def _ids(what: str) -> str:
    """Each of the page's forms has ids of its own (several have a code and a name)."""
    return f"{what}_%s"


def _forms(version: DataSetVersion, request=None, bound: dict | None = None) -> dict:
    """The editor's forms, prefilled for ``?edit=kind:code``; ``bound`` replaces one by a bound form."""
    data = version.definition
    sections = _sections(data)
    categories = [c for c in data.get("categories") or [] if isinstance(c, dict)]
    forms = {
        "settings": SettingsForm(initial=SettingsForm.initial_of(data), auto_id=_ids("settings")),
        "section": SectionForm(auto_id=_ids("section")),
        "element": ElementForm(sections=sections, categories=categories, auto_id=_ids("element")),
        "category": CategoryForm(auto_id=_ids("category")),
        "rule": RuleForm(auto_id=_ids("rule")),
        "import": DefinitionUploadForm(auto_id=_ids("import")),
        "period": PeriodForm(auto_id=_ids("period")),
    }
    kind, _sep, code = (request.GET.get("edit", "") if request else "").partition(":")
    if kind == "section":
        found = next((s for s in sections if s.get("code") == code), None)
        if found:
            forms["section"] = SectionForm(initial={**found, "replacing": code}, auto_id=_ids("section"))
    elif kind == "element":
        for s in sections:
            found = next((e for e in s.get("elements") or [] if e.get("code") == code), None)
            if found:
                forms["element"] = ElementForm(
                    initial=ElementForm.initial_of(s["code"], found),
                    sections=sections,
                    categories=categories,
                    auto_id=_ids("element"),
                )
    elif kind == "category":
        found = next((c for c in categories if c.get("code") == code), None)
        if found:
            forms["category"] = CategoryForm(
                initial={**found, "options": options_text(found.get("options")), "replacing": code},
                auto_id=_ids("category"),
            )
    elif kind == "rule":
        found = next((r for r in data.get("rules") or [] if r.get("code") == code), None)
        if found:
            forms["rule"] = RuleForm(initial={**found, "replacing": code}, auto_id=_ids("rule"))
    forms.update(bound or {})
    return forms


def _version(request, pk) -> DataSetVersion:
    _province(request)
    return get_object_or_404(DataSetVersion.objects.select_related("data_set"), pk=pk)


def _render_version(request, version: DataSetVersion, bound: dict | None = None, status: int = 200):
    data = version.definition
    return render(
        request,
        "reporting/editor/version.html",
        {
            "title": _("%(name)s · version %(n)d") % {"name": version.data_set.name, "n": version.number},
            "version": version,
            "data_set": version.data_set,
            "versions": version.data_set.versions.order_by("-number"),
            "periods": version.data_set.periods.order_by("-start"),
            "data": data,
            "sections": _sections(data),
            "element_rows": _element_rows(data),
            "categories": [
                {**c, "options_label": "、".join(o.get("name", "") for o in c.get("options") or [])}
                for c in data.get("categories") or []
            ],
            "rules": data.get("rules") or [],
            "period_type_label": dict(PeriodType.choices).get(
                data.get("period_type"), data.get("period_type")
            ),
            "forms": _forms(version, request, bound),
            "editing": request.GET.get("edit", ""),
            "base": fingerprint(data),
        },
        status=status,
    )


@login_required
def version_detail(request, pk):
    return _render_version(request, _version(request, pk))


EDITS = {
    "settings": SettingsForm,
    "section": SectionForm,
    "element": ElementForm,
    "category": CategoryForm,
    "rule": RuleForm,
}


def _apply(what: str, data: dict, form) -> dict:
    d = form.cleaned_data
    replacing = d.get("replacing") or None
    if what == "settings":
        return editor.settings_put(
            data,
            name=d["name"],
            period_type=d["period_type"],
            reporters=form.reporters(),
            max_change=float(d["max_change"]) if d.get("max_change") is not None else None,
        )
    if what == "section":
        return editor.section_put(data, code=d["code"], name=d["name"], replacing=replacing)
    if what == "element":
        element = form.element()
        # Per-cell prefill parameters come from the definition file (the form sets one set for the
        # whole element): an edit that sets none keeps them.
        before = next(
            (
                e
                for s in data.get("sections") or []
                if isinstance(s, dict)
                for e in s.get("elements") or []
                if isinstance(e, dict) and e.get("code") == replacing
            ),
            None,
        )
        kept = (before or {}).get("prefill")
        if "prefill" not in element and isinstance(kept, dict) and kept.get("cells"):
            element["prefill"] = kept
        return editor.element_put(data, section=d["section"], element=element, replacing=replacing)
    if what == "category":
        return editor.category_put(
            data, code=d["code"], name=d["name"], options=d["options"], replacing=replacing
        )
    return editor.rule_put(
        data, code=d["code"], expression=d["expression"], message=d["message"], replacing=replacing
    )


REMOVE = {
    "section": editor.section_remove,
    "element": editor.element_remove,
    "category": editor.category_remove,
    "rule": editor.rule_remove,
}


@login_required
@require_POST
def version_edit(request, pk, what):
    version = _version(request, pk)
    if what not in EDITS:
        raise Http404
    data = version.definition
    base = request.POST.get("base")
    if base and base != fingerprint(data):
        messages.error(
            request,
            _(
                "Someone changed this draft after you opened it; your change was not saved. The page "
                "now shows the draft as it is."
            ),
        )
        return redirect("reporting:editor_version", pk=version.pk)
    remove = request.POST.get("remove", "")
    form = None
    try:
        if remove:
            if what not in REMOVE:
                raise Http404
            data = REMOVE[what](data, remove)
        else:
            kwargs = {}
            if what == "element":
                kwargs = {
                    "sections": _sections(data),
                    "categories": [c for c in data.get("categories") or [] if isinstance(c, dict)],
                }
            form = EDITS[what](request.POST, auto_id=_ids(what), **kwargs)
            if not form.is_valid():
                messages.error(request, _("Some values are not accepted; see the fields marked."))
                return _render_version(request, version, {what: form}, status=400)
            data = _apply(what, data, form)
        editor.version_save(actor=request.user, version=version, data=data)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, _("Not saved; nothing was changed:"))
        _problems(request, exc)
        return _render_version(request, version, {what: form} if form is not None else None, status=400)
    messages.success(request, _("Removed.") if remove else _("Saved."))
    return redirect("reporting:editor_version", pk=version.pk)


@login_required
@require_POST
def version_draft(request, pk):
    _province(request)
    data_set = get_object_or_404(DataSet, pk=pk)
    version = editor.version_draft(actor=request.user, data_set=data_set)
    messages.success(request, _("Editing draft version %(n)d.") % {"n": version.number})
    return redirect("reporting:editor_version", pk=version.pk)


@login_required
@require_POST
def version_publish(request, pk):
    version = _version(request, pk)
    try:
        editor.version_publish(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, _("Not published:"))
        _problems(request, exc)
    else:
        messages.success(request, _("Version %(n)d is published; new forms use it.") % {"n": version.number})
    return redirect("reporting:editor_version", pk=version.pk)


@login_required
@require_POST
def version_discard(request, pk):
    version = _version(request, pk)
    data_set = version.data_set
    try:
        editor.version_discard(actor=request.user, version=version)
    except ValidationError as exc:
        _problems(request, exc)
        return redirect("reporting:editor_version", pk=version.pk)
    messages.success(request, _("The draft was discarded."))
    latest = (
        data_set.versions.order_by("-number").first()
        if DataSet.objects.filter(pk=data_set.pk).exists()
        else None
    )
    return redirect("reporting:editor_version", pk=latest.pk) if latest else redirect("reporting:editor")


@login_required
def version_export(request, pk):
    version = _version(request, pk)
    return download_response(
        definitions.definition_export(version).encode("utf-8"),
        f"{version.data_set.code}-v{version.number}.yaml",
        content_type="text/yaml; charset=utf-8",
    )


@login_required
@require_POST
def version_import(request, pk):
    version = _version(request, pk)
    form = DefinitionUploadForm(request.POST, request.FILES, auto_id=_ids("import"))
    if not form.is_valid():
        messages.error(request, _("Some values are not accepted; see the fields marked."))
        return _render_version(request, version, {"import": form}, status=400)
    try:
        editor.version_import(actor=request.user, version=version, text=form.cleaned_data["file"])
    except ValidationError as exc:
        messages.error(request, _("The file was not loaded; nothing was changed:"))
        _problems(request, exc)
        return _render_version(request, version, status=400)
    messages.success(request, _("The file was loaded into this draft."))
    return redirect("reporting:editor_version", pk=version.pk)


@login_required
@require_POST
def period_create(request, pk):
    version = _version(request, pk)
    form = PeriodForm(request.POST, auto_id=_ids("period"))
    if not form.is_valid():
        messages.error(request, _("Some values are not accepted; see the fields marked."))
        return _render_version(request, version, {"period": form}, status=400)
    try:
        editor.period_create(actor=request.user, data_set=version.data_set, **form.cleaned_data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form.add_error(None, exc)
        return _render_version(request, version, {"period": form}, status=400)
    messages.success(request, _("Period added."))
    return redirect("reporting:editor_version", pk=version.pk)


def expression_problem(expression: str, data: dict) -> str:
    """Why a rule expression cannot be used in this definition ('' when it can)."""
    try:
        tree = expressions.parse(expression)
    except expressions.ExpressionError as exc:
        return str(exc)
    numeric = {
        e.get("code")
        for s in _sections(data)
        for e in s.get("elements") or []
        if e.get("type") in {str(t) for t in NUMERIC_TYPES}
    }
    unknown = sorted(expressions.names(tree) - numeric)
    if unknown:
        return _("“%(name)s” is not a numeric element of this version.") % {"name": "、".join(unknown)}
    return ""


@login_required
@require_POST
def expression_check(request, pk):
    """The rule expression typed so far, checked by the safe evaluator (an HTMX fragment)."""
    version = _version(request, pk)
    expression = request.POST.get("expression", "")
    problem = expression_problem(expression, version.definition) if expression.strip() else ""
    return render(
        request,
        "reporting/editor/partials/expression_check.html",
        {"problem": problem, "empty": not expression.strip()},
    )


# --- indicators and 考核 scoring schemes ---------------------------------------------------------


@login_required
def indicator_list(request):
    _province(request)
    from .models import Indicator

    return render(
        request,
        "reporting/editor/indicators.html",
        {"title": _("Indicators"), "indicators": Indicator.objects.select_related("data_set")},
    )


@login_required
def indicator_edit(request, pk=None):
    _province(request)
    from .forms import IndicatorForm
    from .models import Indicator

    indicator = get_object_or_404(Indicator, pk=pk) if pk else None
    form = IndicatorForm(request.POST or None, instance=indicator, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            editor.indicator_save(actor=request.user, indicator=indicator, **fields)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("reporting:editor_indicators")
    return render(
        request,
        "reporting/editor/indicator_form.html",
        {
            "title": _("Edit the indicator") if indicator else _("New indicator"),
            "form": form,
            "elements": _numeric_elements(),
        },
        status=400 if form.errors else 200,
    )


def _numeric_elements() -> list[tuple[str, list]]:
    """Each data set's numeric elements of its published version (a reference list beside the forms)."""
    out = []
    for data_set in DataSet.objects.order_by("code"):
        version = data_set.current_version()
        if version is not None:
            rows = list(version.elements.filter(value_type__in=NUMERIC_TYPES).values_list("code", "name"))
            if rows:
                out.append((data_set, rows))
    return out


@login_required
def scheme_list(request):
    _province(request)
    from .models import ScoringScheme

    return render(
        request,
        "reporting/editor/schemes.html",
        {
            "title": _("Scoring schemes"),
            "schemes": ScoringScheme.objects.select_related("data_set").prefetch_related("items"),
        },
    )


@login_required
def scheme_edit(request, pk=None):
    _province(request)
    from .forms import SchemeForm, ScoringItemFormSet
    from .models import ScoringScheme

    scheme = get_object_or_404(ScoringScheme, pk=pk) if pk else None
    initial = [{k: getattr(i, k) for k in editor.ITEM_FIELDS} for i in scheme.items.all()] if scheme else []
    form = SchemeForm(request.POST or None, instance=scheme, user=request.user)
    items = ScoringItemFormSet(request.POST or None, initial=initial, prefix="items")
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and items.is_valid():
        rows = [
            {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
            for f in items.forms
            if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        ]
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            editor.scheme_save(actor=request.user, scheme=scheme, items=rows, **fields)
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("Saved."))
            return redirect("reporting:editor_schemes")
    failed = request.method == "POST"
    return render(
        request,
        "reporting/editor/scheme_form.html",
        {
            "title": _("Edit the scoring scheme") if scheme else _("New scoring scheme"),
            "form": form,
            "items": items,
            "problems": problems,
            "elements": _numeric_elements(),
        },
        status=400 if failed else 200,
    )
