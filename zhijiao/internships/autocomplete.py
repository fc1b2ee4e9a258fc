"""Search-as-you-type sources of the internship forms (core.autocomplete)."""

from __future__ import annotations

from zhijiao.core.autocomplete import ChoiceSource, register

from . import selectors


def offering_label(offering) -> str:
    return f"{offering.major.name}（{offering.major.code}）· {offering.institution.name}"


def enrolment_label(enrolment) -> str:
    return f"{enrolment.student.name} · {enrolment.class_name or enrolment.offering.major.name}"


def _plan_enrolments(user, plan=None):
    from zhijiao.students.models import Enrolment

    chosen = selectors.plan_list(user=user, action="change").filter(pk=plan).first() if plan else None
    if chosen is None:
        return Enrolment.objects.none()
    return selectors.placement_enrolment_choices(user=user, plan=chosen)


register(
    ChoiceSource(
        name="internships.plan-institutions",
        rows=lambda user: selectors.plan_institution_choices(user=user),
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="internships.plan-offerings",
        rows=lambda user, institution=None: selectors.plan_offering_choices(
            user=user, institution=institution
        ),
        search=("major__name", "major__code"),
        prefix=("major__code",),
        label=offering_label,
        forward=("institution",),
    )
)
register(
    ChoiceSource(
        name="internships.post-enterprises",
        rows=lambda user: selectors.post_enterprise_choices(user=user),
        search=("name", "credit_code"),
        prefix=("credit_code",),
    )
)
register(
    ChoiceSource(
        name="internships.placement-enrolments",
        rows=_plan_enrolments,
        search=("student__name", "class_name"),
        label=enrolment_label,
        forward=("plan",),
    )
)
register(
    ChoiceSource(
        name="internships.placement-posts",
        rows=lambda user: selectors.placement_post_choices(user=user),
        search=("name", "enterprise__name"),
    )
)


def _inspection_institutions(user):
    from .forms_inspections import launch_institutions

    return launch_institutions(user)


register(
    ChoiceSource(
        name="internships.inspection-institutions",
        rows=_inspection_institutions,
        search=("name", "code"),
        prefix=("code",),
    )
)


# The list filters with more choices than a select can show.
def plan_filter_label(plan) -> str:
    return f"{plan.title} · {plan.institution.name}"


register(
    ChoiceSource(
        name="internships.post-filter-enterprises",
        rows=lambda user: selectors.post_enterprise_filter_choices(user=user),
        search=("name", "credit_code"),
        prefix=("credit_code",),
    )
)
register(
    ChoiceSource(
        name="internships.placement-filter-plans",
        rows=lambda user: selectors.placement_plan_choices(user=user),
        search=("title", "institution__name"),
        label=plan_filter_label,
    )
)
