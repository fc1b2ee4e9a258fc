"""Enterprises that cooperate with schools (internships, 产教融合)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.search import TextSearch
from zhijiao.core.validators import validate_plain_text, validate_uscc

from .choices import Industry


class Enterprise(ScopedModel):
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200, validators=[validate_plain_text])
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices)
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises"
    )
    headcount = models.PositiveIntegerField(_("headcount"), default=0)
    contact_name = models.CharField(
        _("contact person"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True, validators=[validate_plain_text])

    scope_region_path = "region__path"
    scope_enterprise = "pk"
    scope_change_nodes = frozenset({"region", "enterprise"})
    # Fields masked in audit entries and lists (PIPL).
    sensitive_fields = {"contact_phone": "phone"}

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        # The list's order, and the posts' API sorted by their host's name: walked a few
        # hosts at a time instead of sorting every post (7,000 posts: 10.5 → 0.25 ms, issue 16).
        indexes = [models.Index(fields=["name", "id"], name="enterprises_ent_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("enterprises:enterprise_detail", args=[self.pk])


# ``name__textsearch``: characters and pairs from the generated search_terms column (core.search).
Enterprise._meta.get_field("name").register_lookup(TextSearch)
