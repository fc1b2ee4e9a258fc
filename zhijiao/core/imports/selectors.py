"""Reads for import jobs: a user sees their own jobs; province administrators see every job."""

from django.db.models import QuerySet

from zhijiao.accounts.choices import Role
from zhijiao.core.models import Job
from zhijiao.core.scoping import user_scope

from .jobs import JOB_KIND


def import_job_list(*, user) -> QuerySet[Job]:
    qs = Job.objects.filter(kind=JOB_KIND).select_related("created_by")
    scope = user_scope(user)
    if scope.is_superuser or (scope.is_province and scope.has_role(Role.PROVINCE_ADMIN)):
        return qs
    return qs.filter(created_by=user) if getattr(user, "is_authenticated", False) else qs.none()


def import_job_get(*, user, pk) -> Job:
    return import_job_list(user=user).get(pk=pk)
