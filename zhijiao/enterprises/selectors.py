"""Reads for enterprises; every one starts from the user's scope."""

from django.db.models import QuerySet

from zhijiao.core.scoping import restrict

from .models import Enterprise


def enterprise_list(*, user, action: str = "view") -> QuerySet[Enterprise]:
    return restrict(Enterprise.objects.select_related("region"), user, action)


def enterprise_get(*, user, pk, action: str = "view") -> Enterprise:
    return enterprise_list(user=user, action=action).get(pk=pk)
