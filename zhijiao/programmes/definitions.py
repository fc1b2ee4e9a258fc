"""Programme types as data: a versioned YAML definition (phases with their names per role, who
acts in each, the application form — a data-set definition of the reporting form engine —,
required attachments, the scoring rubric, transitions, the applicant kind). The whole file is
checked first and every problem reported with where it is; nothing is written unless all is well."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope
from zhijiao.reporting import definitions as forms_engine

from . import followup
from .choices import Actor, ApplicantKind, FollowUpKind, Phase
from .models import ProgrammeType

CODE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
ATTACHMENT_KINDS = {"pdf", "docx", "xlsx", "jpeg", "png", "zip"}


class TypeDefinitionError(ValidationError):
    pass


def parse_text(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TypeDefinitionError([_("The file is not valid YAML or JSON.")]) from exc
    if not isinstance(data, dict):
        raise TypeDefinitionError([_("The file must describe one programme type (a mapping at the top).")])
    return data


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def check(data: dict) -> list[str]:
    errors: list[str] = []

    def err(where: str, message: str) -> None:
        errors.append(f"{where}: {message}")

    if not isinstance(data.get("code"), str) or not CODE.match(data["code"]):
        err("code", _("a code is lower-case letters, digits and underscores, starting with a letter"))
    if not str(data.get("name") or "").strip():
        err("name", _("the name is required"))
    if not isinstance(data.get("version"), int) or data["version"] < 1:
        err("version", _("the version is a whole number from 1"))
    if data.get("applicant") not in ApplicantKind.values:
        err("applicant", _("one of %(list)s") % {"list": ", ".join(ApplicantKind.values)})

    phases = data.get("phases")
    codes: list[str] = []
    if not isinstance(phases, list) or not phases:
        err("phases", _("a programme type needs at least one phase"))
        phases = []
    for i, phase in enumerate(phases):
        where = f"phases[{i}]"
        if not isinstance(phase, dict):
            err(where, _("a phase is a mapping"))
            continue
        code = phase.get("code")
        if code not in Phase.values:
            err(f"{where}.code", _("one of %(list)s") % {"list": ", ".join(Phase.values)})
        elif code in codes:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": code})
        else:
            codes.append(code)
        if phase.get("actor") not in Actor.values:
            err(f"{where}.actor", _("one of %(list)s") % {"list": ", ".join(Actor.values)})
        names = phase.get("names")
        if not isinstance(names, dict) or not names:
            err(f"{where}.names", _("the phase's name for each role (school, city, province, expert)"))
        else:
            for role in names:
                if role not in Actor.values:
                    err(f"{where}.names", _("unknown role “%(role)s”") % {"role": role})
    if codes and codes[0] != Phase.APPLY:
        err("phases", _("the first phase is the application"))
    order = [p for p in Phase.values if p in codes]
    if codes and codes != order:
        err("phases", _("phases run in the engine's order: %(list)s") % {"list": ", ".join(order)})

    for i, t in enumerate(data.get("transitions") or []):
        where = f"transitions[{i}]"
        if not isinstance(t, dict):
            err(where, _("a transition is a mapping"))
            continue
        for end in ("from", "to"):
            if t.get(end) not in codes:
                err(f"{where}.{end}", _("no phase “%(code)s”") % {"code": t.get(end)})
        if t.get("from") in codes and t.get("to") in codes and codes.index(t["to"]) <= codes.index(t["from"]):
            err(where, _("a transition leads to a later phase"))

    seen = set()
    for i, a in enumerate(data.get("attachments") or []):
        where = f"attachments[{i}]"
        if not isinstance(a, dict):
            err(where, _("an attachment is a mapping"))
            continue
        if not isinstance(a.get("code"), str) or not CODE.match(a["code"]):
            err(
                f"{where}.code",
                _("a code is lower-case letters, digits and underscores, starting with a letter"),
            )
        elif a["code"] in seen:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": a["code"]})
        seen.add(a.get("code"))
        if not str(a.get("name") or "").strip():
            err(f"{where}.name", _("the name is required"))
        kinds = a.get("kinds") or ["pdf"]
        if not isinstance(kinds, list) or not set(kinds) <= ATTACHMENT_KINDS:
            err(
                f"{where}.kinds",
                _("file kinds among %(list)s") % {"list": ", ".join(sorted(ATTACHMENT_KINDS))},
            )

    rubric = data.get("rubric")
    if not isinstance(rubric, list) or not rubric:
        err("rubric", _("a programme type scores applications on at least one rubric item"))
        rubric = []
    total = Decimal(0)
    items = set()
    for i, item in enumerate(rubric):
        where = f"rubric[{i}]"
        if not isinstance(item, dict):
            err(where, _("a rubric item is a mapping"))
            continue
        if not isinstance(item.get("code"), str) or not CODE.match(item["code"]):
            err(
                f"{where}.code",
                _("a code is lower-case letters, digits and underscores, starting with a letter"),
            )
        elif item["code"] in items:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": item["code"]})
        items.add(item.get("code"))
        if not str(item.get("name") or "").strip():
            err(f"{where}.name", _("the name is required"))
        top = _number(item.get("max"))
        if top is None or top <= 0:
            err(f"{where}.max", _("the highest score is a positive number"))
        else:
            total += top
    if rubric and total != 100:
        err(
            "rubric",
            _("the rubric's highest scores add up to 100 (now %(n)s)")
            % {"n": format(total.normalize(), "f")},
        )

    cap = data.get("max_reviews_per_expert")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        err(
            "max_reviews_per_expert",
            _("the cap on an expert's reviews is a whole number from 1 (leave it out for no cap)"),
        )

    followups = data.get("followups")
    if followups is not None:
        if not isinstance(followups, dict):
            err("followups", _("the follow-up rounds by kind (midterm, acceptance, term_end)"))
            followups = {}
        for kind, spec in followups.items():
            where = f"followups.{kind}"
            if kind not in FollowUpKind.values:
                err(where, _("one of %(list)s") % {"list": ", ".join(FollowUpKind.values)})
                continue
            if not isinstance(spec, dict):
                err(where, _("a mapping with the round's form and rubric"))
                continue
            if spec.get("rubric") is not None:
                try:
                    followup.rubric_check(spec["rubric"])
                except ValidationError as exc:
                    for message in exc.messages:
                        err(f"{where}.rubric", message)
            if spec.get("form") is not None:
                if not isinstance(spec["form"], dict):
                    err(f"{where}.form", _("the report form is a data-set definition (a mapping)"))
                else:
                    for problem in forms_engine.check(spec["form"]):
                        err(f"{where}.form", problem)

    form = data.get("form")
    if form is not None:
        if not isinstance(form, dict):
            err("form", _("the application form is a data-set definition (a mapping)"))
        else:
            for problem in forms_engine.check(form):
                err("form", problem)
    return errors


@transaction.atomic
def type_load(*, actor, text: str) -> ProgrammeType:
    """Load one version of a programme type (its form as a data-set version of the reporting
    form engine). A version that calls already use is never replaced."""
    if not user_scope(actor).is_province:
        raise ValidationError(_("Only the province defines programme types."))
    data = parse_text(text)
    errors = check(data)
    if errors:
        raise TypeDefinitionError(errors)
    if ProgrammeType.objects.filter(code=data["code"], version=data["version"]).exists():
        # A published version is immutable: calls copy it and keep it.
        raise TypeDefinitionError(
            [
                _("version: version %(n)d is published and cannot change; load it as a new version")
                % {"n": data["version"]}
            ]
        )
    form_version = None
    if data.get("form"):
        form_version = form_version_for(actor=actor, form=data["form"])
        data["form"] = dict(form_version.definition)
    ptype = ProgrammeType.objects.create(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        applicant_kind=data["applicant"],
        definition=data,
        form_version=form_version,
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        instance=ptype,
        after={"code": ptype.code, "version": ptype.version},
        event="programme_type.loaded",
    )
    return ptype


def current(code: str) -> ProgrammeType | None:
    return ProgrammeType.objects.filter(code=code).order_by("-version").first()


def phase_name(ptype: ProgrammeType, phase: str, role: str) -> str:
    """The name the type gives a phase for a role (school, city, province, expert)."""
    for p in ptype.definition.get("phases") or []:
        if p.get("code") == phase:
            names = p.get("names") or {}
            return names.get(role) or names.get(Actor.PROVINCE) or str(Phase(phase).label)
    return str(Phase(phase).label)


def form_version_for(*, actor, form: dict):
    """The data-set version of a form (reporting form engine): the stored one when its definition is
    the same, else a new version of the data set (a version used elsewhere is never replaced)."""
    from zhijiao.reporting.models import DataSetVersion

    same = DataSetVersion.objects.filter(data_set__code=form.get("code"), number=form.get("version")).first()
    if same is not None:
        if same.definition == form:
            return same
        last = DataSetVersion.objects.filter(data_set=same.data_set).order_by("-number").first()
        form = {**form, "version": last.number + 1}
    return forms_engine.definition_load(
        actor=actor, text=yaml.safe_dump(form, allow_unicode=True, sort_keys=False)
    )


def type_export(ptype: ProgrammeType) -> str:
    """The version's definition as YAML; loading it with a new version number gives an equal type."""
    header = f"# {ptype.name} v{ptype.version}\n"
    return header + yaml.safe_dump(ptype.definition, allow_unicode=True, sort_keys=False)


@transaction.atomic
def type_new_version(*, actor, text: str, code: str | None = None) -> ProgrammeType:
    """Load an edited or imported definition as the next version of its type (the version number
    in the text is replaced; ``code``, when given, must match)."""
    data = parse_text(text)
    if code is not None and data.get("code") != code:
        raise TypeDefinitionError([_("code: the definition belongs to another programme type")])
    latest = current(str(data.get("code") or ""))
    data["version"] = (latest.version + 1) if latest else 1
    return type_load(actor=actor, text=yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
